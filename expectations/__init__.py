"""Great Expectations (1.x) validation of every warehouse layer, with blocking severity.

    from expectations.runner import validate_layer, LayerResult
    result = validate_layer("marts", db_path, raw_root=None, dbt_vars={})
    result.passed, result.failures, result.summary()

    python -m expectations validate --layer marts [--db PATH] [--raw-root PATH] [--vars JSON]
    python -m expectations validate --all
    python -m expectations init        # regenerate gx/ from definitions.py

definitions.py holds the four suites as code, project.py the GX file-mode project (gx/: suites,
validation definitions, checkpoints, Data Docs), runner.py the batched pandas validation.
"""
