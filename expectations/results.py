"""What a layer's validation found: one Outcome per expectation, the layer's summary text, and the
rows a validation node writes (one per expectation, the columns of marts.data_quality_results)."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

SAMPLE_ROWS = 5

# The columns of a validation node's table and of marts.data_quality_results (details is JSON
# text; the view casts it), plus `message`: the failure as the summary prints it.
RESULT_COLUMNS = (
    "run_id",
    "validated_at",
    "layer",
    "suite",
    "expectation",
    "column",
    "severity",
    "success",
    "unexpected_count",
    "details",
    "message",
)


class Failure(NamedTuple):
    """A failed expectation (warnings included: look at severity).

    unexpected_count counts rows of the validated frame: table rows for a `rows` target, rows of
    the DuckDB aggregate for an `aggregate` one (e.g. 1 for a one-row `n_untraceable` frame;
    sample_rows then come from the target's examples query and show the offending table rows)."""

    suite: str
    expectation_type: str
    column: str | None
    severity: str  # error | warning
    unexpected_count: int | None
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
    column: str | None
    severity: str
    success: bool
    unexpected_count: int | None
    element_count: int | None
    batches: int
    sample_rows: list
    kwargs: dict
    description: str = ""
    observed_value: Any = None
    exception: str | None = None
    kind: str = "rows"  # rows | aggregate (see expectations.checks)
    unexpected_values: list = field(default_factory=list)

    def details(self) -> dict:
        return {
            "target": self.target,
            "kind": self.kind,
            "table": self.table,
            "kwargs": self.kwargs,
            "unexpected_values": self.unexpected_values,
            "element_count": self.element_count,
            "batches": self.batches,
            "observed_value": self.observed_value,
            "sample_rows": self.sample_rows,
            "exception": self.exception,
            "description": self.description,
        }

    def lines(self) -> list[str]:
        """The failure as the summary prints it (empty when the expectation was met)."""
        if self.success:
            return []
        if self.unexpected_count is None:
            count = ""
        elif self.kind == "aggregate":
            count = f": got {short(self.unexpected_values, 120)} (DuckDB aggregate)"
        else:
            count = f": {self.unexpected_count:,} unexpected of {self.element_count or 0:,} rows"
        label = "ERROR  " if self.severity == "error" else "warning"
        out = [f"  {label} {self.table} :: {self.expectation_type}({describe_kwargs(self.kwargs)}){count}"]
        if self.description:
            out.append(f"          {self.description}")
        if self.exception:
            out.append(f"          raised: {self.exception.splitlines()[0][:300]}")
        if self.observed_value is not None and not self.sample_rows:
            out.append(f"          observed: {short(self.observed_value)}")
        out += [f"          e.g. {short(row)}" for row in self.sample_rows[:SAMPLE_ROWS]]
        return out


@dataclass
class LayerResult:
    layer: str
    db_path: str
    run_id: str
    validated_at: dt.datetime
    outcomes: list[Outcome] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)
    docs_index: Path | None = None

    @property
    def passed(self) -> bool:
        """No error-severity expectation failed (warnings do not block)."""
        return not any(f.severity == "error" for f in self.failures)

    @property
    def failures(self) -> list[Failure]:
        return [
            Failure(
                o.suite,
                o.expectation_type,
                o.column,
                o.severity,
                o.unexpected_count,
                o.sample_rows,
                o.table,
                o.description,
            )
            for o in self.outcomes
            if not o.success
        ]

    def headline(self) -> str:
        failures = self.failures
        errors = sum(f.severity == "error" for f in failures)
        return headline(self.layer, self.run_id, len(self.outcomes), len(failures), errors, self.db_path)

    def summary(self) -> str:
        failed = sorted((o for o in self.outcomes if not o.success), key=lambda o: o.severity != "error")
        lines = [self.headline()] + [line for o in failed for line in o.lines()]
        if self.docs_index:
            lines.append(f"  Data Docs: {self.docs_index}")
        return "\n".join(lines)

    def rows(self):
        """One row per expectation, as a pyarrow Table with RESULT_COLUMNS."""
        import pyarrow as pa

        validated_at = self.validated_at.astimezone(dt.timezone.utc).replace(tzinfo=None)
        records = [
            (
                self.run_id,
                validated_at,
                self.layer,
                o.suite,
                o.expectation_type,
                o.column,
                o.severity,
                o.success,
                o.unexpected_count,
                json.dumps(json_safe(o.details()), ensure_ascii=False, default=str),
                "\n".join(o.lines()) or None,
            )
            for o in self.outcomes
        ]
        schema = pa.schema(
            [
                ("run_id", pa.string()),
                ("validated_at", pa.timestamp("us")),
                ("layer", pa.string()),
                ("suite", pa.string()),
                ("expectation", pa.string()),
                ("column", pa.string()),
                ("severity", pa.string()),
                ("success", pa.bool_()),
                ("unexpected_count", pa.int64()),
                ("details", pa.string()),
                ("message", pa.string()),
            ]
        )
        columns = list(zip(*records)) if records else [[] for _ in RESULT_COLUMNS]
        return pa.Table.from_arrays([pa.array(list(c), type=f.type) for c, f in zip(columns, schema)], schema=schema)


def headline(layer: str, run_id: str, n_expectations: int, n_failed: int, n_blocking: int, where: str) -> str:
    """A layer's one-line verdict, e.g. `[raw] PASSED: 3/3 expectations met, 0 blocking failure(s), ...`."""
    return (
        f"[{layer}] {'FAILED' if n_blocking else 'PASSED'}: "
        f"{n_expectations - n_failed}/{n_expectations} expectations met, "
        f"{n_blocking} blocking failure(s), {n_failed - n_blocking} warning(s) (run {run_id}, {where})"
    )


def json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if hasattr(value, "item"):  # numpy scalars
        return json_safe(value.item())
    return value


def short(value, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


def describe_kwargs(kwargs: dict) -> str:
    parts = []
    for key, value in kwargs.items():
        if key in ("column", "column_A", "column_B"):
            parts.append(str(value))
        elif key == "value_set":
            parts.append(f"in {value}")
        else:
            parts.append(f"{key}={value.get('$PARAMETER') if isinstance(value, dict) else value}")
    return ", ".join(parts)
