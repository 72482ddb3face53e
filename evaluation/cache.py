"""Evaluation results in a SQLite file beside the warehouse (sftmart.artefacts.eval_cache_path),
keyed by the model (base fingerprint + adapter digest), the evaluation rows' content and the
settings: a rebuild that evaluates the same model on the same rows loads no model."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path


class EvalCache:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def _connect(self):
        conn = sqlite3.connect(str(self.path), timeout=60.0)
        conn.execute("create table if not exists eval_results (key text primary key, results text not null)")
        return conn

    def get(self, key: str) -> list[dict] | None:
        with closing(self._connect()) as conn:
            row = conn.execute("select results from eval_results where key = ?", [key]).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, results: list[dict]) -> None:
        with closing(self._connect()) as conn, conn:
            conn.execute("insert or replace into eval_results values (?, ?)", [key, json.dumps(results)])
