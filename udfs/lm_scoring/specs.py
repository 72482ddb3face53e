"""Model specs (`training.models.ModelSpec` as JSON): the model each spec loads, once per process,
and the fingerprint that keys its cached scores."""

from __future__ import annotations

import json
import threading
from functools import lru_cache

SCORER_VERSION = "1"  # bump when scores change for the same model and text, so caches are not reused
RUN_OPTIONS = ("max_tokens_per_batch", "progress", "compute")  # spec keys that tune a run but not the scores
_load_lock = threading.Lock()
score_lock = threading.Lock()  # one scoring run at a time per process


def spec_parts(spec_json: str) -> tuple[object, dict]:
    from training.models import ModelSpec

    data = json.loads(spec_json) if spec_json else {}
    if not isinstance(data, dict):
        raise ValueError(f"model_spec must be a JSON object, not {spec_json!r}")
    options = {k: data.pop(k) for k in RUN_OPTIONS if k in data}
    return ModelSpec.from_json(data), options


def canonical(spec_json: str) -> str:
    data = json.loads(spec_json) if spec_json else {}
    return json.dumps(data, sort_keys=True)


@lru_cache(maxsize=2)
def _load_cached(canonical_spec: str):
    from training.models import load_model_and_tokenizer

    spec, _ = spec_parts(canonical_spec)
    model, tokenizer = load_model_and_tokenizer(spec)
    model.eval()
    return model, tokenizer


def load_for_spec(spec_json: str):
    """(model, tokenizer) for a model spec, loaded once per process."""
    with _load_lock:
        return _load_cached(canonical(spec_json))


@lru_cache(maxsize=8)
def _fingerprint_cached(canonical_spec: str) -> str:
    from training.models import model_fingerprint

    spec, _ = spec_parts(canonical_spec)
    return f"{model_fingerprint(spec)}:L{spec.max_length}:v{SCORER_VERSION}"


def scoring_fingerprint(spec_json: str) -> str:
    """The cache key part for a spec: the model's fingerprint (weights, tokenizer, compute dtype),
    max_length and the scorer version. Computed without loading the model."""
    return _fingerprint_cached(canonical(spec_json))
