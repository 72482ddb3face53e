"""Validate one warehouse layer with its GX suite, in bounded memory, on a DuckDB connection.

    from expectations.validate import validate_layer, validate_warehouse
    result = validate_layer(con, "marts", params, db_path=...)    # inside dbt: the session
    result = validate_warehouse("marts", "warehouse.duckdb")      # standalone, read-only
    result.passed, result.failures, print(result.summary())

GX cannot validate DuckDB through SQLAlchemy (DuckDB is no GX dialect), so validation takes the
pandas route. For each target of the layer's suite (see `expectations.checks`) the target's SQL
runs on the connection and its result streams as Arrow record batches
(`to_arrow_reader(batch_rows)`); each batch becomes a pandas DataFrame that the target's GX
validation definition validates (`ValidationDefinition.run`, which stores the result in the
warehouse's GX project). The per-batch results are added up (expectations.tally): an expectation
fails if it fails on any batch, unexpected and element counts are summed, and the first few
offending rows (key columns plus the value) are kept. Whole-table properties are computed by
DuckDB first (`aggregate` targets), so GX sees a small frame. Only one batch is alive at a time.
Then the Data Docs site beside the warehouse renders the layer's results.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

from expectations import batches
from expectations.definitions import LAYERS, SUITES
from expectations.parameters import resolve_parameters, scalar_parameters
from expectations.project import build_docs, get_context, gx_root_for, validation_definitions
from expectations.results import SAMPLE_ROWS, LayerResult
from expectations.tally import Tally

__all__ = ["validate_layer", "validate_warehouse", "validate_all", "LAYERS"]


def _run_identifier(layer: str, validated_at: dt.datetime, token: str, batch: int = 1):
    """One GX run per layer; a target's second and later batches get runs of their own (a stored
    result is keyed by suite, run and batch, and every batch of a target is the same GX batch)."""
    from great_expectations.core.run_identifier import RunIdentifier

    name = f"{layer}-{validated_at:%Y%m%dT%H%M%S}-{token}" + (f"-batch{batch}" if batch > 1 else "")
    return RunIdentifier(run_name=name, run_time=validated_at)


def _validate_target(
    con,
    validation_definition,
    layer: str,
    target_name: str,
    target: dict,
    params: dict,
    batch_rows: int,
    run_token: str,
    validated_at: dt.datetime,
    result_keys: list,
) -> list[Tally]:
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    suite = validation_definition.suite
    by_position = sorted(suite.expectations, key=lambda e: e.meta["position"])
    tallies = [Tally(e, suite.name, target_name, target) for e in by_position]
    result_format = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": SAMPLE_ROWS,
        "unexpected_index_column_names": list(target.get("id_columns") or []),
    }
    try:
        reader = batches.record_batches(con, target["sql"], batch_rows)
        for number, frame in enumerate(batches.frames(reader), start=1):
            run_id = _run_identifier(layer, validated_at, run_token, number)
            result = validation_definition.run(
                batch_parameters={"dataframe": frame},
                run_id=run_id,
                expectation_parameters=params,
                result_format=result_format,
            )
            del frame
            result_keys.append(
                ValidationResultIdentifier(
                    expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
                    run_id=run_id,
                    batch_identifier=result.batch_id,
                )
            )
            for expectation_result in result.results:
                tallies[expectation_result.expectation_config.meta["position"]].add(expectation_result)
    except Exception as exc:  # missing relation, SQL error, ...: every expectation of the target fails
        message = f"{type(exc).__name__}: {exc}"
        for tally in tallies:
            tally.fail(message)
    return tallies


def validate_layer(
    con,
    layer: str,
    params: dict,
    *,
    db_path: str | os.PathLike,
    gx_root: str | os.PathLike | None = None,
    build_docs_site: bool = True,
    batch_rows: int | None = None,
) -> LayerResult:
    """Validates `layer` of the warehouse open on `con` (a DuckDB connection or cursor).

    params: the suite's parameters (expectations.parameters.resolve_parameters). db_path: the
    warehouse file, named in the result; its GX project is in `<warehouse>.sftmart/`
    (expectations.project.gx_root_for) unless `gx_root` is given. batch_rows: rows per record batch (default $SFTMART_GX_BATCH_ROWS, else 100,000)."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; expected one of {', '.join(LAYERS)}")
    batch_rows = int(batch_rows or os.environ.get("SFTMART_GX_BATCH_ROWS") or batches.DEFAULT_BATCH_ROWS)
    validated_at = dt.datetime.now(dt.timezone.utc)
    run_token = uuid.uuid4().hex[:6]
    result = LayerResult(
        layer=layer,
        db_path=str(db_path),
        run_id=_run_identifier(layer, validated_at, run_token).run_name,
        validated_at=validated_at,
        parameters=scalar_parameters(params),
    )
    context = get_context(gx_root or gx_root_for(db_path))
    definitions = validation_definitions(context, layer)
    targets = {t.name: t.meta() for t in SUITES[layer].targets}
    gx_params = scalar_parameters(params)
    registered, input_error = batches.register_inputs(con, targets, params)
    result_keys: list = []
    try:
        for target_name, target in targets.items():
            tallies = _validate_target(
                con,
                definitions[target_name],
                layer,
                target_name,
                target,
                gx_params,
                batch_rows,
                run_token,
                validated_at,
                result_keys,
            )
            for tally in tallies:
                if input_error and "expected_units" in target.get("inputs", []):
                    tally.fail(input_error)
                column = tally.expectation.configuration.kwargs.get("column")
                examples_sql = (target.get("examples") or {}).get(column)
                samples = batches.examples(con, examples_sql) if not tally.success and examples_sql else None
                result.outcomes.append(tally.outcome(samples))
    finally:
        batches.unregister(con, registered)
    if build_docs_site:
        result.docs_index = build_docs(context, result_keys)
    return result


def _read_only_connection(db_path: str):
    import duckdb

    # DuckDB's buffer pool keeps the blocks it scanned up to memory_limit, so this bounds the RSS
    # that the text scans (strlen, md5 of prompt || response) add; aggregates spill beyond it.
    config = {"memory_limit": os.environ.get("SFTMART_GX_MEMORY_LIMIT", "512MB")}
    return duckdb.connect(str(db_path), read_only=True, config=config)


def validate_warehouse(
    layer: str, db_path: str | os.PathLike, *, dbt_vars: dict | None = None, raw_root: str | None = None, **kwargs
) -> LayerResult:
    """Re-checks one layer of a built warehouse file, read-only, outside dbt (nothing is written to
    the warehouse; results and Data Docs go to its GX project). dbt_vars: the vars it was built
    with (dbt_project.yml supplies the rest); raw_root overrides dbt_vars['raw_root']."""
    if not Path(db_path).exists():
        raise FileNotFoundError(f"no warehouse at {db_path}")
    params = resolve_parameters({**(dbt_vars or {}), **({"raw_root": raw_root} if raw_root else {})})
    con = _read_only_connection(str(db_path))
    try:
        return validate_layer(con, layer, params, db_path=db_path, **kwargs)
    finally:
        con.close()


def validate_all(db_path: str | os.PathLike, **kwargs) -> list[LayerResult]:
    """Every layer in order; stops after the first layer with a blocking failure."""
    results = []
    for layer in LAYERS:
        results.append(validate_warehouse(layer, db_path, **kwargs))
        if not results[-1].passed:
            break
    return results
