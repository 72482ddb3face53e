"""Great Expectations (1.x) validation of every warehouse layer, with blocking severity.

Inside `dbt build` each layer has a validation node (dbt_project/models/validation/validate_<layer>.py,
body in expectations.dbt_node); standalone, a built warehouse can be re-checked read-only:

    python -m expectations validate --layer marts [--db PATH] [--raw-root PATH] [--vars JSON]

    from expectations.validate import validate_warehouse
    result = validate_warehouse("marts", "warehouse.duckdb")
    result.passed, result.failures, print(result.summary())

Modules, one job each: checks (the suites' vocabulary), suites/<layer> (the four suites),
definitions (the suites in order, with the vars each reads), parameters (vars -> parameters),
project (the GX project beside a warehouse, generated from the definitions), batches (DuckDB ->
Arrow -> pandas frames, inputs, examples), tally (per-batch results summed), results (outcomes,
summary, result rows), validate (one layer on a connection), dbt_node (a layer as a dbt node).
"""
