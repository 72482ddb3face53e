"""`write_report`: reads the warehouse section by section and writes the page atomically."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from sftmart.report import experiment, queries, sections, target
from sftmart.report.render import Section, page, render
from sftmart.report.warehouse import MissingRelation, Warehouse

REPORT_FILE = "pipeline_report.html"


def _section(anchor: str, title: str, template: str, build: Callable[[], dict]) -> Section:
    """A section whose tables are missing (partial build) says so instead of failing the report."""
    try:
        context = build()
    except MissingRelation as exc:
        return Section(anchor, title, render("unavailable.html.j2", error=str(exc).splitlines()[0]))
    return Section(anchor, title, render(template, **context))


def _default_gx_docs(db_path: Path) -> Path | None:
    """The Data Docs site the validation nodes build for the warehouse at `db_path`, when it exists."""
    try:
        from expectations.project import docs_index

        path = docs_index(db_path)
    except Exception:  # the expectations package is optional here
        return None
    return path if path.exists() else None


def docs_href(gx_docs: str | os.PathLike | None, db_path: Path) -> str | None:
    """A link to the GX Data Docs: a URL as given, a folder or index.html as a file: URI; None means
    the warehouse's own site."""
    if gx_docs is None:
        gx_docs = _default_gx_docs(db_path)
    if not gx_docs:
        return None
    text = str(gx_docs)
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
        return text
    path = Path(text).expanduser().resolve()
    if path.is_dir() and (path / "index.html").exists():
        path = path / "index.html"
    return path.as_uri()


def write_report(
    db_path: str | os.PathLike, out_dir: str | os.PathLike, gx_docs: str | os.PathLike | None = None
) -> Path:
    """Writes `out_dir/pipeline_report.html` about the warehouse at `db_path` and returns its path.

    gx_docs: path (folder or index.html) or URL of the Great Expectations Data Docs to link to from the
    data quality section; None links the warehouse's own site (<warehouse>.sftmart/gx/) when it exists, "" none.
    """
    db_path = Path(db_path).resolve()
    if not db_path.exists():
        raise FileNotFoundError(f"no warehouse at {db_path}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    wh = Warehouse.open(db_path)
    try:
        overview = render("overview.html.j2", **sections.overview(wh, db_path))
        shown = [
            _section("funnel", "Pipeline funnel", "funnel.html.j2", lambda: sections.funnel(wh)),
            _section("quarantine", "Quarantine", "quarantine.html.j2", lambda: sections.quarantine(wh)),
            _section("quality", "Text length and quality statistics", "quality.html.j2", lambda: sections.quality(wh)),
            _section("mix", "Language mix of the training set", "mix.html.j2", lambda: sections.mix(wh)),
            _section("arms", "Experiment: arms against random", "arms.html.j2", lambda: experiment.arms(wh)),
            _section("target", "Target-aware mixes: where they came from", "target.html.j2", lambda: target.target(wh)),
        ]
        skipped = []
        dq_name, dq_schema = queries.DQ_RESULTS
        dq_table = wh.find(dq_name, dq_schema)
        if dq_table:
            shown.append(
                _section(
                    "data-quality",
                    "Data quality (Great Expectations)",
                    "data_quality.html.j2",
                    lambda: sections.data_quality(wh, dq_table, docs_href(gx_docs, db_path)),
                )
            )
        else:
            skipped.append(dict(what="data quality", missing="no", names=[f"{dq_schema}.{dq_name}"]))
        learn_table = wh.find_with_columns(queries.LEARNABILITY_COLUMNS, queries.LEARNABILITY_TABLES)
        if learn_table:
            shown.append(
                _section(
                    "learnability",
                    "Learnability: base vs guide entropy",
                    "learnability.html.j2",
                    lambda: sections.learnability(wh, learn_table),
                )
            )
        else:
            skipped.append(
                dict(what="learnability", missing="no table with", names=sorted(queries.LEARNABILITY_COLUMNS))
            )
    finally:
        wh.close()

    out = out_dir / REPORT_FILE
    tmp = out.with_suffix(".html.tmp")
    tmp.write_text(page(db_path=str(db_path), overview=overview, sections=shown, skipped=skipped), encoding="utf-8")
    tmp.replace(out)
    return out
