"""What a LoRA run is configured with (TrainConfig) and where it writes in its out_dir.

out_dir/adapter is the finished adapter (peft format), out_dir/run.json the run record that vouches
for it, out_dir/checkpoints/step-N the latest checkpoint of an unfinished run.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from training.models import JsonDataclass

RUN_FILE = "run.json"
ADAPTER_DIR = "adapter"
CHECKPOINT_DIR = "checkpoints"
RUNS_HISTORY_FILE = "runs.jsonl"  # the standalone CLI's history of runs (python -m training)


@dataclass
class TrainConfig(JsonDataclass):
    """Defaults follow the FT-Data-Ranker competition's LoRA recipe (r=8, alpha=32, dropout 0.1,
    lr 2.5e-5, 3 epochs, cosine, 3% warmup, 1024 tokens)."""

    lora_r: int = 8
    lora_alpha: int = 32
    lora_dropout: float = 0.1
    learning_rate: float = 2.5e-5
    epochs: int = 3
    lr_scheduler: str = "cosine"
    warmup_ratio: float = 0.03
    max_length: int = 1024
    batch_size: int = 4
    grad_accumulation: int = 4
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    seed: int = 42
    target_modules: list[str] | None = None  # None: the model's attention projections
    max_steps: int | None = None  # overrides epochs (the data cycles as needed)
    checkpoint_every: int = 50  # optimizer steps; 0 saves only on interruption
    # Wall-clock seconds of training between checkpoints (0: by steps only). A kill -9 loses at most
    # this much work plus one step; issue 14 asks that no more than a few minutes are lost.
    checkpoint_seconds: float = 0.0
    gradient_checkpointing: bool = False
    # Micro-batches packed into one row without padding (training.packing): the padded loop's loss
    # at 1.3x+ its speed on CPU (bench/RESULTS.md); False: right-padded batches.
    packed: bool = True

    # Fields that change how a run goes, not what it produces: left out of the fingerprint.
    NOT_FINGERPRINTED = ("checkpoint_every", "checkpoint_seconds", "gradient_checkpointing", "packed")

    def __post_init__(self) -> None:
        if self.lr_scheduler != "cosine":
            raise ValueError("only the cosine schedule (with linear warmup) is implemented")
        if self.batch_size < 1 or self.grad_accumulation < 1:
            raise ValueError("batch_size and grad_accumulation must be >= 1")
        if self.checkpoint_every < 0 or self.checkpoint_seconds < 0:
            raise ValueError("checkpoint_every and checkpoint_seconds must be >= 0")

    def fingerprint_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if k not in self.NOT_FINGERPRINTED}
        return json.dumps(data, sort_keys=True)
