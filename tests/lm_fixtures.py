"""Tiny randomly initialised causal LMs with SmolLM2's tokenizer, built from a config in milliseconds."""

from __future__ import annotations

import shutil
from pathlib import Path


def make_tiny_model_dir(path: Path, *, seed: int = 0, hidden_size: int = 32, layers: int = 2) -> Path:
    """A Llama-architecture model (the SmolLM2 family) saved as a local HF directory with the tokenizer."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from sftmart.hf_assets import default_tokenizer_dir

    path = Path(path)
    if (path / "config.json").exists():
        return path
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=49152,
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
    )
    LlamaForCausalLM(config).save_pretrained(str(path))
    for item in default_tokenizer_dir().iterdir():
        shutil.copy(item, path / item.name)
    return path
