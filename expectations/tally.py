"""Adds up the GX results of one expectation over the record batches of its target."""

from __future__ import annotations

import json
from collections import Counter

from expectations.results import SAMPLE_ROWS, Outcome, json_safe


class Tally:
    """One expectation of a target: fails if it fails on any batch; element, unexpected and
    missing counts are summed; the first SAMPLE_ROWS offending values (with their key columns)
    are kept."""

    def __init__(self, expectation, suite: str, target_name: str, target: dict):
        self.expectation = expectation
        self.suite = suite
        self.target_name = target_name
        self.target = target
        self.batches = 0
        self.success = True
        self.element_count: int | None = None
        self.unexpected_count: int | None = None
        self.missing_count: int | None = None
        self.partial: list = []
        self.partial_index: list = []
        self.counts: Counter = Counter()
        self.observed: list = []
        self.exception: str | None = None

    def add(self, result) -> None:
        """Adds one batch's ExpectationValidationResult."""
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

    def sample_rows(self) -> list:
        """The offending rows with their key columns, else the offending values."""
        return [json_safe(row) for row in self.partial_index] or [json_safe(v) for v in self.partial]

    def outcome(self, sample_rows: list | None = None) -> Outcome:
        exp = self.expectation
        kwargs = exp.configuration.kwargs
        column = kwargs.get("column") or (
            f"{kwargs['column_A']},{kwargs['column_B']}" if "column_A" in kwargs else None
        )
        return Outcome(
            suite=self.suite,
            target=self.target_name,
            table=self.target["table"],
            expectation_type=exp.expectation_type,
            column=column,
            severity=(exp.meta or {}).get("severity", "error"),
            success=self.success,
            unexpected_count=self.unexpected_count,
            element_count=self.element_count,
            batches=self.batches,
            sample_rows=self.sample_rows() if sample_rows is None else sample_rows,
            kwargs=dict(kwargs),
            description=exp.notes if isinstance(exp.notes, str) else " ".join(exp.notes or []),
            observed_value=(self.observed[0] if len(self.observed) == 1 else self.observed or None),
            exception=self.exception,
            kind=self.target.get("kind", "rows"),
            unexpected_values=[json_safe(v) for v in self.partial],
        )
