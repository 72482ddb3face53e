"""Parquet sink: landing rows streamed into a zstd Parquet file, BATCH_ROWS at a time.

Why Parquet and not a DuckDB TEMP table: DuckDB keeps temp tables uncompressed in memory (about
870 MB RSS for 1M alpaca-sized rows, measured), while the Parquet file keeps the landing small
however big the corpus. `Counter` is the sink reconcile uses: it only counts rows.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from sftmart.landing.reasons import REASON_CODES

BATCH_ROWS = 20_000


STAGE_SCHEMA = pa.schema(
    [
        ("file_id", pa.int32()),
        ("source_file", pa.string()),
        ("source_collection", pa.string()),
        ("file_sha256", pa.string()),
        ("file_size", pa.int64()),
        ("file_mtime_ns", pa.int64()),
        ("record_index", pa.int64()),
        ("line_number", pa.int64()),
        ("instruction", pa.string()),
        ("input", pa.string()),
        ("output", pa.string()),
        ("meta", pa.string()),
        ("status", pa.string()),
        ("reject_reason_code", pa.string()),
        ("reject_reason", pa.string()),
        ("excerpt", pa.string()),
        ("options", pa.string()),  # JSON text (choices.py)
        ("answer_index", pa.int64()),
    ]
)


def safe_str_array(values, typ):
    try:
        return pa.array(values, type=typ)
    except (UnicodeError, pa.ArrowException):
        fixed = [v if not isinstance(v, str) else v.encode("utf-8", "backslashreplace").decode("utf-8") for v in values]
        return pa.array(fixed, type=typ)


class Sink:
    """Collects staged rows and streams them into a Parquet file, BATCH_ROWS at a time.

    Each row starts with its file's context tuple
    `(file_id, source_file, source_collection, file_sha256, file_size, file_mtime_ns)`,
    so the landing relation needs no join (a join makes DuckDB's CREATE TABLE AS use
    about twice the memory).
    """

    def __init__(self, path: str, batch_rows: int = BATCH_ROWS):
        self.path = path
        self.batch_rows = batch_rows
        self.rows: list[tuple] = []
        self.writer: pq.ParquetWriter | None = None
        self.count = 0

    def landed(self, ctx, index, line, ins, inp, out, meta, options=None, answer_index=None):
        rows = self.rows
        rows.append((ctx, index, line, ins, inp, out, meta, "landed", None, None, None, options, answer_index))
        if len(rows) >= self.batch_rows:
            self.flush()

    def reject(self, ctx, index, line, code, reason, excerpt):
        assert code in REASON_CODES, code
        self.rows.append((ctx, index, line, None, None, None, None, "rejected", code, reason, excerpt, None, None))
        if len(self.rows) >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        columns = list(zip(*self.rows))
        self.rows = []
        columns = list(zip(*columns[0])) + columns[1:]
        arrays = [
            safe_str_array(col, field.type) if field.type == pa.string() else pa.array(col, type=field.type)
            for col, field in zip(columns, STAGE_SCHEMA)
        ]
        batch = pa.RecordBatch.from_arrays(arrays, schema=STAGE_SCHEMA)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, STAGE_SCHEMA, compression="zstd", compression_level=1)
        self.writer.write_batch(batch)
        self.count += batch.num_rows

    def close(self) -> None:
        self.flush()
        if self.writer is not None:
            self.writer.close()


class Counter:
    """A sink that only counts the rows it is given (reconcile)."""

    def __init__(self):
        self.count = 0

    def landed(self, *_row) -> None:
        self.count += 1

    reject = landed
