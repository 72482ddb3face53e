"""A fast scan of `raw_root` for the plan: file sizes, a sampled record count, and the tokens per
record of the sampled records (the text fields through the token-counting tokenizer).

Small inputs are read whole (`READ_WHOLE_BYTES`); larger ones from the head of up to `SAMPLE_FILES`
files of each kind, `SAMPLE_BYTES` each: records per byte of a file kind times its total bytes.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

READ_WHOLE_BYTES = 8 << 20
SAMPLE_FILES = 6
SAMPLE_BYTES = 1 << 20
SUFFIXES = (".json", ".jsonl")
TOKENS_SAMPLE = 2000  # records tokenised for the tokens-per-record rate


@dataclass
class RawScan:
    files: int
    bytes: int
    records: float  # estimated records in all files
    tokens_per_record: float  # tokens of the Alpaca prompt + the output, mean over the sampled records
    text_bytes_per_record: float
    exact: bool  # every file was read whole


def input_files(root: Path) -> list[Path]:
    """The .json and .jsonl regular files under root (a broken link or a special file is not one)."""
    out = []
    for path in root.rglob("*"):
        try:
            if path.suffix.lower() in SUFFIXES and path.is_file():
                path.stat()
                out.append(path)
        except OSError:
            continue
    return sorted(out)


def _records(text: str, suffix: str, whole: bool) -> tuple[list, int]:
    """The records in `text` (a whole file, or its head) and how many characters they took."""
    if suffix == ".jsonl":
        lines = text.split("\n")
        if not whole:
            lines = lines[:-1]  # the head's last line may be cut
        out = []
        for line in lines:
            if line.strip():
                try:
                    out.append(json.loads(line))
                except ValueError:
                    out.append(None)  # a broken line is still a record (quarantined)
        return out, sum(len(x) + 1 for x in lines)
    decoder, pos = json.JSONDecoder(), 0
    body = text.lstrip()
    if whole:
        try:
            data = json.loads(body)
        except ValueError:
            return [None], len(text)
        return (data if isinstance(data, list) else [data]), len(text)
    if not body.startswith("["):
        return [], 0
    pos, out = 1, []
    while True:
        while pos < len(body) and body[pos] in " \t\r\n,":
            pos += 1
        try:
            item, pos = decoder.raw_decode(body, pos)
        except ValueError:
            return out, pos
        out.append(item)


def _texts(records: list) -> list[str]:
    """Each record as the warehouse counts it: the Alpaca prompt (sftmart.prompts) and the output."""
    from sftmart.prompts import alpaca_prompts

    good = [r for r in records if isinstance(r, dict)]
    pairs = [(str(r.get("instruction") or ""), str(r.get("input") or "")) for r in good]
    prompts = alpaca_prompts(pairs) if pairs else []
    return [prompt + str(r.get("output") or "") for (_, prompt), r in zip(prompts, good)]


def scan_raw(root: Path, count_tokens) -> RawScan:
    """`count_tokens(list[str]) -> list[int]`: the token counter of the build's tokenizer."""
    files = input_files(root)
    sizes = {p: p.stat().st_size for p in files}
    total = sum(sizes.values())
    exact = total <= READ_WHOLE_BYTES
    by_kind: dict[str, list[Path]] = {}
    for path in files:
        by_kind.setdefault(path.suffix.lower(), []).append(path)
    records, sampled = 0.0, []
    rng = random.Random(0)
    for suffix, paths in by_kind.items():
        chosen = paths if exact else rng.sample(paths, min(SAMPLE_FILES, len(paths)))
        n, read_bytes = 0, 0
        for path in chosen:
            whole = exact or sizes[path] <= SAMPLE_BYTES
            try:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    text = fh.read() if whole else fh.read(SAMPLE_BYTES)
            except OSError:  # unreadable: the landing quarantines it, the plan counts nothing
                continue
            found, used = _records(text, suffix, whole)
            n += len(found)
            sampled += found
            used_bytes = sizes[path] if whole else len(text[:used].encode("utf-8", "replace"))
            read_bytes += used_bytes
        kind_bytes = sum(sizes[p] for p in paths)
        records += n if exact else n / max(read_bytes, 1) * kind_bytes
    texts = _texts(rng.sample(sampled, min(TOKENS_SAMPLE, len(sampled)))) if sampled else []
    tokens = count_tokens(texts) if texts else []
    return RawScan(
        files=len(files),
        bytes=total,
        records=records,
        tokens_per_record=sum(tokens) / len(tokens) if tokens else 0.0,
        text_bytes_per_record=sum(len(t.encode()) for t in texts) / len(texts) if texts else 0.0,
        exact=exact,
    )


def tokenizer_counter(tokenizer_spec: str):
    """Token counts of texts under the build's tokenizer (udfs.tokens loads the same one)."""
    from tokenizers import Tokenizer

    from sftmart.hf_assets import resolve_tokenizer_dir

    tokenizer = Tokenizer.from_file(str(resolve_tokenizer_dir(tokenizer_spec) / "tokenizer.json"))

    def count(texts: list[str]) -> list[int]:
        return [len(e.ids) for e in tokenizer.encode_batch(texts, add_special_tokens=False)]

    return count
