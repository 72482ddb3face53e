"""How numbers, shares and languages look in the report: the Jinja filters and the language colours.

Every function returns plain text; the templates escape it (autoescape is on), so nothing here
builds HTML.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

LANG_COLORS = {"en": "#3b6fb6", "zh": "#d9772b", "other": "#8c8c8c", "unknown": "#c4c4c4"}
EXTRA_COLORS = ["#4c9a62", "#9466b8", "#c0504d", "#2aa5a5", "#b8a03a"]
DASH = "–"


def fmt(value: Any, digits: int = 0) -> str:
    """Thousands separators; a dash for missing values."""
    if value is None:
        return DASH
    if isinstance(value, float) and math.isnan(value):
        return DASH
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def fmt_g(value: Any) -> str:
    """A threshold as written in the seed (0.045, 30); a dash when there is none."""
    return DASH if value is None else f"{value:g}"


def pct(part: Any, whole: Any, digits: int = 1) -> str:
    """`part` as a share of `whole`; never rounds a non-zero share to 0% or a partial one to 100%."""
    if not whole or part is None:
        return DASH
    share = 100 * part / whole
    if 0 < share < 10**-digits:
        return f"<{10**-digits:g}%"
    if part != whole and share > 100 - 10**-digits:
        return f">{100 - 10**-digits:g}%"
    return f"{share:.{digits}f}%"


def kept(rows_out: Any, rows_in: Any) -> str:
    """The share of a stage's rows that go on to the next stage."""
    if rows_in and rows_out == rows_in:
        return "100%"
    return pct(rows_out, rows_in, 1)


def commas(text: str) -> str:
    """Thousands separators for the long integers inside a sentence (notes from SQL)."""
    return re.sub(r"(?<![\w.])\d{4,}(?![\w.])", lambda m: f"{int(m.group()):,}", text)


def truncate(text: Any, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking a cut."""
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def timestamp(value: Any, with_zone: bool = False) -> str:
    """A datetime as `YYYY-MM-DD HH:MM:SS` (plus its zone when asked); other values as text."""
    if value is None:
        return DASH
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M:%S" + (" %Z" if with_zone else ""))
    return str(value)


def lang_color(lang: str, _seen: dict[str, str] = {}) -> str:  # noqa: B006 - deliberate cache
    """A fixed colour for the known languages, then the extra colours in order of first use."""
    if lang in LANG_COLORS:
        return LANG_COLORS[lang]
    if lang not in _seen:
        _seen[lang] = EXTRA_COLORS[len(_seen) % len(EXTRA_COLORS)]
    return _seen[lang]


def lang_order(langs: Iterable[str]) -> list[str]:
    """The known languages first (en, zh, other, unknown), then the rest alphabetically."""
    preferred = list(LANG_COLORS)
    return sorted(set(langs), key=lambda lang: (preferred.index(lang) if lang in preferred else 99, lang))


FILTERS = {
    "fmt": fmt,
    "fmt_g": fmt_g,
    "pct": pct,
    "kept": kept,
    "commas": commas,
    "truncate_text": truncate,
    "timestamp": timestamp,
    "lang_color": lang_color,
}
