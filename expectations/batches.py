"""What GX validates, fetched from DuckDB: a target's rows as pandas frames, one Arrow record batch
at a time, the inputs a target's SQL reads, and the example rows shown for a failed check."""

from __future__ import annotations

from pathlib import Path

from expectations.parameters import scalar_parameters
from expectations.results import SAMPLE_ROWS, json_safe

DEFAULT_BATCH_ROWS = 100_000
PARAMS_RELATION = "_gx_params"
EXPECTED_UNITS_RELATION = "_gx_expected_units"


def record_batches(con, sql: str, batch_rows: int):
    """A pyarrow RecordBatchReader streaming the query's result in batches of `batch_rows`.

    Through the relation API: on a DB-API cursor DuckDB materialises the whole result first."""
    relation = con.sql(sql)
    if hasattr(relation, "to_arrow_reader"):  # duckdb >= 1.4
        return relation.to_arrow_reader(batch_rows)
    return relation.fetch_record_batch(batch_rows)


def frames(reader):
    """pandas DataFrames, one per Arrow record batch; an empty frame when there are none."""
    any_batch = False
    for batch in reader:
        any_batch = True
        yield batch.to_pandas()
    if not any_batch:
        yield reader.schema.empty_table().to_pandas()


def register_inputs(con, targets: dict, params: dict) -> tuple[list[str], str | None]:
    """Registers `_gx_params` and, when a target reads it, `_gx_expected_units` (the raw layer's
    `sftmart.landing.reconcile(raw_root)`) on the connection; returns the names registered and
    an error message when the input folder cannot be read."""
    import pandas as pd

    con.register(PARAMS_RELATION, pd.DataFrame([scalar_parameters(params)]))
    names = [PARAMS_RELATION]
    if not any("expected_units" in t.get("inputs", []) for t in targets.values()):
        return names, None
    from sftmart.landing import reconcile

    root = Path(params["raw_root"])
    # the build's own file-size cap and symlink rule, so a file the landing rejects unread
    # counts as one unit on both sides; `seen`: the version of each file counted
    seen: dict = {}
    expected = (
        reconcile(
            root,
            max_file_bytes=int(params.get("max_file_bytes") or 2_000_000_000),
            follow_external_symlinks=bool(params.get("follow_external_symlinks")),
            seen=seen,
        )
        if root.is_dir()
        else {}
    )
    con.register(
        EXPECTED_UNITS_RELATION,
        pd.DataFrame(
            {
                "source_file": pd.Series(list(expected), dtype=object),
                "expected_units": pd.Series(list(expected.values()), dtype="int64"),
                "file_size": pd.Series([seen[f][0] for f in expected], dtype="Int64"),
                "file_mtime_ns": pd.Series([seen[f][1] for f in expected], dtype="Int64"),
            }
        ),
    )
    names.append(EXPECTED_UNITS_RELATION)
    return names, None if root.is_dir() else f"raw_root {root} is not a directory"


def unregister(con, names: list[str]) -> None:
    for name in names:
        con.unregister(name)


def examples(con, sql: str) -> list[dict]:
    """The first rows of a target's examples query (the table rows behind a failed aggregate)."""
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [json_safe(dict(zip(names, row))) for row in cur.fetchmany(SAMPLE_ROWS)]
    except Exception as exc:  # an example query must never hide the failure it illustrates
        return [{"examples_query_failed": str(exc).splitlines()[0]}]
