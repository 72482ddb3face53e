"""Encoder outputs behind the SQLite score cache: table `encoder_outputs`, keyed by (content_hash,
fingerprint, kind); the model is loaded only if some item is missing, every batch is committed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from functools import lru_cache
from pathlib import Path

from compute import score_missing
from udfs.encoders.run import encode_batch
from udfs.lm_scoring.cache import blob_embedding, content_hash, embedding_blob, item_get

ENCODER_VERSION = "1"  # bump when an output changes for the same model and text
KINDS = ("quality", "embedding")


class EncoderCache:
    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), timeout=60.0, check_same_thread=False)
        self.conn.execute("pragma journal_mode=wal")
        self.conn.execute("pragma synchronous=normal")
        self.conn.execute(
            "create table if not exists encoder_outputs (content_hash text not null, fingerprint text not null, "
            "kind text not null, n_tokens integer not null, quality_score real, embedding blob, "
            "primary key (content_hash, fingerprint, kind)) without rowid"
        )
        self.conn.commit()

    def get_many(self, hashes: Iterable[str], fingerprint: str, kind: str) -> dict[str, dict]:
        field = "quality_score" if kind == "quality" else "embedding"
        found: dict[str, dict] = {}
        hashes = list(dict.fromkeys(hashes))
        for lo in range(0, len(hashes), 500):
            part = hashes[lo : lo + 500]
            for h, n, value in self.conn.execute(
                f"select content_hash, n_tokens, {field} from encoder_outputs where fingerprint = ? and kind = ? "
                f"and content_hash in ({','.join('?' * len(part))})",
                [fingerprint, kind, *part],
            ):
                found[h] = {"n_tokens": n, field: value if kind == "quality" else blob_embedding(value)}
        return found

    def put_many(self, rows: Iterable[tuple[str, dict]], fingerprint: str, kind: str) -> None:
        with self.conn:
            self.conn.executemany(
                "insert or replace into encoder_outputs values (?, ?, ?, ?, ?, ?)",
                [
                    (h, fingerprint, kind, r["n_tokens"], r.get("quality_score"), embedding_blob(r.get("embedding")))
                    for h, r in rows
                ],
            )

    def close(self) -> None:
        self.conn.close()


@lru_cache(maxsize=8)
def _fingerprint(canonical_spec: str, kind: str) -> str:
    from training.models import model_fingerprint
    from udfs.lm_scoring.specs import spec_parts

    spec, _ = spec_parts(canonical_spec)
    return f"{model_fingerprint(spec)}:L{spec.max_length}:{kind}:v{ENCODER_VERSION}"


def encoder_fingerprint(spec_json: str, kind: str) -> str:
    """Cache key part: the model directory's fingerprint (files, dtype), max_length, kind, version."""
    from udfs.lm_scoring.specs import canonical

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    return _fingerprint(canonical(spec_json), kind)


def encode_with_cache(
    cache_path: str | Path,
    model_loader: Callable[[], tuple],
    fingerprint: str,
    kind: str,
    items: Sequence,
    **encode_kwargs,
) -> list[dict]:
    """Outputs of `items` (mappings with content_hash, prompt, response), aligned with them; only the
    missing hashes are encoded, each once, and `model_loader()` runs only if one is missing: in this
    process, or on the Ray cluster `compute` (in `encode_kwargs`) names."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    hashes = [
        item_get(i, "content_hash") or content_hash(item_get(i, "prompt"), item_get(i, "response")) for i in items
    ]
    with closing(EncoderCache(cache_path)) as cache:
        found = cache.get_many(hashes, fingerprint, kind)
        missing = {h: i for i, h in reversed(list(enumerate(hashes))) if h not in found}
        if missing:
            todo = list(missing)

            def persist(indices: list[int], outputs: list[dict]) -> None:
                rows = [(todo[i], o) for i, o in zip(indices, outputs)]
                cache.put_many(rows, fingerprint, kind)
                found.update(rows)

            prompts = [item_get(items[missing[h]], "prompt") or "" for h in todo]
            responses = [item_get(items[missing[h]], "response") or "" for h in todo]
            score_missing(  # in-process, or on a Ray cluster when encode_kwargs holds compute (compute/)
                encode_kwargs.pop("compute", None), model_loader, prompts, responses, keys=todo, on_batch=persist,
                cache_path=cache_path, fingerprint=fingerprint, scope=kind, batch_fn=encode_batch, **encode_kwargs,
            )  # fmt: skip
    return [dict(found[h]) for h in hashes]
