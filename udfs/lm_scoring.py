"""Per-sample scores under a causal LM (mean token entropy, mean NLL, perplexity), callable from SQL.

Three layers, each usable on its own:

* `score_samples(model, tokenizer, prompts, responses, scope)` -- the scorer. One dict per sample:
  `n_tokens` (tokens scored), `mean_entropy`, `mean_nll`, `perplexity` (= exp(mean_nll)), in nats.
* `score_with_cache(cache_path, model_loader, fingerprint, items, scope)` -- the same behind a
  persistent SQLite cache keyed by (content_hash, fingerprint, scope). The model is loaded only if
  some item is missing, and every finished batch is committed before the next one starts, so a
  killed run loses at most one batch and a re-run scores only what is missing.
* `lm_scores_udf(items, model_spec, scope, cache_path)` -- the DuckDB arrow UDF: one list of samples
  in, one list of scores out (registered as `sftmart_lm_scores`).

What is scored
--------------
Prompt and response are tokenised separately, without special tokens, and concatenated; a BOS token
is prepended only when the tokenizer itself adds one (`add_special_tokens=True` puts it in front;
SmolLM2's does not). A token is scored from the model's distribution at the previous position:

* scope 'response' (default): every response token, given BOS + prompt + the response before it.
  Without BOS and with an empty prompt the first response token has no context and is not scored.
* scope 'prompt': the prompt alone (the response is not fed), every prompt token that has a
  token before it -- i.e. from the prompt's 2nd token without BOS -- as the FT-Data-Ranker entry
  scored instructions.

Per scored token, log-probabilities come from `log_softmax` of fp32 logits; entropy
H = -sum_w exp(logp_w) * logp_w and NLL = -logp[target]. Per sample: means over scored tokens and
perplexity = exp(mean NLL). A sample with nothing to score has n_tokens = 0 and null scores.

Truncation rule (sequences longer than `max_length` tokens): tokens are dropped from the LEFT of the
prompt (BOS, if any, is kept), so the response keeps as much immediate context as fits. If the
whole response does not fit in `max_length` together with BOS and at least one prompt token (so
that every response token is scored with context), the sample is not scored (n_tokens = 0, null
scores) rather than scored on a fragment. With scope 'prompt' the last `max_length` tokens of
BOS + prompt are kept (BOS first).

How it runs
-----------
Samples are sorted by length and cut into batches by a budget of padded tokens; right padding, an
attention mask and explicit position ids 0..n-1 make every score independent of its batch
neighbours (to float rounding). The transformer body runs once per batch (`model.base_model`, no
logits); the LM head and log_softmax run only on the positions whose next token is scored, in
chunks of positions so the (positions x 49k vocab) logits stay within a fixed memory budget. On
CUDA the body runs in bf16 and the head + log_softmax in fp32; on CPU everything is fp32.

SQL pattern
-----------
The UDF wants many samples per call, so rows are grouped into length-ordered lists (neighbours of
similar length pad little) and the result is unnested back into rows. `content_hash` must change
whenever the scored text changes; a separator keeps ('ab', 'c') and ('a', 'bc') apart::

    with s as (
        select sample_id, md5(prompt || chr(31) || response) as content_hash, prompt, response,
               length(prompt) + length(response) as n_chars
        from pool),
    buckets as (
        select list({'sample_id': sample_id, 'content_hash': content_hash,
                     'prompt': prompt, 'response': response} order by n_chars) as items
        from (select *, (row_number() over (order by n_chars)) // 512 as bucket from s)
        group by bucket)
    select unnest(sftmart_lm_scores(items, '{"path": "default"}', 'response',
                                    '/path/to/warehouse.scores.sqlite'), recursive := true)
    from buckets

which yields columns sample_id, n_tokens, mean_entropy, mean_nll, perplexity. The model spec is
`training.models.ModelSpec` as JSON: {"path": "default" | local HF dir, "dtype": "auto",
"device": "auto", "max_length": 1024, "trust_remote_code": false}; optional extra keys
"max_tokens_per_batch" (int) and "progress" (bool) tune the run without changing the cache key.
The cache lives in its own SQLite file (the warehouse uses `<warehouse>.scores.sqlite`) because
the DuckDB file is busy inside the query that calls the UDF.
"""
from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import duckdb
import pyarrow as pa

try:  # DuckDB >= 1.4 / 2.0
    from duckdb import sqltypes as T
except ImportError:  # pragma: no cover - older DuckDB
    from duckdb import typing as T

SCOPES = ("response", "prompt")
SCORER_VERSION = "1"  # bump when scores change for the same model and text, so caches are not reused
SCORE_FIELDS = ("n_tokens", "mean_entropy", "mean_nll", "perplexity")
DEFAULT_CPU_BUDGET = 4096      # padded tokens per batch
DEFAULT_CUDA_BUDGET = 32768
LOGITS_BUDGET_BYTES = {"cpu": 64 << 20, "cuda": 1 << 30}  # fp32 logits of one head chunk (x ~3 in use)

ITEM_TYPE = duckdb.struct_type({"sample_id": T.VARCHAR, "content_hash": T.VARCHAR,
                                "prompt": T.VARCHAR, "response": T.VARCHAR})
ITEM_LIST_TYPE = duckdb.list_type(ITEM_TYPE)
SCORE_TYPE = duckdb.struct_type({"sample_id": T.VARCHAR, "n_tokens": T.BIGINT, "mean_entropy": T.DOUBLE,
                                 "mean_nll": T.DOUBLE, "perplexity": T.DOUBLE})
RESULT_TYPE = duckdb.list_type(SCORE_TYPE)
ARROW_SCORE_TYPE = pa.struct([("sample_id", pa.string()), ("n_tokens", pa.int64()),
                              ("mean_entropy", pa.float64()), ("mean_nll", pa.float64()),
                              ("perplexity", pa.float64())])
ARROW_RESULT_TYPE = pa.list_(ARROW_SCORE_TYPE)


def _null_score() -> dict:
    return {"n_tokens": 0, "mean_entropy": None, "mean_nll": None, "perplexity": None}


# --------------------------------------------------------------------------------------------
# Tokenisation and the scored sequences
# --------------------------------------------------------------------------------------------

def _encode(tokenizer, texts: list[str], add_special_tokens: bool = False) -> list[list[int]]:
    """Token ids per text, for a transformers tokenizer or a `tokenizers.Tokenizer`."""
    if not texts:
        return []
    from tokenizers import Tokenizer

    if isinstance(tokenizer, Tokenizer):
        return [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=add_special_tokens)]
    return list(tokenizer(texts, add_special_tokens=add_special_tokens)["input_ids"])


def bos_prefix(tokenizer) -> list[int]:
    """The ids the tokenizer itself puts in front of a text (a required BOS), else []."""
    without = _encode(tokenizer, ["a"])[0]
    with_special = _encode(tokenizer, ["a"], add_special_tokens=True)[0]
    n_extra = len(with_special) - len(without)
    if n_extra > 0 and with_special[n_extra:n_extra + len(without)] == without:
        return list(with_special[:n_extra])
    return []


@dataclass
class _Seq:
    index: int            # position in the caller's list
    ids: list[int]        # tokens fed to the model
    start: int            # first scored token index in ids (>= 1)
    end: int              # one past the last scored token


def build_sequences(tokenizer, prompts: Sequence[str], responses: Sequence[str] | None, scope: str,
                    max_length: int) -> list[_Seq | None]:
    """The token sequence and scored span of each sample (None: nothing to score). See module doc."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
    if max_length < 2:
        raise ValueError("max_length must be at least 2")
    bos = bos_prefix(tokenizer)
    prompt_ids = _encode(tokenizer, [p or "" for p in prompts])
    out: list[_Seq | None] = []
    if scope == "prompt":
        for i, p in enumerate(prompt_ids):
            p = p[len(p) - (max_length - len(bos)):] if len(bos) + len(p) > max_length else p
            ids = bos + p
            start = max(len(bos), 1)
            out.append(_Seq(i, ids, start, len(ids)) if len(ids) > start else None)
        return out
    if responses is None or len(responses) != len(prompts):
        raise ValueError("scope 'response' needs one response per prompt")
    response_ids = _encode(tokenizer, [r or "" for r in responses])
    for i, (p, r) in enumerate(zip(prompt_ids, response_ids)):
        room = max_length - len(bos) - len(r)
        if not r or room < (1 if p and not bos else 0):  # the whole response, with context, must fit
            out.append(None)
            continue
        p = p[len(p) - room:] if len(p) > room else p
        ids = bos + p + r
        start = max(len(bos) + len(p), 1)
        out.append(_Seq(i, ids, start, len(ids)) if len(ids) > start else None)
    return out


def plan_batches(seqs: Iterable[_Seq], max_tokens_per_batch: int) -> list[list[_Seq]]:
    """Longest first; each batch's padded size (rows x longest row) stays within the budget."""
    batches: list[list[_Seq]] = []
    current: list[_Seq] = []
    for seq in sorted(seqs, key=lambda s: (-len(s.ids), s.index)):
        # sorted descending, so the first row of a batch is its longest
        if current and (len(current) + 1) * len(current[0].ids) > max_tokens_per_batch:
            batches.append(current)
            current = []
        current.append(seq)
    if current:
        batches.append(current)
    return batches


# --------------------------------------------------------------------------------------------
# The scorer
# --------------------------------------------------------------------------------------------

def _head(model):
    """(weight, bias, scale, softcap) of the LM head, weight/bias in fp32."""
    head = model.get_output_embeddings()
    weight = head.weight.detach().float()
    bias = head.bias.detach().float() if getattr(head, "bias", None) is not None else None
    config = model.config
    scale = getattr(config, "logit_scale", None)  # Cohere
    softcap = getattr(config, "final_logit_softcapping", None)  # Gemma 2
    return weight, bias, scale, softcap


def _score_positions(hidden, targets, head, chunk: int):
    """Entropy and NLL (fp32) of each row of `hidden` (N x d) predicting `targets` (N)."""
    import torch
    import torch.nn.functional as F

    weight, bias, scale, softcap = head
    entropy = torch.empty(hidden.shape[0], dtype=torch.float32, device=hidden.device)
    nll = torch.empty_like(entropy)
    for lo in range(0, hidden.shape[0], chunk):
        h = hidden[lo:lo + chunk].float()
        logits = F.linear(h, weight, bias)
        if scale is not None:
            logits = logits * scale
        if softcap is not None:
            logits = torch.tanh(logits / softcap) * softcap
        logp = torch.log_softmax(logits, dim=-1)
        del logits
        entropy[lo:lo + chunk] = -(logp.exp() * logp).sum(-1)
        nll[lo:lo + chunk] = -logp.gather(1, targets[lo:lo + chunk, None]).squeeze(1)
    return entropy, nll


def _model_device(model):
    return next(model.parameters()).device


def score_samples(model, tokenizer, prompts: Sequence[str], responses: Sequence[str] | None = None,
                  scope: str = "response", max_tokens_per_batch: int | None = None, max_length: int = 1024,
                  progress: bool = True, on_batch: Callable[[list[int], list[dict]], None] | None = None,
                  logits_budget_bytes: int | None = None) -> list[dict]:
    """Scores of each sample: dict(n_tokens, mean_entropy, mean_nll, perplexity); see the module doc.

    `model` is a transformers causal LM (in eval mode, on its device and dtype); `max_tokens_per_batch`
    bounds rows x longest row per forward pass (default 4096 on CPU, 32768 on CUDA);
    `logits_budget_bytes` bounds one chunk of head logits (default 64 MiB on CPU, 1 GiB on CUDA). `on_batch`, if
    given, is called with (sample indices, their scores) after every finished batch, and once up front
    for the samples with nothing to score.
    """
    import torch
    from tqdm.auto import tqdm

    n = len(prompts)
    seqs = build_sequences(tokenizer, prompts, responses, scope, max_length)
    results: list[dict | None] = [None] * n
    empty = [i for i, s in enumerate(seqs) if s is None]
    for i in empty:
        results[i] = _null_score()
    if empty and on_batch is not None:
        on_batch(empty, [results[i] for i in empty])
    todo = [s for s in seqs if s is not None]
    if not todo:
        return results  # type: ignore[return-value]

    device = _model_device(model)
    if max_tokens_per_batch is None:
        max_tokens_per_batch = DEFAULT_CUDA_BUDGET if device.type == "cuda" else DEFAULT_CPU_BUDGET
    batches = plan_batches(todo, max_tokens_per_batch)
    body = model.base_model
    head = _head(model)
    if logits_budget_bytes is None:
        logits_budget_bytes = LOGITS_BUDGET_BYTES["cuda" if device.type == "cuda" else "cpu"]
    chunk = max(16, logits_budget_bytes // (4 * head[0].shape[0]))
    pad_id = 0
    bar = tqdm(total=sum(len(s.ids) for s in todo), unit="tok", unit_scale=True, disable=not progress,
               desc=f"lm scores ({scope})", mininterval=1.0)
    with torch.inference_mode(), bar:
        for batch in batches:
            width = len(batch[0].ids)
            rows = len(batch)
            input_ids = torch.full((rows, width), pad_id, dtype=torch.long)
            attention = torch.zeros((rows, width), dtype=torch.long)
            pos_rows, pos_cols, seg = [], [], []
            for r, s in enumerate(batch):
                input_ids[r, :len(s.ids)] = torch.tensor(s.ids, dtype=torch.long)
                attention[r, :len(s.ids)] = 1
                k = s.end - s.start
                pos_rows += [r] * k
                pos_cols += range(s.start - 1, s.end - 1)  # position t-1 predicts token t
                seg += [r] * k
            input_ids = input_ids.to(device)
            attention = attention.to(device)
            positions = torch.arange(width, device=device).expand(rows, width)
            hidden = body(input_ids=input_ids, attention_mask=attention, position_ids=positions,
                          use_cache=False).last_hidden_state
            pr = torch.tensor(pos_rows, device=device)
            pc = torch.tensor(pos_cols, device=device)
            entropy, nll = _score_positions(hidden[pr, pc], input_ids[pr, pc + 1], head, chunk)
            seg_t = torch.tensor(seg, device=device)
            ent_sum = torch.zeros(rows, dtype=torch.float64, device=device).index_add_(0, seg_t, entropy.double())
            nll_sum = torch.zeros(rows, dtype=torch.float64, device=device).index_add_(0, seg_t, nll.double())
            ent_sum, nll_sum = ent_sum.tolist(), nll_sum.tolist()
            finished = []
            for r, s in enumerate(batch):
                k = s.end - s.start
                mean_nll = nll_sum[r] / k
                results[s.index] = {"n_tokens": k, "mean_entropy": ent_sum[r] / k, "mean_nll": mean_nll,
                                    "perplexity": math.exp(min(mean_nll, 700.0))}
                finished.append(s.index)
            if on_batch is not None:
                on_batch(finished, [results[i] for i in finished])
            bar.update(sum(len(s.ids) for s in batch))
    return results  # type: ignore[return-value]


# --------------------------------------------------------------------------------------------
# Persistent cache
# --------------------------------------------------------------------------------------------

class ScoreCache:
    """Scores keyed by (content_hash, fingerprint, scope) in a SQLite file (WAL mode)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(self.path), timeout=60.0, check_same_thread=False)
        self.conn.execute("pragma journal_mode=wal")
        self.conn.execute("pragma synchronous=normal")
        self.conn.execute(
            "create table if not exists lm_scores (content_hash text not null, fingerprint text not null, "
            "scope text not null, n_tokens integer not null, mean_entropy real, mean_nll real, "
            "perplexity real, primary key (content_hash, fingerprint, scope)) without rowid")
        self.conn.commit()

    def get_many(self, hashes: Iterable[str], fingerprint: str, scope: str) -> dict[str, dict]:
        found: dict[str, dict] = {}
        hashes = list(dict.fromkeys(hashes))
        for lo in range(0, len(hashes), 500):
            part = hashes[lo:lo + 500]
            marks = ",".join("?" * len(part))
            for h, *values in self.conn.execute(
                    f"select content_hash, n_tokens, mean_entropy, mean_nll, perplexity from lm_scores "
                    f"where fingerprint = ? and scope = ? and content_hash in ({marks})",
                    [fingerprint, scope, *part]):
                found[h] = dict(zip(SCORE_FIELDS, values))
        return found

    def put_many(self, rows: Iterable[tuple[str, dict]], fingerprint: str, scope: str) -> None:
        """Insert and commit (one transaction)."""
        with self.conn:
            self.conn.executemany(
                "insert or replace into lm_scores values (?, ?, ?, ?, ?, ?, ?)",
                [(h, fingerprint, scope, *(s[f] for f in SCORE_FIELDS)) for h, s in rows])

    def count(self) -> int:
        return self.conn.execute("select count(*) from lm_scores").fetchone()[0]

    def close(self) -> None:
        self.conn.close()


def content_hash(prompt: str | None, response: str | None) -> str:
    """The default content hash when an item has none: md5(prompt || chr(31) || response), as in SQL."""
    return hashlib.md5(f"{prompt or ''}\x1f{response or ''}".encode()).hexdigest()


def _item_get(item, key):
    return item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)


def score_with_cache(cache_path: str | Path, model_loader: Callable[[], tuple], fingerprint: str,
                     items: Sequence, scope: str = "response", **score_kwargs) -> list[dict]:
    """Scores of `items` (mappings with content_hash, prompt, response), aligned with them.

    Cached rows for (content_hash, fingerprint, scope) are used as they are; `model_loader()` ->
    (model, tokenizer) is called only if some hash is missing, and only the missing hashes (each once)
    are scored. Each finished batch is committed before the next one starts. `score_kwargs` go to
    `score_samples` (max_length, max_tokens_per_batch, progress, ...); `fingerprint` must cover
    everything that changes a score (see `scoring_fingerprint`)."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
    hashes = []
    for item in items:
        h = _item_get(item, "content_hash")
        hashes.append(h if h else content_hash(_item_get(item, "prompt"), _item_get(item, "response")))
    with closing(ScoreCache(cache_path)) as cache:
        found = cache.get_many(hashes, fingerprint, scope)
        missing: dict[str, int] = {}
        for i, h in enumerate(hashes):
            if h not in found and h not in missing:
                missing[h] = i
        if missing:
            model, tokenizer = model_loader()
            todo_hashes = list(missing)
            prompts = [_item_get(items[missing[h]], "prompt") or "" for h in todo_hashes]
            responses = [_item_get(items[missing[h]], "response") or "" for h in todo_hashes]

            def persist(indices: list[int], scores: list[dict]) -> None:
                rows = [(todo_hashes[i], s) for i, s in zip(indices, scores)]
                cache.put_many(rows, fingerprint, scope)
                found.update(rows)

            score_samples(model, tokenizer, prompts, responses, scope=scope, on_batch=persist, **score_kwargs)
    return [dict(found[h]) for h in hashes]


# --------------------------------------------------------------------------------------------
# Model specs (training.models.ModelSpec as JSON)
# --------------------------------------------------------------------------------------------

RUN_OPTIONS = ("max_tokens_per_batch", "progress")  # spec keys that tune a run but not the scores
_load_lock = threading.Lock()
_score_lock = threading.Lock()


def _spec_parts(spec_json: str) -> tuple[object, dict]:
    from training.models import ModelSpec

    data = json.loads(spec_json) if spec_json else {}
    if not isinstance(data, dict):
        raise ValueError(f"model_spec must be a JSON object, not {spec_json!r}")
    options = {k: data.pop(k) for k in RUN_OPTIONS if k in data}
    return ModelSpec.from_json(data), options


def _canonical(spec_json: str) -> str:
    data = json.loads(spec_json) if spec_json else {}
    return json.dumps(data, sort_keys=True)


@lru_cache(maxsize=2)
def _load_cached(canonical_spec: str):
    from training.models import load_model_and_tokenizer

    spec, _ = _spec_parts(canonical_spec)
    model, tokenizer = load_model_and_tokenizer(spec)
    model.eval()
    return model, tokenizer


def load_for_spec(spec_json: str):
    """(model, tokenizer) for a model spec, loaded once per process."""
    with _load_lock:
        return _load_cached(_canonical(spec_json))


@lru_cache(maxsize=8)
def _fingerprint_cached(canonical_spec: str) -> str:
    from training.models import model_fingerprint

    spec, _ = _spec_parts(canonical_spec)
    return f"{model_fingerprint(spec)}:L{spec.max_length}:v{SCORER_VERSION}"


def scoring_fingerprint(spec_json: str) -> str:
    """The cache key part for a spec: the model's fingerprint (weights, tokenizer, compute dtype),
    max_length and the scorer version. Computed without loading the model."""
    return _fingerprint_cached(_canonical(spec_json))


# --------------------------------------------------------------------------------------------
# The UDF
# --------------------------------------------------------------------------------------------

def _as_array(value):
    return value.combine_chunks() if isinstance(value, pa.ChunkedArray) else value


def _single_value(array: pa.Array, name: str, default: str | None = None) -> str | None:
    import pyarrow.compute as pc

    values = [v for v in pc.unique(_as_array(array)).to_pylist() if v is not None]
    if len(values) > 1:
        raise ValueError(f"sftmart_lm_scores: {name} must be the same on every row, got {values[:3]}")
    return values[0] if values else default


def lm_scores_udf(items: pa.Array, model_spec: pa.Array, scope: pa.Array, cache_path: pa.Array) -> pa.Array:
    """Arrow UDF: list<struct<sample_id, content_hash, prompt, response>> per row in, the list of
    struct<sample_id, n_tokens, mean_entropy, mean_nll, perplexity> (same order) per row out.
    All lists of one call are scored together, through the cache at `cache_path`."""
    import pyarrow.compute as pc

    items = _as_array(items)
    n_rows = len(items)
    if n_rows == 0:
        return pa.array([], type=ARROW_RESULT_TYPE)
    spec_json = _single_value(model_spec, "model_spec", "{}")
    scope_value = _single_value(scope, "scope", "response")
    path = _single_value(cache_path, "cache_path")
    if not path:
        raise ValueError("sftmart_lm_scores: cache_path is required")
    flat = items.flatten()  # child structs of the non-null lists, in order
    lengths = pc.fill_null(pc.list_value_length(items), 0).to_numpy(zero_copy_only=False)
    valid = flat.is_valid().to_pylist()
    columns = {name: flat.field(name).to_pylist() for name in ("sample_id", "content_hash", "prompt", "response")}
    records = [{k: (columns[k][i] if valid[i] else None) for k in columns} for i in range(len(flat))]

    if records:
        spec, options = _spec_parts(_canonical(spec_json))
        with _score_lock:
            scores = score_with_cache(path, lambda: load_for_spec(spec_json), scoring_fingerprint(spec_json),
                                      records, scope_value, max_length=spec.max_length,
                                      max_tokens_per_batch=options.get("max_tokens_per_batch"),
                                      progress=bool(options.get("progress", True)))
    else:
        scores = []
    values = pa.array([{"sample_id": r["sample_id"], **s} for r, s in zip(records, scores)], type=ARROW_SCORE_TYPE)
    offsets = [0]
    for length in lengths:
        offsets.append(offsets[-1] + int(length))
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=ARROW_RESULT_TYPE,
                                    mask=items.is_null())
