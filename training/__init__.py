"""LoRA fine-tuning on a warehouse mart: `python -m training --mart marts.mart_training_mix --out DIR`."""

import os

# OpenMP threads that spin while waiting collapse when the cores are shared: measured on 2 busy
# cores, a SmolLM2 LoRA step took 2-4x longer with the default (active) policy than with PASSIVE.
# Only takes effect when torch is imported after this package; an explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from training.config import TrainConfig  # noqa: E402
from training.data import data_fingerprint, encode_rows, read_mart  # noqa: E402
from training.loss import evaluate_loss  # noqa: E402
from training.models import (  # noqa: E402
    ModelSpec,
    default_model_dir,
    load_model_and_tokenizer,
    merge_adapter,
    model_fingerprint,
    target_modules_for,
)
from training.runs import TrainingRun, append_run_history  # noqa: E402
from training.train import train_lora  # noqa: E402

__all__ = [
    "ModelSpec",
    "TrainConfig",
    "TrainingRun",
    "append_run_history",
    "data_fingerprint",
    "default_model_dir",
    "encode_rows",
    "evaluate_loss",
    "load_model_and_tokenizer",
    "merge_adapter",
    "model_fingerprint",
    "read_mart",
    "target_modules_for",
    "train_lora",
]
