"""Where things live: the warehouse file, the bundled sample, caches."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
PROFILES_DIR = REPO_ROOT / "profiles"
BUNDLED_SAMPLE = REPO_ROOT / "sample_data" / "alpaca-cot"


def warehouse_path() -> Path:
    """`$SFTMART_DB` when set, else `warehouse.duckdb` at the repo root."""
    return Path(os.environ.get("SFTMART_DB") or REPO_ROOT / "warehouse.duckdb")


def cache_dir() -> Path:
    """Converted models and tokenizers; `$SFTMART_CACHE` overrides `~/.cache/sftmart`."""
    root = Path(os.environ.get("SFTMART_CACHE") or Path.home() / ".cache" / "sftmart")
    root.mkdir(parents=True, exist_ok=True)
    return root
