"""Work on a cluster as Parquet shards in a work_dir, and a SQLite manifest of what finished.

Layout: `<work_dir>/<run_key>/in/<shard_id>.parquet` (the samples to score) and
`<work_dir>/<run_key>/out/<shard_id>.parquet` (their results), where run_key covers the model
fingerprint, scope and signals, and shard_id the content hashes in the shard. Shards hold a fixed
number of rows of the sorted hashes, so the same missing set always makes the same shards. Every
file is written under a temporary name and renamed (an object store's PUT is atomic the same way),
so a reader never sees half a shard. The truth of "finished" is a result file; the manifest
(`<warehouse>.sftmart/ray/manifest.sqlite`, always local) records who computed and loaded each
shard, and every driver run with its counts."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pyarrow import fs as pafs

RESULT_COLUMNS = ("content_hash", "result", "worker")


def run_key(fingerprint: str, scope: str, signals: Sequence[str]) -> str:
    """What makes results interchangeable: the same model (fingerprint), scope and signals."""
    return hashlib.sha256(f"{fingerprint}\x1f{scope}\x1f{','.join(signals)}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Shard:
    shard_id: str
    indices: tuple[int, ...]  # positions in the caller's key list


def plan_shards(key: str, hashes: Sequence[str], shard_rows: int) -> list[Shard]:
    """Consecutive runs of `shard_rows` of the sorted content hashes; a shard's id is a hash of its
    run key and members, so a rerun over the same missing rows plans the same shards."""
    order = sorted(range(len(hashes)), key=hashes.__getitem__)
    shards = []
    for lo in range(0, len(order), shard_rows):
        part = order[lo : lo + shard_rows]
        digest = hashlib.sha256(key.encode())
        for i in part:
            digest.update(hashes[i].encode())
        shards.append(Shard(digest.hexdigest()[:20], tuple(part)))
    return shards


def encode_result(result: dict) -> str:
    """A scorer result as JSON: floats round-trip exactly; arrays (embeddings) become float lists."""
    return json.dumps(result, default=lambda value: value.tolist())


class ShardStore:
    """The input and result shards of one run key under a work_dir (a local path or a URL)."""

    def __init__(self, work_dir: str, key: str):
        self.fs, root = pafs.FileSystem.from_uri(work_dir if "://" in work_dir else str(Path(work_dir).resolve()))
        self.key = key
        self.root = f"{root.rstrip('/')}/{key}"
        self.scheme = work_dir.split("://", 1)[0] + "://" if "://" in work_dir else ""
        for sub in ("in", "out"):
            self.fs.create_dir(f"{self.root}/{sub}", recursive=True)

    def path(self, kind: str, shard_id: str) -> str:
        return f"{self.root}/{kind}/{shard_id}.parquet"

    def uri(self, kind: str, shard_id: str) -> str:
        """The path as the cluster reads it (with the URL scheme for an object store)."""
        return self.scheme + self.path(kind, shard_id)

    def exists(self, kind: str, shard_id: str) -> bool:
        return self.fs.get_file_info(self.path(kind, shard_id)).type == pafs.FileType.File

    def _write_atomic(self, table: pa.Table, target: str) -> None:
        folder, name = target.rsplit("/", 1)
        temp = f"{folder}/.{name}.tmp-{uuid.uuid4().hex[:8]}"
        pq.write_table(table, temp, filesystem=self.fs)
        self.fs.move(temp, target)

    def write_input(self, shard: Shard, hashes, prompts, responses) -> None:
        """The shard's samples, unless an earlier run wrote them (same id, same content)."""
        if self.exists("in", shard.shard_id):
            return
        rows = shard.indices
        table = pa.table(
            {
                "shard_id": [shard.shard_id] * len(rows),
                "content_hash": [hashes[i] for i in rows],
                "prompt": [prompts[i] for i in rows],
                "response": [responses[i] for i in rows],
            }
        )
        self._write_atomic(table, self.path("in", shard.shard_id))

    def write_result(self, shard_id: str, rows: dict[str, tuple[str, str]]) -> None:
        """content_hash -> (result JSON, worker) of a finished shard, atomically."""
        hashes = sorted(rows)
        table = pa.table(
            {
                "content_hash": hashes,
                "result": [rows[h][0] for h in hashes],
                "worker": [rows[h][1] for h in hashes],
            }
        )
        self._write_atomic(table, self.path("out", shard_id))

    def finished(self) -> Iterator[tuple[str, pa.Table]]:
        """(shard_id, results) of every result file of this run key; stale temporary files go."""
        selector = pafs.FileSelector(f"{self.root}/out", allow_not_found=True)
        for info in self.fs.get_file_info(selector):
            if info.base_name.startswith("."):
                self.fs.delete_file(info.path)
            elif info.base_name.endswith(".parquet"):
                table = pq.read_table(info.path, filesystem=self.fs, columns=list(RESULT_COLUMNS))
                yield info.base_name.removesuffix(".parquet"), table

    def remove(self, shard_ids) -> None:
        """Both files of shards whose results are in the score cache."""
        for shard_id in shard_ids:
            for kind in ("in", "out"):
                try:
                    self.fs.delete_file(self.path(kind, shard_id))
                except FileNotFoundError:
                    pass


class Manifest:
    """Ledger of shards (computed_by and loaded_by a driver run) and runs, in local SQLite."""

    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), timeout=60.0)
        self.conn.execute("pragma journal_mode=wal")
        with self.conn:
            self.conn.execute(
                "create table if not exists shards (run_key text not null, shard_id text not null, "
                "n_rows integer not null, n_tokens integer, workers text, computed_by text, finished_at real, "
                "loaded_by text, primary key (run_key, shard_id)) without rowid"
            )
            self.conn.execute(
                "create table if not exists runs (run_id text primary key, run_key text not null, address text, "
                "rows_missing integer, rows_reused integer, rows_computed integer default 0, shards integer, "
                "started_at real, finished_at real, status text, error text)"
            )

    def start_run(self, run_id: str, key: str, address: str, rows_missing: int) -> None:
        with self.conn:
            self.conn.execute(
                "insert into runs (run_id, run_key, address, rows_missing, started_at, status) "
                "values (?, ?, ?, ?, ?, 'running')",
                (run_id, key, address, rows_missing, time.time()),
            )

    def update_run(self, run_id: str, **values) -> None:
        names = ", ".join(f"{k} = ?" for k in values)
        with self.conn:
            self.conn.execute(f"update runs set {names} where run_id = ?", (*values.values(), run_id))

    def computed(self, key: str, shard_id: str, n_rows: int, n_tokens: int, workers, run_id: str) -> None:
        with self.conn:
            self.conn.execute(
                "insert or replace into shards values (?, ?, ?, ?, ?, ?, ?, null)",
                (key, shard_id, n_rows, n_tokens, ",".join(sorted(workers)), run_id, time.time()),
            )

    def loaded(self, key: str, shard_id: str, n_rows: int, run_id: str) -> None:
        """A shard's results are in the score cache (a shard a killed driver finished but did not
        record gets its row here, with computed_by null)."""
        with self.conn:
            self.conn.execute(
                "insert or ignore into shards (run_key, shard_id, n_rows) values (?, ?, ?)", (key, shard_id, n_rows)
            )
            self.conn.execute(
                "update shards set loaded_by = ? where run_key = ? and shard_id = ?", (run_id, key, shard_id)
            )

    def close(self) -> None:
        self.conn.close()
