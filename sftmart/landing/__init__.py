"""Raw layer: land the Alpaca-CoT files, one row per input record (or per whole-file failure).

`land(con, raw_root, ...)` scans `raw_root`, parses what is new or changed, reuses the rows of
unchanged files from the previous landing table, and returns a DuckDB relation on `con` holding
the full landing table (columns: `LANDING_COLUMNS`). The dbt model materialises it.

Every input record ends up as exactly one row, either `status = 'landed'` or
`status = 'rejected'` with a `reject_reason_code` from `REASON_CODES`, a sentence in
`reject_reason` and the first 200 characters of the offending text in `excerpt`. Nothing
raises for bad input. `reconcile(raw_root)` counts the units each file should give, so the raw
suite can check `landed + rejected == units in input`.

One job per module:

* `files`       finding the input files (only regular files inside raw_root are read) and
                opening them safely; sha256
* `changes`     change detection against the previous landing table, and after reading
* `records`     record checks and excerpts
* `window`      decoded text over a file in bounded memory; the structural element scan
* `json_array`  the `.json` parser (streamed array, or a single value)
* `jsonl`       the `.jsonl` reader
* `sink`        the Parquet sink the parsed rows stream into
* `split`       one large `.jsonl` file cut into line ranges, so every worker parses part of it
* `array_split` one large `.json` array cut into ranges of whole elements (a numba byte scan)
* `parse`       parsing one file, or a group of files into one stage
* `workers`     the worker pool (child processes, `python -m sftmart.landing`)
* `tmpdir`      where the stages live (beside the warehouse) and stale ones are removed
* `sql`         the columns and the SELECT of the landing table
* `land`        `land`, which puts these together
* `reconcile`   `reconcile`
* `reasons`     every reason code
"""

from sftmart.landing.land import land
from sftmart.landing.reasons import REASON_CODES
from sftmart.landing.reconcile import reconcile
from sftmart.landing.sql import LANDING_COLUMNS

__all__ = ["land", "reconcile", "LANDING_COLUMNS", "REASON_CODES"]
