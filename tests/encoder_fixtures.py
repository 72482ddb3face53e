"""Tiny randomly initialised encoders (DeBERTa-v2 classifier, BERT) with SmolLM2's tokenizer, from a config."""

from __future__ import annotations

import shutil
from pathlib import Path


def make_tiny_encoder_dir(path: Path, kind: str = "deberta", num_labels: int = 1, seed: int = 0) -> Path:
    """kind 'deberta': DebertaV2ForSequenceClassification (a reward-model shape); 'bert': BertModel."""
    import torch
    from transformers import BertConfig, BertModel, DebertaV2Config, DebertaV2ForSequenceClassification

    from sftmart.hf_assets import default_tokenizer_dir

    path = Path(path)
    if (path / "config.json").exists():
        return path
    torch.manual_seed(seed)
    sizes = dict(vocab_size=49152, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64)
    if kind == "deberta":
        config = DebertaV2Config(
            **sizes,
            max_position_embeddings=256,
            relative_attention=True,
            position_buckets=32,
            pooler_hidden_size=32,
            num_labels=num_labels,
            pad_token_id=2,
        )
        model = DebertaV2ForSequenceClassification(config)
    else:
        model = BertModel(BertConfig(**sizes, max_position_embeddings=128, pad_token_id=2))
    model.save_pretrained(str(path))
    for item in default_tokenizer_dir().iterdir():
        shutil.copy(item, path / item.name)
    return path
