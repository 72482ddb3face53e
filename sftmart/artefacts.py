"""Where a build's artefacts live: adapters, merged models and the evaluation cache, beside the
warehouse in `<warehouse>.artefacts/`, addressed by what they hold so that no build changes what
the published warehouse refers to.

- `adapters/<label>-<fingerprint>/`: a finished LoRA run (adapter/ and run.json), named by its
  label (guide, final, <arm>-<seed>) and its run fingerprint (base model + data + config). A rerun
  with the same inputs finds it and reuses it; nothing writes into it once it is there.
- `work/<label>-<fingerprint>/`: the same run while it trains (its checkpoints, so a killed build
  resumes); renamed whole to its adapters/ folder when finished (one atomic rename).
- `merged/<run_id>/`: the base model with a run's adapter merged in (training.models.merge_adapter
  stages it and renames it into place).
- `eval_cache.sqlite`: evaluation results keyed by the model's digest, the rows and the settings
  (evaluation.cache), so an entry a failed build adds is never wrong for another.

The published warehouse refers to artefacts through the columns of REFERENCE_COLUMNS (one place);
`sftmart gc` (sftmart.gc) removes every folder of adapters/, merged/ and work/ that none of them
names, and nothing else.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ARTEFACT_KINDS = ("adapters", "merged", "work")  # the folders whose entries gc may remove
# The tables of the adapter nodes (models/training/), one row per trained adapter, and the names
# they had before issue 22 renamed them (mart_*): dbt never drops a table it no longer builds, so a
# warehouse published before the rename keeps those tables, and gc keeps what they name. A retired
# name a warehouse does not have names nothing (referenced_paths).
ADAPTER_TABLES = ("guide_adapter", "final_adapter", "arm_adapters")
RETIRED_ADAPTER_TABLES = ("mart_guide_adapter", "mart_final_adapter", "mart_arm_adapters")
# (schema, table, column): every place the warehouse names an artefact folder (a path in it)
REFERENCE_COLUMNS = (("marts", "training_runs", "adapter_path"),) + tuple(  # training_runs: every run ever recorded
    ("marts", table, column)
    for table in ADAPTER_TABLES + RETIRED_ADAPTER_TABLES
    for column in ("adapter_path", "merged_model_path")
)


def artefacts_root(warehouse: Path) -> Path:
    """`<warehouse>.artefacts/`, beside the published warehouse file."""
    return warehouse.with_name(warehouse.name + ".artefacts")


def _safe(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip(".") or "run"


def adapter_dir(warehouse: Path, label: str, fingerprint: str) -> Path:
    """The folder of the finished run `label` of this fingerprint (see the module doc)."""
    return artefacts_root(warehouse) / "adapters" / f"{_safe(label)}-{fingerprint}"


def training_dir(adapter: Path) -> Path:
    """Where the run of `adapter` (an adapter_dir) trains before it is renamed there."""
    return adapter.parent.parent / "work" / adapter.name


def merged_dir(warehouse: Path, run_id: str) -> Path:
    """The folder of the base model with run `run_id`'s adapter merged in."""
    return artefacts_root(warehouse) / "merged" / _safe(run_id)


def eval_cache_path(warehouse: Path) -> Path:
    """The evaluation cache (evaluation.cache.EvalCache), content-keyed, kept by gc."""
    return artefacts_root(warehouse) / "eval_cache.sqlite"


def move_into_place(finished: Path, target: Path) -> bool:
    """Renames the folder `finished` to `target` in one step, never over an existing target (an
    artefact is never rewritten): when `target` is there already, `finished` is left to the caller.
    Returns whether it moved."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return False
    try:
        os.rename(finished, target)  # fails on a non-empty target: a concurrent writer came first
    except OSError:
        if not target.exists():
            raise
        return False
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return True


def artefact_of(path: str | os.PathLike, root: Path) -> Path | None:
    """The artefact folder (`<root>/<kind>/<name>`) that `path` is in or is; None outside `root`."""
    try:
        parts = Path(path).resolve().relative_to(root.resolve()).parts
    except ValueError:
        return None
    if len(parts) < 2 or parts[0] not in ARTEFACT_KINDS:
        return None
    return root / parts[0] / parts[1]


def referenced_paths(con) -> list[str]:
    """Every artefact path the warehouse of the DuckDB connection `con` names (REFERENCE_COLUMNS;
    a table or column a build has not made yet names nothing)."""
    have = {
        (s, t, c)
        for s, t, c in con.execute("select schema_name, table_name, column_name from duckdb_columns()").fetchall()
    }
    paths = []
    for schema, table, column in REFERENCE_COLUMNS:
        if (schema, table, column) in have:
            rows = con.execute(f'select distinct "{column}" from "{schema}"."{table}" where "{column}" is not null')
            paths += [value for (value,) in rows.fetchall()]
    return paths


def unreferenced(published: Path) -> tuple[list[Path], list[Path]]:
    """(the artefact folders beside `published` that it does not refer to, those it does), each
    sorted; `published` is read read-only."""
    import duckdb

    root = artefacts_root(published)
    with duckdb.connect(str(published), read_only=True) as con:
        keep = {artefact_of(p, root) for p in referenced_paths(con)} - {None}
    present = sorted(entry for kind in ARTEFACT_KINDS if (root / kind).is_dir() for entry in (root / kind).iterdir())
    return [p for p in present if p not in keep], sorted(p for p in present if p in keep)
