"""A layer's validation as a dbt node: the body of the Python models in
dbt_project/models/validation/ (validate_raw, validate_staging, validate_intermediate, validate_marts).

The node runs the layer's GX suite on the dbt session's DuckDB connection and returns one row per
expectation (expectations.results.RESULT_COLUMNS); dbt appends them to the node's table, the
layer's validation history. The node itself always succeeds, so the results of a failing run are
kept; its data test `gx_blocking_expectations_met` fails the build when an error-severity
expectation of this run failed, and dbt skips everything downstream of the node.
"""

from __future__ import annotations

from expectations.definitions import LAYER_VARS


def validation_node(session, layer: str, dbt_vars: dict):
    """Validates `layer` with the dbt vars its suite reads; returns the result rows (Arrow).

    dbt_vars come from the node's dbt config: a Python model sees only the config keys its own
    code reads with literal `dbt.config.get("...")` calls, so each model passes them in. The
    results name the published warehouse, even when the run builds a copy of it."""
    from expectations.parameters import resolve_parameters
    from expectations.validate import validate_layer
    from sftmart.paths import warehouse_of

    missing = set(LAYER_VARS[layer]) - set(dbt_vars)
    if missing:
        raise ValueError(f"validate_{layer} needs the dbt vars {sorted(missing)} in its config")
    params = resolve_parameters(dbt_vars, defaults={})
    return validate_layer(session, layer, params, db_path=warehouse_of(session)).rows()
