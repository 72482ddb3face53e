"""The model an evaluation runs: the base model of a spec, with a LoRA adapter applied by peft
without merging when one is given; and the key its cached results are stored under."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class EvalModel:
    causal_lm: object  # what generates: the base model, or the PeftModel around it
    scoring_model: object  # a transformers causal LM with `.base_model` (LoRA layers injected when adapted)
    tokenizer: object
    max_length: int
    memo: dict = field(default_factory=dict, repr=False)  # scores computed once per model (multiple_choice.py)


def adapter_digest(adapter_dir: str | Path) -> str:
    """sha256 of an adapter's config and weights (peft format), as training.models digests it."""
    from training.models import _adapter_digest

    adapter_dir = Path(adapter_dir)
    if not (adapter_dir / "adapter_config.json").exists():
        raise FileNotFoundError(f"no peft adapter in {adapter_dir} (adapter_config.json and weights)")
    return _adapter_digest(adapter_dir)


def model_key(spec_json: str, adapter_path: str | None) -> str:
    """The base model's scoring fingerprint (weights, tokenizer, dtype, max_length) plus the
    adapter's digest: computed without loading the model."""
    from udfs.lm_scoring.specs import scoring_fingerprint

    key = scoring_fingerprint(spec_json)
    return key if not adapter_path else f"{key}+adapter:{adapter_digest(adapter_path)}"


def load_eval_model(spec_json: str, adapter_path: str | None) -> EvalModel:
    """The base model (spec's device and dtype, eval mode) with the adapter at `adapter_path`, if
    any, applied unmerged. A fresh load per call: applying an adapter changes the model in place."""
    from training.models import load_model_and_tokenizer
    from udfs.lm_scoring.specs import spec_parts

    spec, _ = spec_parts(spec_json)
    model, tokenizer = load_model_and_tokenizer(spec)
    if not adapter_path:
        return EvalModel(model, model, tokenizer, spec.max_length)
    from peft import PeftModel

    with warnings.catch_warnings():  # peft 0.21 reads an attribute transformers 5 deprecates
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        peft_model = PeftModel.from_pretrained(model, str(adapter_path))
    peft_model.eval()
    if "lora" in type(peft_model.get_output_embeddings()).__module__:
        # the scorer reads the LM head's weight directly (udfs/lm_scoring/scorer.py _head)
        raise ValueError(f"{adapter_path}: an adapter on the LM head is not supported; target the attention layers")
    # peft injects the LoRA layers into the wrapped model's modules: the unwrapped model computes
    # with the adapter, and has the `.base_model` body the scorer calls
    return EvalModel(peft_model, peft_model.get_base_model(), tokenizer, spec.max_length)
