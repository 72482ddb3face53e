"""Run records: what a finished LoRA run produced (TrainingRun), its identity (the fingerprint of
model + data + config), and out_dir/run.json, written last so that it vouches for the adapter."""
from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

from training.config import ADAPTER_DIR, CHECKPOINT_DIR, RUN_FILE, TrainConfig

RUN_STAGING = f".{RUN_FILE}.tmp"
ADAPTER_STAGING = f".{ADAPTER_DIR}.tmp"


@dataclass
class TrainingRun:
    run_id: str
    fingerprint: str
    base_model: str
    model_spec_json: str
    model_fingerprint: str
    config_json: str
    data_fingerprint: str
    data_source: str
    n_samples: int                 # samples trained on (after the length filter)
    n_dropped_over_length: int
    tokens_seen: int               # non-padding tokens through the model, all epochs
    steps: int                     # optimizer steps
    first_loss: float | None
    last_loss: float | None
    min_loss: float | None
    tail_loss_mean: float | None   # mean loss of the last 10% of steps
    adapter_path: str
    started_at: str                # ISO 8601, UTC
    seconds: float                 # training time, summed over resumed sessions
    reused: bool = False

    @classmethod
    def from_dict(cls, data: dict) -> TrainingRun:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def run_fingerprint(model_fp: str, data_fp: str, config: TrainConfig) -> str:
    return hashlib.sha256("\n".join([model_fp, data_fp, config.fingerprint_json()]).encode()).hexdigest()


def run_id_for(started_at: str, fingerprint: str) -> str:
    """The run's id: its UTC start (kept across resumed sessions) and the fingerprint's prefix."""
    return f"{started_at.replace(':', '').replace('-', '')[:15]}-{fingerprint[:10]}"


def loss_summary(losses: list[float]) -> dict:
    if not losses:
        return {"first_loss": None, "last_loss": None, "min_loss": None, "tail_loss_mean": None}
    tail = losses[-max(1, math.ceil(len(losses) / 10)):]
    return {"first_loss": losses[0], "last_loss": losses[-1], "min_loss": min(losses),
            "tail_loss_mean": sum(tail) / len(tail)}


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def recorded_run(out_dir: Path, fingerprint: str) -> TrainingRun | None:
    """The run recorded in out_dir/run.json when it has this fingerprint and its adapter is there."""
    run_file = out_dir / RUN_FILE
    if not run_file.exists() or not (out_dir / ADAPTER_DIR / "adapter_config.json").exists():
        return None
    data = json.loads(run_file.read_text())
    if data.get("fingerprint") != fingerprint:
        return None
    return TrainingRun.from_dict(data)


def write_run(out_dir: Path, run: TrainingRun, losses: list[float]) -> None:
    payload = asdict(run) | {"loss_curve": losses}
    staging = out_dir / RUN_STAGING
    staging.write_text(json.dumps(payload, indent=2))
    staging.replace(out_dir / RUN_FILE)


def save_adapter(model, out_dir: Path) -> Path:
    target = out_dir / ADAPTER_DIR
    staging = out_dir / ADAPTER_STAGING
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(str(staging))
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target


def remove_leftovers(out_dir: Path) -> None:
    """What a finished run no longer needs: its checkpoints and a half-written adapter or run.json
    (a kill after run.json was written leaves them; the next run that reuses the adapter clears them)."""
    shutil.rmtree(out_dir / CHECKPOINT_DIR, ignore_errors=True)
    shutil.rmtree(out_dir / ADAPTER_STAGING, ignore_errors=True)
    (out_dir / RUN_STAGING).unlink(missing_ok=True)


# -- recording in the warehouse -----------------------------------------------------------------

_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_SQL_TYPES = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN",
              "float | None": "DOUBLE"}


def training_run_columns() -> dict[str, str]:
    columns = {f.name: _SQL_TYPES[str(f.type)] for f in fields(TrainingRun)}
    columns["started_at"] = "TIMESTAMP"
    return columns


def record_run_on(con, run: TrainingRun, table: str = "marts.training_runs", extra: dict | None = None) -> None:
    """Appends one row for `run` (plus `extra` string columns, e.g. {"node": "guide"}) on an open
    DuckDB connection, creating the table (and schema) if missing and adding missing columns."""
    if not _TABLE.match(table):
        raise ValueError(f"{table!r} is not a [schema.]table name")
    extra = extra or {}
    columns = training_run_columns() | {name: "VARCHAR" for name in extra}
    row = asdict(run) | {name: None if value is None else str(value) for name, value in extra.items()}
    row["started_at"] = datetime.fromisoformat(run.started_at).astimezone(timezone.utc).replace(tzinfo=None)
    if "." in table:
        con.execute(f"create schema if not exists {table.split('.')[0]}")
    con.execute(f"create table if not exists {table} ("
                + ", ".join(f"{name} {sql_type}" for name, sql_type in columns.items()) + ")")
    existing = {r[0] for r in con.sql(f"describe {table}").fetchall()}
    for name, sql_type in columns.items():
        if name not in existing:
            con.execute(f"alter table {table} add column {name} {sql_type}")
    names = list(columns)
    con.execute(f"insert into {table} ({', '.join(names)}) values ({', '.join('?' for _ in names)})",
                [row[name] for name in names])


def record_run(db_path: str | Path, run: TrainingRun, table: str = "marts.training_runs",
               extra: dict | None = None) -> None:
    """Appends one row for `run` to `table` in the DuckDB file (see record_run_on)."""
    import duckdb

    with duckdb.connect(str(db_path)) as con:
        record_run_on(con, run, table, extra)
