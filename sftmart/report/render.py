"""The Jinja2 environment that turns section contexts into the report page.

Templates live in `templates/*.html.j2` and the style sheet in `report.css`, both shipped as package
data. Autoescape is on for every template: excerpts, prompts, reasons and file names come from the
data, so anything a template prints is HTML-escaped unless it was rendered by a template itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from sftmart.report.formatting import FILTERS

TITLE = "sftmart pipeline report"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("sftmart.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def render(template: str, **context) -> Markup:
    """One template rendered with `context`; the result is markup, safe to place into another template."""
    return Markup(environment().get_template(template).render(**context))


@dataclass
class Section:
    anchor: str
    title: str
    body: Markup


def page(*, db_path: str, overview: Markup, sections: list[Section], skipped: list[dict]) -> str:
    """The whole page: header, table of contents, the sections and a footer naming the skipped ones."""
    css = Markup(resources.files("sftmart.report").joinpath("report.css").read_text(encoding="utf-8"))
    return (
        environment()
        .get_template("page.html.j2")
        .render(title=TITLE, css=css, db_path=db_path, overview=overview, sections=sections, skipped=skipped)
    )
