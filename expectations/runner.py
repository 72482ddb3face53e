"""Validate one warehouse layer with its GX suite, in bounded memory.

    from expectations.runner import validate_layer
    result = validate_layer("marts", "warehouse.duckdb", raw_root=None, dbt_vars={})
    if not result.passed:
        print(result.summary())

GX cannot validate DuckDB through SQLAlchemy (DuckDB is no GX dialect), so the runner takes the
pandas route. For each target of the layer's suite (see `expectations.definitions`) it runs the
target's SQL on a read-only DuckDB connection and streams the result with
`fetch_record_batch(batch_rows)`; every Arrow record batch becomes a pandas DataFrame that GX
validates against the target's expectations (the layer checkpoint's validation definition
supplies the batch definition). The per-batch results are added up: an expectation fails if it
fails on any batch, unexpected and element counts are summed, and the first few offending rows
(key columns plus the value) are kept. Whole-table properties are computed by DuckDB first
(`aggregate` targets), so GX sees a small frame. Only one batch is alive at a time.

The summed result is stored as one GX validation result for the layer suite, the layer
checkpoint's actions build the Data Docs site (expectations/gx/uncommitted/data_docs/local_site),
and one row per expectation is appended to `marts.data_quality_results` in the warehouse,
opened read-write only for that insert, after the read-only connection is closed.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import math
import os
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Optional

from expectations.definitions import EXTRA_PARAMETERS, LAYERS
from expectations.project import docs_index, get_context

DEFAULT_BATCH_ROWS = 100_000
SAMPLE_ROWS = 5
RESULTS_TABLE = "marts.data_quality_results"

__all__ = ["validate_layer", "validate_all", "LayerResult", "Failure", "Outcome", "LAYERS",
           "resolve_parameters"]


class Failure(NamedTuple):
    """A failed expectation (warnings included: look at severity).

    The first six fields are the documented tuple. unexpected_count counts rows of the validated
    frame: table rows for a `rows` target, rows of the DuckDB aggregate for an `aggregate` one
    (e.g. 1 for a one-row `n_duplicate_ids` frame; sample_rows then come from the target's
    examples query and show the offending table rows)."""
    suite: str
    expectation_type: str
    column: Optional[str]
    severity: str                 # error | warning
    unexpected_count: Optional[int]
    sample_rows: list
    table: str = ""
    description: str = ""


@dataclass
class Outcome:
    """One expectation of a layer suite, summed over every batch of its target."""
    suite: str
    target: str
    table: str
    expectation_type: str
    column: Optional[str]
    severity: str
    success: bool
    unexpected_count: Optional[int]
    element_count: Optional[int]
    batches: int
    sample_rows: list
    kwargs: dict
    description: str = ""
    observed_value: Any = None
    exception: Optional[str] = None
    kind: str = "rows"                     # rows | aggregate (see expectations.definitions)
    unexpected_values: list = field(default_factory=list)

    def details(self) -> dict:
        return {"target": self.target, "kind": self.kind, "table": self.table, "kwargs": self.kwargs,
                "unexpected_values": self.unexpected_values,
                "element_count": self.element_count, "batches": self.batches,
                "observed_value": self.observed_value, "sample_rows": self.sample_rows,
                "exception": self.exception, "description": self.description}


@dataclass
class LayerResult:
    layer: str
    db_path: str
    run_id: str
    validated_at: dt.datetime
    outcomes: list[Outcome] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)
    docs_index: Optional[Path] = None
    results_table_error: Optional[str] = None

    @property
    def passed(self) -> bool:
        """No error-severity expectation failed (warnings do not block)."""
        return not any(f.severity == "error" for f in self.failures)

    @property
    def failures(self) -> list[Failure]:
        return [Failure(o.suite, o.expectation_type, o.column, o.severity, o.unexpected_count,
                        o.sample_rows, o.table, o.description)
                for o in self.outcomes if not o.success]

    def summary(self) -> str:
        failures = self.failures
        errors = [f for f in failures if f.severity == "error"]
        head = (f"[{self.layer}] {'PASSED' if self.passed else 'FAILED'}: "
                f"{len(self.outcomes) - len(failures)}/{len(self.outcomes)} expectations met, "
                f"{len(errors)} blocking failure(s), {len(failures) - len(errors)} warning(s) "
                f"(run {self.run_id}, {self.db_path})")
        lines = [head]
        failed = sorted((o for o in self.outcomes if not o.success), key=lambda o: o.severity != "error")
        for o in failed:
            if o.unexpected_count is None:
                count = ""
            elif o.kind == "aggregate":
                count = f": got {_short(o.unexpected_values, 120)} (DuckDB aggregate)"
            else:
                count = f": {o.unexpected_count:,} unexpected of {o.element_count or 0:,} rows"
            label = "ERROR  " if o.severity == "error" else "warning"
            lines.append(f"  {label} {o.table} :: {o.expectation_type}({_describe_kwargs(o.kwargs)}){count}")
            if o.description:
                lines.append(f"          {o.description}")
            if o.exception:
                lines.append(f"          raised: {o.exception.splitlines()[0][:300]}")
            if o.observed_value is not None and not o.sample_rows:
                lines.append(f"          observed: {_short(o.observed_value)}")
            for row in o.sample_rows[:SAMPLE_ROWS]:
                lines.append(f"          e.g. {_short(row)}")
        if self.results_table_error:
            lines.append(f"  (results not written to {RESULTS_TABLE}: {self.results_table_error})")
        if self.docs_index:
            lines.append(f"  Data Docs: {self.docs_index}")
        return "\n".join(lines)


def _short(value, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


def _describe_kwargs(kwargs: dict) -> str:
    parts = []
    for key, value in kwargs.items():
        if key in ("column", "column_A", "column_B"):
            parts.append(str(value))
        elif key == "value_set":
            parts.append(f"in {value}")
        else:
            parts.append(f"{key}={value.get('$PARAMETER') if isinstance(value, dict) else value}")
    return ", ".join(parts)


# --------------------------------------------------------------------------- parameters

def resolve_parameters(dbt_vars: Optional[dict] = None) -> dict:
    """The dbt vars' defaults from dbt_project.yml, the runner's own defaults, then `dbt_vars`."""
    import yaml

    from sftmart.paths import DBT_PROJECT_DIR

    with open(DBT_PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as fh:
        defaults = yaml.safe_load(fh).get("vars", {}) or {}
    params = {**defaults, **EXTRA_PARAMETERS, **(dbt_vars or {})}
    for name in ("token_budget", "en_ratio", "en_ratio_tolerance"):
        params[name] = float(params[name])
    params["max_record_bytes"] = int(params["max_record_bytes"])
    return params


def _scalar_parameters(params: dict) -> dict:
    return {k: v for k, v in params.items() if isinstance(v, (int, float, str, bool))}


# --------------------------------------------------------------------------- summing batches

class _Tally:
    """Adds up the per-batch results of one expectation."""

    def __init__(self, expectation, suite: str, target: dict, target_name: str):
        self.expectation = expectation
        self.suite = suite
        self.target = target
        self.target_name = target_name
        self.batches = 0
        self.success = True
        self.element_count: Optional[int] = None
        self.unexpected_count: Optional[int] = None
        self.missing_count: Optional[int] = None
        self.partial: list = []
        self.partial_index: list = []
        self.counts: Counter = Counter()
        self.observed: list = []
        self.exception: Optional[str] = None

    def add(self, result) -> None:
        self.batches += 1
        self.success = self.success and bool(result.success)
        info = result.exception_info or {}
        infos = [info] if "raised_exception" in info else list(info.values())
        for item in infos:
            if isinstance(item, dict) and item.get("raised_exception") and not self.exception:
                self.exception = item.get("exception_message") or "raised an exception"
                self.success = False
        r = result.result or {}
        for key in ("element_count", "unexpected_count", "missing_count"):
            if r.get(key) is not None:
                setattr(self, key, (getattr(self, key) or 0) + int(r[key]))
        room = SAMPLE_ROWS - len(self.partial_index)
        if room > 0:
            self.partial += list(r.get("partial_unexpected_list") or [])[:room]
            self.partial_index += list(r.get("partial_unexpected_index_list") or [])[:room]
        for item in r.get("partial_unexpected_counts") or []:
            value = item.get("value")
            self.counts[json.dumps(value, default=str) if isinstance(value, (list, dict)) else value] += item["count"]
        if "observed_value" in r:
            self.observed.append(r["observed_value"])

    def fail(self, message: str) -> None:
        self.success = False
        self.exception = message

    def gx_result(self):
        from great_expectations.core import ExpectationValidationResult

        result: dict = {}
        if self.element_count is not None:
            result["element_count"] = self.element_count
        if self.unexpected_count is not None:
            result["unexpected_count"] = self.unexpected_count
            total = self.element_count or 0
            missing = self.missing_count or 0
            result["unexpected_percent"] = 100.0 * self.unexpected_count / (total - missing) if total - missing else 0.0
            result["unexpected_percent_total"] = 100.0 * self.unexpected_count / total if total else 0.0
            result["unexpected_percent_nonmissing"] = result["unexpected_percent"]
            result["partial_unexpected_list"] = self.partial
            result["partial_unexpected_index_list"] = self.partial_index
            result["partial_unexpected_counts"] = [{"value": v, "count": n}
                                                   for v, n in self.counts.most_common(20)]
        if self.missing_count is not None:
            result["missing_count"] = self.missing_count
            result["missing_percent"] = 100.0 * self.missing_count / self.element_count if self.element_count else 0.0
        if self.observed:
            result["observed_value"] = self.observed[0] if len(self.observed) == 1 else self.observed
        config = self.expectation.configuration
        return ExpectationValidationResult(
            success=self.success, expectation_config=config, result=result,
            exception_info={"raised_exception": self.exception is not None,
                            "exception_message": self.exception, "exception_traceback": self.exception},
            meta={"target": self.target_name, "table": self.target["table"], "batches": self.batches},
        )

    def outcome(self, sample_rows: list) -> Outcome:
        exp = self.expectation
        kwargs = exp.configuration.kwargs
        column = kwargs.get("column") or (
            f"{kwargs['column_A']},{kwargs['column_B']}" if "column_A" in kwargs else None)
        return Outcome(
            suite=self.suite, target=self.target_name, table=self.target["table"],
            expectation_type=exp.expectation_type, column=column,
            severity=(exp.meta or {}).get("severity", "error"), success=self.success,
            unexpected_count=self.unexpected_count, element_count=self.element_count,
            batches=self.batches, sample_rows=sample_rows, kwargs=dict(kwargs),
            description=exp.notes if isinstance(exp.notes, str) else " ".join(exp.notes or []),
            observed_value=(self.observed[0] if len(self.observed) == 1 else self.observed or None),
            exception=self.exception, kind=self.target.get("kind", "rows"),
            unexpected_values=[_json_safe(v) for v in self.partial])


# --------------------------------------------------------------------------- validation

def _frames(reader):
    """pandas DataFrames, one per Arrow record batch; an empty frame when there are none."""
    any_batch = False
    for batch in reader:
        any_batch = True
        yield batch.to_pandas()
    if not any_batch:
        yield reader.schema.empty_table().to_pandas()


def _record_batches(con, sql: str, batch_rows: int):
    """A pyarrow RecordBatchReader streaming the query's result in batches of `batch_rows`.

    Through the relation API: on a DB-API cursor DuckDB materialises the whole result first."""
    relation = con.sql(sql)
    if hasattr(relation, "to_arrow_reader"):          # duckdb >= 1.4
        return relation.to_arrow_reader(batch_rows)
    return relation.fetch_record_batch(batch_rows)


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if hasattr(value, "item"):          # numpy scalars
        return _json_safe(value.item())
    return value


def _examples(con, sql: str) -> list[dict]:
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [_json_safe(dict(zip(names, row))) for row in cur.fetchmany(SAMPLE_ROWS)]
    except Exception as exc:  # an example query must never hide the failure it illustrates
        return [{"examples_query_failed": str(exc).splitlines()[0]}]


def _validate_target(con, validation_definition, suite_name: str, target_name: str, target: dict,
                     expectations: list, params: dict, batch_rows: int) -> list[_Tally]:
    import great_expectations as gx

    tallies = [_Tally(e, suite_name, target, target_name) for e in expectations]
    copies = []
    for i, expectation in enumerate(expectations):
        duplicate = copy.deepcopy(expectation)
        duplicate.id = None                      # a suite only takes expectations of no other suite
        duplicate.meta = {**(expectation.meta or {}), "_position": i}
        copies.append(duplicate)
    sub_suite = gx.ExpectationSuite(name=f"{suite_name}.{target_name}", expectations=copies)
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_ROWS,
                     "unexpected_index_column_names": list(target.get("id_columns") or [])}
    try:
        reader = _record_batches(con, target["sql"], batch_rows)
        for frame in _frames(reader):
            batch = validation_definition.batch_definition.get_batch(batch_parameters={"dataframe": frame})
            result = batch.validate(sub_suite, result_format=result_format, expectation_parameters=params)
            del batch, frame
            for expectation_result in result.results:
                tallies[expectation_result.expectation_config.meta["_position"]].add(expectation_result)
    except Exception as exc:   # missing relation, SQL error, ...: every expectation of the target fails
        message = f"{type(exc).__name__}: {exc}"
        for tally in tallies:
            tally.fail(message)
    return tallies


def _warehouse_connection(db_path: str, read_only: bool):
    import duckdb

    # DuckDB's buffer pool keeps the blocks it scanned up to memory_limit, so this bounds the RSS
    # that the text scans (strlen, md5 of prompt || response) add; aggregates spill beyond it.
    config = {"memory_limit": os.environ.get("SFTMART_GX_MEMORY_LIMIT", "512MB")}
    return duckdb.connect(str(db_path), read_only=read_only, config=config)


def _register_inputs(con, targets: dict, params: dict, raw_root: Optional[str]) -> Optional[str]:
    """Registers _gx_params and, for the raw layer, _gx_expected_units; returns an error message."""
    import pandas as pd

    con.register("_gx_params", pd.DataFrame([_scalar_parameters(params)]))
    if not any("expected_units" in t.get("inputs", []) for t in targets.values()):
        return None
    from sftmart.landing import reconcile

    root = Path(raw_root)
    # the same file-size cap as the build, so an over-cap file counts as one rejected unit on both sides
    max_file_bytes = int(params.get("max_file_bytes") or 2_000_000_000)
    expected = reconcile(root, max_file_bytes=max_file_bytes) if root.is_dir() else {}
    con.register("_gx_expected_units", pd.DataFrame(
        {"source_file": pd.Series(list(expected), dtype=object),
         "expected_units": pd.Series(list(expected.values()), dtype="int64")}))
    return None if root.is_dir() else f"raw_root {root} is not a directory"


def _store_and_render(context, checkpoint, validation_definition, suite_name: str, tallies: list[_Tally],
                      outcomes: list[Outcome], run_identifier, params: dict, db_path: str,
                      build_docs: bool) -> None:
    from great_expectations.checkpoint.checkpoint import CheckpointResult
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier, ValidationResultIdentifier)

    results = [t.gx_result() for t in tallies]
    n_ok = sum(o.success for o in outcomes)
    batch_id = f"{validation_definition.batch_definition.data_asset.datasource.name}-{suite_name}"
    suite_result = ExpectationSuiteValidationResult(
        success=not any(o.severity == "error" and not o.success for o in outcomes),
        results=results, suite_name=suite_name,
        suite_parameters=_scalar_parameters(params),
        statistics={"evaluated_expectations": len(outcomes), "successful_expectations": n_ok,
                    "unsuccessful_expectations": len(outcomes) - n_ok,
                    "success_percent": 100.0 * n_ok / len(outcomes) if outcomes else 100.0},
        meta={"great_expectations_version": _gx_version(), "run_id": run_identifier, "validation_time": run_identifier.run_time,
              "validation_id": validation_definition.id, "checkpoint_id": checkpoint.id,
              "batch_spec": {"warehouse": str(db_path), "route": "DuckDB record batches -> pandas"},
              "active_batch_definition": {
                  "datasource_name": validation_definition.batch_definition.data_asset.datasource.name,
                  "data_connector_name": "fluent", "data_asset_name": suite_name,
                  "batch_identifiers": {"warehouse": str(db_path)}},
              "success_means": "no error-severity expectation failed (warnings do not block)"},
        batch_id=batch_id,
    )
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name),
        run_id=run_identifier, batch_identifier=batch_id)
    context.validation_results_store.store_validation_results(
        suite_validation_result=suite_result, suite_validation_result_identifier=key,
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name))
    if build_docs:
        checkpoint_result = CheckpointResult(run_id=run_identifier, run_results={key: suite_result},
                                             checkpoint_config=checkpoint)
        checkpoint._run_actions(checkpoint_result=checkpoint_result)   # the checkpoint's UpdateDataDocsAction


def _gx_version() -> str:
    import great_expectations as gx

    return gx.__version__


def _write_results(db_path: str, result: LayerResult) -> None:
    con = _warehouse_connection(db_path, read_only=False)
    try:
        con.execute("create schema if not exists marts")
        con.execute(f"""
            create table if not exists {RESULTS_TABLE} (
                run_id varchar, validated_at timestamp, layer varchar, suite varchar,
                expectation varchar, "column" varchar, severity varchar, success boolean,
                unexpected_count bigint, details json)""")
        rows = [(result.run_id, result.validated_at.replace(tzinfo=None), result.layer, o.suite,
                 o.expectation_type, o.column, o.severity, o.success, o.unexpected_count,
                 json.dumps(_json_safe(o.details()), ensure_ascii=False, default=str))
                for o in result.outcomes]
        con.executemany(f"insert into {RESULTS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    finally:
        con.close()


def validate_layer(layer: str, db_path: str | os.PathLike, *, raw_root: str | None = None,
                   dbt_vars: Optional[dict] = None, build_docs: bool = True,
                   gx_root: str | os.PathLike | None = None, batch_rows: Optional[int] = None,
                   write_results: bool = True) -> LayerResult:
    """Validates one layer (raw, staging, intermediate, marts) of the warehouse at `db_path`.

    raw_root: the input folder the raw layer is reconciled with (default: dbt_vars['raw_root'],
    else the bundled sample, as in dbt). dbt_vars: the vars the layer was built with
    (token_budget, en_ratio, max_record_bytes, ...; dbt_project.yml supplies the rest) plus
    en_ratio_tolerance. gx_root: the directory holding gx/ (default: $SFTMART_GX_ROOT, else
    expectations/). batch_rows: rows per record batch (default $SFTMART_GX_BATCH_ROWS, 100,000).
    """
    from great_expectations.core.run_identifier import RunIdentifier

    from sftmart.paths import BUNDLED_SAMPLE

    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; expected one of {', '.join(LAYERS)}")
    db_path = str(db_path)
    if not Path(db_path).exists():
        raise FileNotFoundError(f"no warehouse at {db_path}")
    params = resolve_parameters(dbt_vars)
    raw_root = str(raw_root or params.get("raw_root") or BUNDLED_SAMPLE)
    params["raw_root"] = raw_root
    batch_rows = int(batch_rows or os.environ.get("SFTMART_GX_BATCH_ROWS") or DEFAULT_BATCH_ROWS)
    validated_at = dt.datetime.now(dt.timezone.utc)
    run_identifier = RunIdentifier(run_name=f"{layer}-{validated_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}",
                                   run_time=validated_at)
    result = LayerResult(layer=layer, db_path=db_path, run_id=run_identifier.run_name,
                         validated_at=validated_at, parameters=_scalar_parameters(params))

    context = get_context(gx_root)
    checkpoint = context.checkpoints.get(layer)
    con = _warehouse_connection(db_path, read_only=True)
    per_definition = []
    try:
        for validation_definition in checkpoint.validation_definitions:
            suite = validation_definition.suite
            targets = suite.meta["targets"]
            input_error = _register_inputs(con, targets, params, raw_root)
            grouped: dict[str, list] = {}
            for expectation in suite.expectations:
                grouped.setdefault(expectation.meta["target"], []).append(expectation)
            tallies: list[_Tally] = []
            outcomes: list[Outcome] = []
            for target_name, expectations in grouped.items():
                target = targets[target_name]
                target_tallies = _validate_target(con, validation_definition, suite.name, target_name,
                                                  target, expectations, _scalar_parameters(params), batch_rows)
                for tally in target_tallies:
                    if input_error and "expected_units" in target.get("inputs", []):
                        tally.fail(input_error)
                    samples = [_json_safe(row) for row in tally.partial_index] or [
                        _json_safe(v) for v in tally.partial]
                    column = tally.expectation.configuration.kwargs.get("column")
                    examples_sql = (target.get("examples") or {}).get(column)
                    if not tally.success and examples_sql:
                        samples = _examples(con, examples_sql)
                    tallies.append(tally)
                    outcomes.append(tally.outcome(samples))
            per_definition.append((validation_definition, suite.name, tallies, outcomes))
            result.outcomes += outcomes
    finally:
        con.close()

    for validation_definition, suite_name, tallies, outcomes in per_definition:
        _store_and_render(context, checkpoint, validation_definition, suite_name, tallies, outcomes,
                          run_identifier, params, db_path, build_docs)
    if build_docs:
        result.docs_index = docs_index(gx_root)
    if write_results:
        try:
            _write_results(db_path, result)
        except Exception as exc:   # e.g. the warehouse is locked by another writer
            result.results_table_error = f"{type(exc).__name__}: {exc}"
            print(f"warning: could not write {RESULTS_TABLE}: {exc}", file=sys.stderr)
    return result


def validate_all(db_path: str | os.PathLike, *, raw_root: str | None = None,
                 dbt_vars: Optional[dict] = None, build_docs: bool = True,
                 gx_root: str | os.PathLike | None = None, **kwargs) -> list[LayerResult]:
    """Every layer in order; stops after the first layer with a blocking failure."""
    results = []
    for layer in LAYERS:
        results.append(validate_layer(layer, db_path, raw_root=raw_root, dbt_vars=dbt_vars,
                                      build_docs=build_docs, gx_root=gx_root, **kwargs))
        if not results[-1].passed:
            break
    return results
