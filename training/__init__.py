"""LoRA fine-tuning on a warehouse mart: `python -m training --mart marts.mart_training_mix --out DIR`."""
from training.data import data_fingerprint, encode_rows, read_mart
from training.models import (ModelSpec, default_model_dir, load_model_and_tokenizer, merge_adapter,
                             model_fingerprint, target_modules_for)
from training.train import TrainConfig, TrainingRun, evaluate_loss, record_run, train_lora

__all__ = ["ModelSpec", "TrainConfig", "TrainingRun", "data_fingerprint", "default_model_dir", "encode_rows",
           "evaluate_loss", "load_model_and_tokenizer", "merge_adapter", "model_fingerprint", "read_mart",
           "record_run", "target_modules_for", "train_lora"]
