from __future__ import annotations

import os

# torch threads that spin while waiting slow everything down on 2 shared cores (2-4x measured)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data" / "alpaca-cot"


def load_records(pattern: str, limit: int | None = None) -> list[dict]:
    records = []
    for path in sorted(SHARED_DATA.glob(pattern)):
        records += json.loads(path.read_text(encoding="utf-8"))
    return records[:limit] if limit else records


@pytest.fixture(scope="session")
def real_en() -> list[dict]:
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data/alpaca-cot is not beside the checkout")
    return load_records("chain-of-thought/*.json")


@pytest.fixture(scope="session")
def real_zh() -> list[dict]:
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data/alpaca-cot is not beside the checkout")
    return load_records("chinese-alpaca/*.json")
