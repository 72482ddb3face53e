"""The vocabulary the layer suites are written in: targets (the frames a suite is validated on)
and checks (one GX expectation each), with a few builders.

An expectation suite validates one pandas DataFrame at a time, but a layer has several tables,
so a layer's suite is a list of targets, each the DuckDB SQL that produces one frame (only the
columns the expectations need), the relation it describes, the key columns used to point at
offending rows, and `kind`:

* `rows`: one frame row per table row, streamed from DuckDB in record batches; each batch is
  validated by GX and the results are added up (an expectation fails if it fails on any batch).
  Text columns are never fetched: a text check reads `strlen(text)` (UTF-8 bytes, NULL when the
  text is NULL), so memory is bounded by the batch size, not by how long a record is.
* `aggregate`: whole-table properties (reconciliation with the input folder, the token budget,
  the language ratio, traceability, cluster structure) that no single batch can decide. DuckDB
  computes them as SQL aggregates first and GX validates the small result (often one row, e.g.
  `n_untraceable` expected between 0 and 0). `examples` maps a column to a query that lists a
  few offending rows; it runs only when an expectation on that column fails.

Every check carries a severity: `error` blocks the build (the layer's validation node fails and
dbt skips everything downstream), `warning` is reported.

What is checked where: keys (not null, unique) and accepted values are dbt data tests in the
models' YAML; the suites hold what dbt tests do poorly: ranges and distributions, whole-table and
cross-table properties, and the reconciliation with the input folder. A check lives in one of the
two, never both.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Target:
    name: str
    table: str
    kind: str  # rows | aggregate
    sql: str
    description: str
    id_columns: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)  # relations the validation registers
    examples: dict[str, str] = field(default_factory=dict)

    def meta(self) -> dict:
        out = {
            "table": self.table,
            "kind": self.kind,
            "sql": " ".join(self.sql.split()),
            "description": self.description,
            "id_columns": self.id_columns,
        }
        if self.kind == "aggregate":
            out["computed_in"] = "DuckDB SQL aggregate over the whole relation; GX validates the result"
        if self.inputs:
            out["inputs"] = self.inputs
        if self.examples:
            out["examples"] = {k: " ".join(v.split()) for k, v in self.examples.items()}
        return out


@dataclass
class Check:
    target: str
    type: str  # GX expectation class name, e.g. ExpectColumnValuesToBeBetween
    kwargs: dict
    severity: str = "error"  # error | warning
    notes: str = ""


@dataclass
class SuiteDef:
    layer: str
    description: str
    targets: list[Target]
    checks: list[Check]

    def checks_of(self, target: str) -> list[Check]:
        return [c for c in self.checks if c.target == target]


def between(target, column, lo=None, hi=None, severity="error", notes="", **kw) -> Check:
    kwargs = {"column": column, **kw}
    if lo is not None:
        kwargs["min_value"] = lo
    if hi is not None:
        kwargs["max_value"] = hi
    return Check(target, "ExpectColumnValuesToBeBetween", kwargs, severity, notes)


def zero(target, column, notes, severity="error") -> Check:
    return between(target, column, 0, 0, severity, notes)


def in_set(target, column, values, notes="", severity="error") -> Check:
    return Check(target, "ExpectColumnValuesToBeInSet", {"column": column, "value_set": values}, severity, notes)


def not_null(target, column, notes="", severity="error") -> Check:
    return Check(target, "ExpectColumnValuesToNotBeNull", {"column": column}, severity, notes)
