"""The pipeline report: one static HTML page about a built warehouse.

`write_report(db_path, out_dir)` reads the warehouse through a read-only DuckDB connection and writes
`out_dir/pipeline_report.html`: totals, the funnel, the quarantine, quality-stat histograms with the
seed thresholds, the language mix of the training set, and (when their tables exist) the Great
Expectations results and a base-vs-guide entropy scatter. Plots are matplotlib PNGs embedded as
base64, so the page opens offline and loads nothing from the network.

Everything is aggregated in SQL (histograms are binned in DuckDB, scatters sample at most
`MAX_SCATTER_POINTS` rows), so the cost of a report does not grow with the size of the Python side.

    python -m sftmart.report --db warehouse.duckdb --out reports/
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import html
import io
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import duckdb

REPORT_FILE = "pipeline_report.html"
TITLE = "sftmart pipeline report"
HIST_BINS = 40
MAX_SCATTER_POINTS = 20_000

LANG_COLORS = {"en": "#3b6fb6", "zh": "#d9772b", "other": "#8c8c8c", "unknown": "#c4c4c4"}
EXTRA_COLORS = ["#4c9a62", "#9466b8", "#c0504d", "#2aa5a5", "#b8a03a"]

# (column, label, log-scaled x axis)
QUALITY_STATS = [
    ("n_chars", "characters (prompt + response)", True),
    ("n_words", "words", True),
    ("alnum_ratio", "alphanumeric ratio", False),
    ("char_rep_ratio", "character repetition ratio (10-grams)", False),
    ("word_rep_ratio", "word repetition ratio (10-grams)", False),
    ("special_char_ratio", "special character ratio", False),
    ("flagged_word_ratio", "flagged word ratio", False),
    ("max_line_length", "longest line (characters)", True),
]


# --------------------------------------------------------------------------------------------------
# small helpers


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and math.isnan(value):
        return "–"
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _pct(part: Any, whole: Any, digits: int = 1) -> str:
    if not whole or part is None:
        return "–"
    share = 100 * part / whole
    if 0 < share < 10 ** -digits:
        return f"<{10 ** -digits:g}%"
    if part != whole and share > 100 - 10 ** -digits:
        return f">{100 - 10 ** -digits:g}%"
    return f"{share:.{digits}f}%"


def _kept(rows_out: Any, rows_in: Any) -> str:
    if rows_in and rows_out == rows_in:
        return "100%"
    return _pct(rows_out, rows_in, 1)


def _lang_color(lang: str, _seen: dict[str, str] = {}) -> str:  # noqa: B006 - deliberate cache
    if lang in LANG_COLORS:
        return LANG_COLORS[lang]
    if lang not in _seen:
        _seen[lang] = EXTRA_COLORS[len(_seen) % len(EXTRA_COLORS)]
    return _seen[lang]


def _lang_order(langs: Iterable[str]) -> list[str]:
    preferred = list(LANG_COLORS)
    return sorted(set(langs), key=lambda lang: (preferred.index(lang) if lang in preferred else 99, lang))


def _commas(text: str) -> str:
    """Thousands separators for the long integers inside a sentence (notes from SQL)."""
    return re.sub(r"(?<![\w.])\d{4,}(?![\w.])", lambda m: f"{int(m.group()):,}", text)


def _truncate(text: Any, limit: int) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Warehouse:
    """A read-only connection plus the catalog, so sections can ask what exists."""

    con: duckdb.DuckDBPyConnection
    columns: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    @classmethod
    def open(cls, db_path: Path) -> "Warehouse":
        con = duckdb.connect(str(db_path), read_only=True)
        wh = cls(con)
        for schema, table, column in con.sql("""
                select table_schema, table_name, column_name from information_schema.columns
                where table_catalog = current_database()
                order by table_schema, table_name, ordinal_position""").fetchall():
            wh.columns.setdefault((schema, table), []).append(column)
        return wh

    def has(self, qualified: str) -> bool:
        schema, table = qualified.split(".", 1)
        return (schema, table) in self.columns

    def cols(self, qualified: str) -> list[str]:
        schema, table = qualified.split(".", 1)
        return self.columns.get((schema, table), [])

    def find(self, table_name: str, preferred_schema: str) -> str | None:
        if (preferred_schema, table_name) in self.columns:
            return f"{preferred_schema}.{table_name}"
        for schema, table in self.columns:
            if table == table_name:
                return f"{schema}.{table}"
        return None

    def find_with_columns(self, needed: set[str], preferred: list[str]) -> str | None:
        for name in preferred:
            if self.has(name) and needed <= set(self.cols(name)):
                return name
        for (schema, table), cols in self.columns.items():
            if needed <= set(cols):
                return f"{schema}.{table}"
        return None

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def one(self, sql: str, params: list | None = None) -> tuple:
        return self.con.execute(sql, params or []).fetchone()


# --------------------------------------------------------------------------------------------------
# plotting


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
        "axes.labelsize": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#e6e6e6",
        "grid.linewidth": 0.7,
        "axes.axisbelow": True,
        "legend.frameon": False,
        "legend.fontsize": 8,
        "figure.dpi": 100,
    })
    return plt


def _thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1 or v == 0 else f"{v:g}")


def _plain_log(axis) -> None:
    """Log axis ticks as 10, 100, 1,000 instead of powers of ten."""
    from matplotlib.ticker import LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10))
    axis.set_major_formatter(_thousands())
    axis.set_minor_formatter(NullFormatter())


def _img(fig, alt: str, css_class: str = "plot") -> str:
    plt = _plt()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img class="{css_class}" alt="{_esc(alt)}" src="data:image/png;base64,{data}">'


# --------------------------------------------------------------------------------------------------
# HTML pieces


def _table(headers: list[tuple[str, str]], body_rows: list[str], table_id: str = "", css: str = "") -> str:
    """headers: (label, css class) pairs; body_rows: ready <tr> strings."""
    head = "".join(f'<th class="{c}">{_esc(h)}</th>' for h, c in headers)
    ident = f' id="{table_id}"' if table_id else ""
    return (f'<div class="table-wrap"><table{ident} class="{css}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body_rows)}</tbody></table></div>')


def _num_td(value: Any, col: str = "", extra: str = "") -> str:
    data = f' data-col="{col}"' if col else ""
    raw = "" if value is None else f' data-value="{_esc(value)}"'
    return f'<td class="num {extra}"{data}{raw}>{_fmt(value)}</td>'


def _lang_badge(lang: str) -> str:
    return f'<span class="lang" style="--c:{_lang_color(lang)}">{_esc(lang)}</span>'


def _note(text: str, kind: str = "info") -> str:
    return f'<p class="note {kind}">{text}</p>'


@dataclass
class Section:
    anchor: str
    title: str
    body: str
    optional: bool = False


def _guarded(anchor: str, title: str, build: Callable[[], str]) -> Section:
    """A section whose tables are missing (partial build) says so instead of failing the report."""
    try:
        return Section(anchor, title, build())
    except (duckdb.CatalogException, duckdb.BinderException) as exc:
        first_line = str(exc).splitlines()[0]
        return Section(anchor, title, _note(f"Not available in this warehouse: <code>{_esc(first_line)}</code>",
                                            "warn"))


# --------------------------------------------------------------------------------------------------
# header and totals


def _header(wh: Warehouse, db_path: Path) -> tuple[str, dict]:
    totals: dict[str, Any] = {}
    built = dt.datetime.fromtimestamp(db_path.stat().st_mtime).astimezone()
    facts = [("Warehouse", f"<code>{_esc(db_path)}</code>"),
             ("Warehouse last written", _esc(built.strftime("%Y-%m-%d %H:%M:%S %Z"))),
             ("Report generated", _esc(dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")))]
    if wh.has("raw.alpaca_cot_landing"):
        (totals["input_units"], totals["landed"], totals["rejected"], last_load,
         n_files) = wh.one("""
            select count(*), count(*) filter (where status = 'landed'),
                   count(*) filter (where status = 'rejected'), max(loaded_at),
                   count(distinct source_file)
            from raw.alpaca_cot_landing""")
        facts.insert(2, ("Last landing", _esc(last_load.strftime("%Y-%m-%d %H:%M:%S") if last_load else "–")))
        facts.append(("Source files seen", _fmt(n_files)))
    if wh.has("marts.mart_candidate_pool"):
        totals["pool"] = wh.rows("""select lang, count(*), sum(n_tokens)::bigint from marts.mart_candidate_pool
                                    group by lang order by lang""")
    if wh.has("marts.mart_training_mix"):
        totals["mix"] = wh.rows("""select lang, count(*), sum(n_tokens)::bigint from marts.mart_training_mix
                                   group by lang order by lang""")

    cards = []

    def card(label: str, value: Any, sub: str = "", key: str = "") -> None:
        data = f' data-total="{key}"' if key else ""
        raw = f' data-value="{_esc(value)}"' if isinstance(value, int) else ""
        cards.append(f'<div class="card"{data}{raw}><div class="card-label">{_esc(label)}</div>'
                     f'<div class="card-value">{_fmt(value)}</div><div class="card-sub">{sub}</div></div>')

    if "input_units" in totals:
        card("Input units", totals["input_units"], "records + rejected files", "input_units")
        card("Landed", totals["landed"], _pct(totals["landed"], totals["input_units"]) + " of input", "landed")
        card("Rejected (quarantine)", totals["rejected"],
             _pct(totals["rejected"], totals["input_units"]) + " of input", "rejected")
    if "pool" in totals:
        pool_rows = sum(n for _, n, _ in totals["pool"])
        pool_tokens = sum(t or 0 for _, _, t in totals["pool"])
        card("Candidate pool", pool_rows, f"{_fmt(pool_tokens)} tokens", "pool")
    for lang, n, tokens in totals.get("mix", []):
        card(f"Training mix · {lang}", n, f"{_fmt(tokens)} tokens", f"mix_{lang}")
    if totals.get("mix"):
        card("Training mix · total", sum(n for _, n, _ in totals["mix"]),
             f"{_fmt(sum(t or 0 for _, _, t in totals['mix']))} tokens", "mix_total")

    fact_html = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts)
    body = f'<dl class="facts">{fact_html}</dl><div class="cards">{"".join(cards)}</div>'
    return body, totals


# --------------------------------------------------------------------------------------------------
# funnel


def _funnel(wh: Warehouse) -> str:
    rows = wh.rows("""
        select stage_order, stage, lang, rows_in, rows_removed, rows_out, chars_out,
               tokens_out::bigint, map_keys(removed_by_reason), map_values(removed_by_reason), note
        from marts.mart_pipeline_funnel order by stage_order, lang""")
    if not rows:
        return _note("The funnel is empty: nothing was landed.", "warn")
    stages: dict[int, dict] = {}
    for order, stage, lang, r_in, removed, r_out, chars, tokens, keys, values, note in rows:
        st = stages.setdefault(order, {"stage": stage, "rows": []})
        st["rows"].append(dict(lang=lang, rows_in=r_in, removed=removed, rows_out=r_out, chars=chars,
                               tokens=tokens, reasons=sorted(zip(keys or [], values or []), key=lambda kv: -kv[1]),
                               note=note))

    headers = [("Stage", ""), ("Lang", ""), ("Rows in", "num"), ("Removed", "num"), ("Rows out", "num"),
               ("Kept", "num"), ("Chars out", "num"), ("Tokens out", "num"), ("Removed because / notes", "")]
    body = []
    for order, st in stages.items():
        members = st["rows"]
        span = len(members) + (1 if len(members) > 1 else 0)
        for i, r in enumerate(members):
            stage_cell = (f'<td class="stage" rowspan="{span}"><span class="stage-no">{order}</span>'
                          f'{_esc(st["stage"])}</td>' if i == 0 else "")
            chips = "".join(f'<span class="chip">{_esc(k)} <b>{_fmt(v)}</b></span>' for k, v in r["reasons"])
            note = f'<div class="warn-text">{_esc(_commas(r["note"]))}</div>' if r["note"] else ""
            first = " stage-first" if i == 0 else ""
            body.append(
                f'<tr class="{first.strip()}" data-stage="{_esc(st["stage"])}" data-lang="{_esc(r["lang"])}">'
                f'{stage_cell}<td>{_lang_badge(r["lang"])}</td>'
                + _num_td(r["rows_in"], "rows_in") + _num_td(r["removed"], "rows_removed",
                                                             "removed" if r["removed"] else "")
                + _num_td(r["rows_out"], "rows_out")
                + f'<td class="num muted">{_kept(r["rows_out"], r["rows_in"])}</td>'
                + _num_td(r["chars"], "chars_out") + _num_td(r["tokens"], "tokens_out")
                + f'<td class="chips">{chips}{note}</td></tr>')
        if len(members) > 1:
            def total(key: str) -> int | None:
                vals = [m[key] for m in members if m[key] is not None]
                return sum(vals) if vals else None
            t_in, t_rm, t_out = total("rows_in"), total("removed"), total("rows_out")
            body.append(
                f'<tr class="subtotal" data-stage="{_esc(st["stage"])}" data-lang="all"><td class="muted">all</td>'
                + _num_td(t_in, "rows_in") + _num_td(t_rm, "rows_removed") + _num_td(t_out, "rows_out")
                + f'<td class="num muted">{_kept(t_out, t_in)}</td>'
                + _num_td(total("chars"), "chars_out") + _num_td(total("tokens"), "tokens_out")
                + "<td></td></tr>")
    table = _table(headers, body, "funnel-table", "funnel")
    return (_funnel_plot(stages)
            + '<p class="caption">Rows per stage and language. <i>Rows in</i> reach the stage, <i>removed</i> '
              'leave the pipeline there (with the reason), <i>rows out</i> go on to the next stage. '
              'Rejected files and records count as input units of language <code>unknown</code>.</p>'
            + table)


def _funnel_plot(stages: dict[int, dict]) -> str:
    plt = _plt()
    langs = _lang_order(r["lang"] for st in stages.values() for r in st["rows"])
    orders = sorted(stages)
    labels = ["input units"] + [f'{o} · {stages[o]["stage"]}' for o in orders]
    counts = {lang: [] for lang in langs}
    first = stages[orders[0]]["rows"]
    for lang in langs:
        counts[lang].append(sum(r["rows_in"] for r in first if r["lang"] == lang))
    for o in orders:
        for lang in langs:
            counts[lang].append(sum(r["rows_out"] or 0 for r in stages[o]["rows"] if r["lang"] == lang))

    reasons: dict[str, dict[str, int]] = {}
    for st in stages.values():
        for r in st["rows"]:
            for k, v in r["reasons"]:
                reasons.setdefault(k, {}).setdefault(r["lang"], 0)
                reasons[k][r["lang"]] += v
    top = sorted(reasons.items(), key=lambda kv: -sum(kv[1].values()))[:14]

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12.5, 4.6), gridspec_kw={"width_ratios": [1.25, 1]})
    y = list(range(len(labels)))
    left = [0] * len(labels)
    for lang in langs:
        ax.barh(y, counts[lang], left=left, color=_lang_color(lang), label=lang, height=0.7)
        left = [a + b for a, b in zip(left, counts[lang])]
    peak = max(left) or 1
    for yi, total in zip(y, left):
        ax.text(total + peak * 0.01, yi, f"{total:,}", va="center", fontsize=8, color="#333")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, peak * 1.14)
    ax.set_xlabel("rows remaining after the stage")
    ax.set_title("Funnel: rows per stage and language")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=len(langs), handlelength=1.2)
    ax.xaxis.set_major_formatter(_thousands())

    if top:
        y2 = list(range(len(top)))
        left2 = [0] * len(top)
        for lang in langs:
            vals = [kv[1].get(lang, 0) for kv in top]
            if any(vals):
                ax2.barh(y2, vals, left=left2, color=_lang_color(lang), height=0.7)
                left2 = [a + b for a, b in zip(left2, vals)]
        peak2 = max(left2) or 1
        for yi, total in zip(y2, left2):
            ax2.text(total + peak2 * 0.01, yi, f"{total:,}", va="center", fontsize=8, color="#333")
        ax2.set_yticks(y2, [_truncate(k, 34) for k, _ in top])
        ax2.invert_yaxis()
        ax2.set_xlim(0, peak2 * 1.15)
        ax2.grid(axis="y", visible=False)
    else:
        ax2.text(0.5, 0.5, "no rows were removed", ha="center", va="center", transform=ax2.transAxes)
        ax2.set_yticks([])
    ax2.set_xlabel("rows removed")
    ax2.set_title("Why rows were removed (all stages)")
    ax2.xaxis.set_major_formatter(_thousands())
    fig.tight_layout()
    return _img(fig, "Funnel: rows per stage and language, and rows removed per reason")


# --------------------------------------------------------------------------------------------------
# quarantine


def _quarantine(wh: Warehouse) -> str:
    codes = wh.rows("""
        with counted as (
            select reject_reason_code as code, count(*) as n, count(distinct source_file) as n_files
            from raw.rejected_records group by 1
        ),
        example as (
            select reject_reason_code as code, reject_reason, source_file, position, excerpt,
                   row_number() over (partition by reject_reason_code
                                      order by source_file, position nulls first) as rn
            from raw.rejected_records
        )
        select c.code, c.n, c.n_files, e.reject_reason, e.source_file, e.position, e.excerpt
        from counted as c join example as e on e.code = c.code and e.rn = 1
        order by c.n desc, c.code""")
    if not codes:
        return _note("Nothing was quarantined: every input unit landed.", "good")
    total = sum(r[1] for r in codes)
    body = []
    for code, n, n_files, reason, source_file, position, excerpt in codes:
        where = _esc(source_file) + (f":{position}" if position is not None else "")
        body.append(
            f'<tr data-code="{_esc(code)}"><td><code class="code">{_esc(code)}</code></td>'
            + _num_td(n, "count") + f'<td class="num muted">{_pct(n, total)}</td>' + _num_td(n_files, "files")
            + f'<td>{_esc(reason)}<div class="where">{where}</div></td>'
            f'<td><pre class="excerpt">{_esc(_truncate(excerpt, 280))}</pre></td></tr>')
    table = _table([("Reject code", ""), ("Count", "num"), ("Share", "num"), ("Files", "num"),
                    ("Example reason", ""), ("Example excerpt", "")], body, "quarantine-table", "quarantine")
    files = wh.rows("""
        select source_file, count(*), string_agg(distinct reject_reason_code, ', ' order by reject_reason_code)
        from raw.rejected_records group by 1 order by 2 desc, 1 limit 15""")
    n_files = wh.one("select count(distinct source_file) from raw.rejected_records")[0]
    file_rows = [f'<tr><td><code>{_esc(f)}</code></td>{_num_td(n)}<td class="muted">{_esc(c)}</td></tr>'
                 for f, n, c in files]
    more = f" (top 15 of {n_files:,})" if n_files > 15 else ""
    return (f'<p class="caption">{_fmt(total)} input units were quarantined in <code>raw.rejected_records</code>, '
            f'by reason code. The example is the first reject of each code.</p>'
            + table + f'<h3>Files with rejects{more}</h3>'
            + _table([("Source file", ""), ("Rejects", "num"), ("Codes", "")], file_rows, "", "compact"))


# --------------------------------------------------------------------------------------------------
# quality histograms


def _thresholds(wh: Warehouse) -> list[tuple]:
    name = wh.find("quality_thresholds", "seeds")
    if not name:
        return []
    cols = wh.cols(name)
    origin = "origin" if "origin" in cols else "null"
    return wh.rows(f"select lang, stat, min_value, max_value, {origin} from {name} order by stat, lang")


def _histogram(wh: Warehouse, table: str, column: str, *, log: bool = False, include: Iterable[float] = (),
               lower: float | None = None, bins: int = HIST_BINS) -> tuple[list[float], dict[str, list[int]], bool] | None:
    """Per-language histogram of a column, binned in DuckDB (two scans, no values leave the database).

    Returns (bin edges, counts per language, whether the bins are logarithmic): log bins when `log` is
    asked for and the values span more than a decade and a bit. `include` widens the range (to show
    thresholds), `lower` pins its lower end."""
    lo, hi = wh.one(f"select min({column})::double, max({column})::double from {table} where {column} is not null")
    if lo is None:
        return None
    lo, hi = min([lo, *include]), max([hi, *include])
    if lower is not None:
        lo = min(lo, lower)
    use_log = log and max(hi, 1) / max(lo, 1) > 20
    if use_log:
        expr, a, b = f"log10(greatest({column}, 1))", math.log10(max(lo, 1)), math.log10(max(hi, 1))
    else:
        expr, a, b = f"{column}::double", lo, hi
    if b - a < 1e-9:
        b = a + 1
    width = (b - a) / bins
    per_lang: dict[str, list[int]] = {}
    for lang, k, n in wh.rows(f"""
            select lang, least(greatest(floor(({expr} - ?) / ?)::integer, 0), {bins - 1}), count(*)
            from {table} where {column} is not null group by all""", [a, width]):
        per_lang.setdefault(lang, [0] * bins)[k] += n
    edges = [a + i * width for i in range(bins + 1)]
    return ([10 ** e for e in edges] if use_log else edges), per_lang, use_log


def _quality(wh: Warehouse) -> str:
    table = "intermediate.int_records_quality_scored"
    present = set(wh.cols(table))
    if not present:
        raise duckdb.CatalogException(f"Table {table} does not exist")
    stats = [s for s in QUALITY_STATS if s[0] in present]
    thresholds = _thresholds(wh)
    by_stat: dict[str, list[tuple]] = {}
    for lang, stat, lo, hi, _ in thresholds:
        by_stat.setdefault(stat, []).append((lang, lo, hi))

    n_scored, n_pass = wh.one(f"select count(*), count(*) filter (where passes_quality) from {table}")
    if not n_scored:
        return _note("No samples reached the quality filter.", "warn")

    plt = _plt()
    ncols = 4
    nrows = math.ceil(len(stats) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(13, 3.0 * nrows), squeeze=False)
    langs_seen: set[str] = set()
    for ax, (stat, label, log) in zip(axes.flat, stats):
        lines = []
        for lang, tmin, tmax in by_stat.get(stat, []):
            for kind, value in (("min", tmin), ("max", tmax)):
                if value is not None and not (isinstance(value, float) and math.isnan(value)):
                    lines.append((lang, kind, float(value)))
        hist = _histogram(wh, table, stat, log=log, include=[v for _, _, v in lines],
                          lower=None if log else 0.0)
        if hist is None:
            ax.set_visible(False)
            continue
        xs, per_lang, log = hist
        for lang in _lang_order(per_lang):
            langs_seen.add(lang)
            ax.stairs(per_lang[lang], xs, fill=True, alpha=0.35, color=_lang_color(lang))
            ax.stairs(per_lang[lang], xs, color=_lang_color(lang), linewidth=1.1)
        # threshold lines: one line per value, naming the languages it applies to
        merged: dict[tuple[str, float], list[str]] = {}
        for lang, kind, value in lines:
            merged.setdefault((kind, float(value)), []).append(lang)
        for i, ((kind, value), line_langs) in enumerate(merged.items()):
            color = _lang_color(line_langs[0]) if len(line_langs) == 1 else "#222"
            ax.axvline(value, color=color, linestyle="--" if kind == "min" else ":", linewidth=1.4)
            scale = math.log10 if log else float
            right_half = (scale(max(value, 1e-12)) - scale(xs[0])) > 0.6 * (scale(xs[-1]) - scale(xs[0]))
            ax.annotate(f"{'/'.join(sorted(line_langs))} {kind} {value:g}", xy=(value, 1),
                        xycoords=("data", "axes fraction"), xytext=(-3 if right_half else 3, -3 - 12 * i),
                        textcoords="offset points", fontsize=7, color=color, va="top",
                        ha="right" if right_half else "left",
                        bbox=dict(boxstyle="square,pad=0.1", facecolor="white", edgecolor="none", alpha=0.85))
        if log:
            ax.set_xscale("log")
            _plain_log(ax.xaxis)
        ax.set_yscale("log")
        _plain_log(ax.yaxis)
        top = max((max(v) for v in per_lang.values()), default=1)
        ax.set_ylim(0.7, top * 3)
        ax.set_title(stat)
        ax.set_xlabel(label + (" (log)" if log else ""))
        ax.set_ylabel("samples (log)")
    for ax in list(axes.flat)[len(stats):]:
        ax.set_visible(False)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=_lang_color(lang), alpha=0.6, label=lang) for lang in _lang_order(langs_seen)]
    handles += [Line2D([], [], color="#444", linestyle="--", label="min threshold"),
                Line2D([], [], color="#444", linestyle=":", label="max threshold")]
    fig.legend(handles=handles, loc="upper center", ncols=len(handles), bbox_to_anchor=(0.5, 1.02))
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    plot = _img(fig, "Histograms of text length and quality statistics per language, with thresholds")

    failing = dict(((lang, stat), n) for lang, stat, n in wh.rows(f"""
        select lang, split_part(reason, ' ', 1) as stat, count(*)
        from (select lang, unnest(drop_reasons) as reason from {table} where not passes_quality)
        group by all"""))
    per_lang_n = dict(wh.rows(f"select lang, count(*) from {table} group by 1"))
    rows = []
    for lang, stat, tmin, tmax, origin in sorted(thresholds, key=lambda t: (t[1], t[0])):
        n_fail = failing.get((lang, stat), 0)
        rows.append(f'<tr><td><code>{_esc(stat)}</code></td><td>{_lang_badge(lang)}</td>'
                    f'<td class="num">{f"{tmin:g}" if tmin is not None else "–"}</td>'
                    f'<td class="num">{f"{tmax:g}" if tmax is not None else "–"}</td>'
                    + _num_td(n_fail, "", "removed" if n_fail else "")
                    + f'<td class="num muted">{_pct(n_fail, per_lang_n.get(lang), 2)}</td>'
                    f'<td class="muted small">{_esc(origin)}</td></tr>')
    thr_table = _table([("Stat", ""), ("Lang", ""), ("Min", "num"), ("Max", "num"), ("Failing", "num"),
                        ("of lang", "num"), ("Origin", "")], rows, "thresholds-table", "compact")
    return (f'<p class="caption">{_fmt(n_scored)} samples in a kept language were scored; {_fmt(n_pass)} '
            f'({_pct(n_pass, n_scored)}) pass every threshold. Thresholds come from the seed '
            f'<code>quality_thresholds</code>: dashed lines are minimums, dotted lines maximums, coloured by '
            f'language (black when shared). Y axes are logarithmic so the tails the filters cut are visible.</p>'
            + plot + '<h3>Thresholds and how many samples fail each</h3>'
            + '<p class="caption">A sample can fail several thresholds; the funnel counts it once, under the '
              'first failing stat.</p>' + thr_table)


# --------------------------------------------------------------------------------------------------
# language mix


def _mix(wh: Warehouse) -> str:
    mix = "marts.mart_training_mix"
    rows = wh.rows(f"""
        select lang, count(*), sum(n_tokens)::bigint, sum(n_prompt_tokens)::bigint,
               sum(n_response_tokens)::bigint, avg(n_tokens), median(n_tokens)
        from {mix} group by lang order by lang""")
    if not rows:
        return _note("The training mix is empty.", "warn")
    rows = sorted(rows, key=lambda r: _lang_order([x[0] for x in rows]).index(r[0]))
    n_all = sum(r[1] for r in rows)
    tok_all = sum(r[2] or 0 for r in rows)
    pool = {}
    if wh.has("marts.mart_candidate_pool"):
        pool = {lang: (n, t) for lang, n, t in wh.rows(
            "select lang, count(*), sum(n_tokens)::bigint from marts.mart_candidate_pool group by 1")}

    body = []
    for lang, n, tok, p_tok, r_tok, mean, med in rows:
        pn, pt = pool.get(lang, (None, None))
        body.append(f'<tr data-lang="{_esc(lang)}"><td>{_lang_badge(lang)}</td>' + _num_td(n, "rows")
                    + f'<td class="num muted">{_pct(n, n_all)}</td>' + _num_td(tok, "tokens")
                    + f'<td class="num muted">{_pct(tok, tok_all)}</td>' + _num_td(p_tok, "prompt_tokens")
                    + _num_td(r_tok, "response_tokens")
                    + f'<td class="num">{_pct(r_tok, tok)}</td>'
                    + f'<td class="num">{_fmt(float(mean), 1)}</td><td class="num">{_fmt(float(med), 0)}</td>'
                    + f'<td class="num muted">{_pct(n, pn, 0)} of {_fmt(pn)}</td></tr>')
    p_all = sum(r[3] or 0 for r in rows)
    r_all = sum(r[4] or 0 for r in rows)
    body.append('<tr class="subtotal" data-lang="all"><td class="muted">all</td>' + _num_td(n_all, "rows")
                + '<td class="num muted">100%</td>' + _num_td(tok_all, "tokens")
                + '<td class="num muted">100%</td>' + _num_td(p_all) + _num_td(r_all)
                + f'<td class="num">{_pct(r_all, tok_all)}</td>'
                + f'<td class="num">{_fmt(tok_all / n_all if n_all else None, 1)}</td><td></td><td></td></tr>')
    table = _table([("Lang", ""), ("Samples", "num"), ("share", "num"), ("Tokens", "num"), ("share", "num"),
                    ("Prompt tokens", "num"), ("Response tokens", "num"), ("Response share", "num"),
                    ("Mean tokens", "num"), ("Median", "num"), ("Drawn from pool", "num")],
                   body, "mix-table", "")

    token_hist = _histogram(wh, mix, "n_tokens", log=True)
    plt = _plt()
    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(13, 3.6), gridspec_kw={"width_ratios": [0.8, 1.2, 1.3]})
    langs = [r[0] for r in rows]
    colors = [_lang_color(lang) for lang in langs]
    a1.bar(langs, [r[1] for r in rows], color=colors, width=0.6)
    for i, r in enumerate(rows):
        a1.text(i, r[1], f"{r[1]:,}\n{_pct(r[1], n_all, 0)}", ha="center", va="bottom", fontsize=8)
    a1.set_ylim(0, max(r[1] for r in rows) * 1.25)
    a1.set_title("Samples per language")
    a1.grid(axis="x", visible=False)

    prompts = [r[3] or 0 for r in rows]
    responses = [r[4] or 0 for r in rows]
    a2.bar(langs, prompts, color=colors, alpha=0.45, width=0.6, label="prompt tokens")
    a2.bar(langs, responses, bottom=prompts, color=colors, width=0.6, label="response tokens",
           edgecolor="white", hatch="")
    for i, r in enumerate(rows):
        tok = r[2] or 0
        a2.text(i, tok, f"{tok:,} ({_pct(tok, tok_all, 0)})", ha="center", va="bottom", fontsize=8)
        if r[4]:
            a2.text(i, prompts[i] + responses[i] / 2, f"response\n{_pct(r[4], tok, 0)}", ha="center",
                    va="center", fontsize=8, color="white", fontweight="bold")
        if r[3]:
            a2.text(i, prompts[i] / 2, f"prompt\n{_pct(r[3], tok, 0)}", ha="center", va="center", fontsize=8,
                    color="#222")
    a2.set_ylim(0, max((r[2] or 0) for r in rows) * 1.15 or 1)
    a2.set_title("Tokens per language (prompt / response)")
    a2.grid(axis="x", visible=False)

    edges, hist, log = token_hist
    for lang in _lang_order(hist):
        a3.stairs(hist[lang], edges, fill=True, alpha=0.35, color=_lang_color(lang), label=lang)
        a3.stairs(hist[lang], edges, color=_lang_color(lang), linewidth=1.1)
    if log:
        a3.set_xscale("log")
        _plain_log(a3.xaxis)
    a3.xaxis.set_major_formatter(_thousands())
    from matplotlib.ticker import MaxNLocator

    a3.yaxis.set_major_locator(MaxNLocator(integer=True))
    a3.yaxis.set_major_formatter(_thousands())
    a2.yaxis.set_major_formatter(_thousands())
    a1.yaxis.set_major_formatter(_thousands())
    a3.set_title("Tokens per sample")
    a3.set_xlabel("n_tokens" + (" (log)" if log else ""))
    a3.set_ylabel("samples")
    a3.legend()
    fig.tight_layout()
    plot = _img(fig, "Language mix of the training set: samples, tokens and response share per language")

    sources = wh.rows(f"""
        select source_collection, lang, count(*), sum(n_tokens)::bigint from {mix}
        group by all order by 4 desc, 1, 2 limit 20""")
    src_rows = [f'<tr><td><code>{_esc(s)}</code></td><td>{_lang_badge(lang)}</td>{_num_td(n)}{_num_td(t)}'
                f'<td class="num muted">{_pct(t, tok_all)}</td></tr>' for s, lang, n, t in sources]
    return (f'<p class="caption">The final training set (<code>{mix}</code>): {_fmt(n_all)} samples, '
            f'{_fmt(tok_all)} tokens, of which {_pct(r_all, tok_all)} are response tokens.</p>'
            + plot + table + '<h3>Source collections in the mix</h3>'
            + _table([("Collection", ""), ("Lang", ""), ("Samples", "num"), ("Tokens", "num"), ("share", "num")],
                     src_rows, "", "compact"))


# --------------------------------------------------------------------------------------------------
# data quality (optional)


def _default_gx_docs() -> Path | None:
    """The Data Docs site that `expectations.runner` builds, when it exists."""
    try:
        from expectations.project import docs_index

        path = docs_index()
    except Exception:  # the expectations package is optional here
        return None
    return path if path.exists() else None


def _docs_href(gx_docs: str | os.PathLike | None) -> str | None:
    if gx_docs is None:
        gx_docs = _default_gx_docs()
    if not gx_docs:
        return None
    text = str(gx_docs)
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
        return text
    path = Path(text).expanduser().resolve()
    if path.is_dir() and (path / "index.html").exists():
        path = path / "index.html"
    return path.as_uri()


def _dq_details(details: Any) -> str:
    """The interesting bits of a result's details JSON: description, arguments, example rows."""
    import json

    try:
        data = json.loads(details) if isinstance(details, str) else details
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return f'<span class="small muted">{_esc(_truncate(details, 240))}</span>' if details else ""
    parts = []
    if data.get("description"):
        parts.append(f'<div>{_esc(_truncate(data["description"], 240))}</div>')
    facts = []
    if data.get("table"):
        facts.append(f"table {data['table']}")
    kwargs = {k: v for k, v in (data.get("kwargs") or {}).items() if k != "column"}
    if kwargs:
        facts.append(", ".join(f"{k}={v}" for k, v in kwargs.items()))
    if data.get("element_count") is not None:
        facts.append(f"{data['element_count']:,} rows checked" if isinstance(data["element_count"], int)
                     else f"{data['element_count']} rows checked")
    if data.get("observed_value") is not None:
        facts.append(f"observed {data['observed_value']}")
    if data.get("exception"):
        facts.append(f"exception: {data['exception']}")
    if facts:
        parts.append(f'<div class="muted">{_esc(_truncate("; ".join(facts), 300))}</div>')
    examples = data.get("sample_rows") or []
    if examples:
        shown = "\n".join(_truncate(json.dumps(row, ensure_ascii=False, default=str), 160) for row in examples[:3])
        parts.append(f'<pre class="excerpt examples">{_esc(shown)}</pre>')
    if not parts:
        parts.append(f'<span class="muted">{_esc(_truncate(json.dumps(data, default=str), 240))}</span>')
    return f'<div class="small">{"".join(parts)}</div>'


def _data_quality(wh: Warehouse, table: str, gx_docs: str | os.PathLike | None) -> str:
    """The latest validation of each layer: the runner validates layer by layer, one run each."""
    link = ""
    href = _docs_href(gx_docs)
    if href:
        link = f'<p><a class="button" id="gx-docs-link" href="{_esc(href)}">Open the GX Data Docs →</a></p>'
    latest_sql = f"""
        with runs as (select layer, run_id, max(validated_at) as finished from {table} group by all),
        latest as (select layer, arg_max(run_id, finished) as run_id, max(finished) as finished
                   from runs group by layer)
        select r.*, l.finished as run_at from {table} as r inner join latest as l using (layer, run_id)"""
    layer_order = """case lower(layer) when 'raw' then 0 when 'staging' then 1 when 'intermediate' then 2
                                      when 'marts' then 3 else 4 end, layer"""
    per_layer = wh.rows(f"""
        select layer, any_value(run_id), max(run_at), count(*), count(*) filter (where success),
               count(*) filter (where not success and lower(coalesce(severity, 'error')) in ('error', 'critical')),
               count(*) filter (where not success and lower(coalesce(severity, 'error')) not in ('error', 'critical')),
               count(distinct suite)
        from ({latest_sql}) group by layer order by {layer_order}""")
    if not per_layer:
        return link + _note(f"<code>{table}</code> is empty: no validation has run yet.", "warn")
    failing = wh.rows(f"""
        select layer, suite, expectation, "column", severity, unexpected_count, details::varchar
        from ({latest_sql}) where not success
        order by case lower(coalesce(severity, 'error')) when 'critical' then 0 when 'error' then 1
                      when 'warning' then 2 else 3 end,
                 {layer_order}, suite, expectation""")
    n_runs = wh.one(f"select count(distinct run_id) from {table}")[0]
    cards = []
    for layer, run_id, run_at, n, ok, err, warn, suites in per_layer:
        state = "bad" if err else ("warn" if warn else "good")
        when = run_at.strftime("%Y-%m-%d %H:%M:%S") if hasattr(run_at, "strftime") else str(run_at)
        cards.append(f'<div class="card dq {state}" data-layer="{_esc(layer)}" title="run {_esc(run_id)}">'
                     f'<div class="card-label">{_esc(layer)}</div>'
                     f'<div class="card-value">{ok}/{n}</div><div class="card-sub">passed · '
                     f'{err} error, {warn} warning failure{"s" if warn != 1 else ""}<br>{_esc(when)}</div></div>')
    n_total = sum(r[3] for r in per_layer)
    n_ok = sum(r[4] for r in per_layer)
    out = (f'<p class="caption">The latest Great Expectations validation of each layer '
           f'({_fmt(n_runs)} run{"s" if n_runs != 1 else ""} recorded in <code>{table}</code>): '
           f'{n_ok} of {n_total} expectations passed. Error-severity failures stop the build; '
           f'warnings do not.</p>' + link + f'<div class="cards">{"".join(cards)}</div>')
    if failing:
        rows = [f'<tr class="sev-{_esc((sev or "").lower())}"><td>{_esc(layer)}</td><td>{_esc(suite)}</td>'
                f'<td><code>{_esc(exp)}</code></td><td><code>{_esc(col or "")}</code></td>'
                f'<td><span class="sev">{_esc(sev)}</span></td>{_num_td(n, "unexpected")}'
                f'<td>{_dq_details(details)}</td></tr>'
                for layer, suite, exp, col, sev, n, details in failing]
        out += "<h3>Failing expectations</h3>" + _table(
            [("Layer", ""), ("Suite", ""), ("Expectation", ""), ("Column", ""), ("Severity", ""),
             ("Unexpected", "num"), ("Details", "")], rows, "dq-failing", "")
    else:
        out += _note("Every expectation of the latest validations passed.", "good")
    return out


# --------------------------------------------------------------------------------------------------
# learnability (optional)


def _learnability(wh: Warehouse, table: str) -> str:
    has_verdict = "is_learnable" in wh.cols(table)
    verdict = "avg(is_learnable::int)" if has_verdict else "null"
    summary = wh.rows(f"""
        select lang, count(*), avg(h_base), avg(h_guide), avg((h_guide < h_base)::int), {verdict}
        from {table} where h_base is not null and h_guide is not null group by lang order by lang""")
    if not summary:
        return _note(f"No sample in <code>{table}</code> has both <code>h_base</code> and <code>h_guide</code> "
                     "(the model layer may be off).", "info")
    total = sum(r[1] for r in summary)
    sample = wh.rows(f"""
        select lang, h_base, h_guide from {table}
        where h_base is not null and h_guide is not null
        using sample reservoir({MAX_SCATTER_POINTS} rows) repeatable (42)""")
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    by_lang: dict[str, tuple[list, list]] = {}
    for lang, hb, hg in sample:
        xs, ys = by_lang.setdefault(lang, ([], []))
        xs.append(hb)
        ys.append(hg)
    alpha = 0.7 if len(sample) < 2000 else 0.25
    size = 14 if len(sample) < 2000 else 5
    for lang in _lang_order(by_lang):
        xs, ys = by_lang[lang]
        ax.scatter(xs, ys, s=size, alpha=alpha, color=_lang_color(lang), label=lang, linewidths=0)
    values = [v for _, hb, hg in sample for v in (hb, hg)]
    lo, hi = min(values), max(values)
    ax.plot([lo, hi], [lo, hi], color="#444", linestyle="--", linewidth=1, label="h_guide = h_base")
    ax.set_xlabel("h_base (base entropy)")
    ax.set_ylabel("h_guide (guide entropy)")
    ax.set_title("Base vs guide entropy")
    ax.legend(loc="upper left")
    fig.tight_layout()
    plot = _img(fig, "Scatter of base versus guide entropy per language", "plot narrow")
    rows = [f'<tr><td>{_lang_badge(lang)}</td>{_num_td(n)}<td class="num">{_fmt(float(hb), 3)}</td>'
            f'<td class="num">{_fmt(float(hg), 3)}</td><td class="num">{_fmt(100 * float(below), 1)}%</td>'
            + (f'<td class="num">{_fmt(100 * float(ok), 1)}%</td>' if has_verdict else "") + "</tr>"
            for lang, n, hb, hg, below, ok in summary]
    shown = f"a sample of {len(sample):,}" if len(sample) < total else f"all {total:,}"
    return (f'<p class="caption">From <code>{table}</code>; the scatter shows {shown} samples. Points below the '
            f'dashed diagonal have <code>h_guide &lt; h_base</code>: the guide lowers their entropy.</p>'
            + f'<div class="side-by-side">{plot}<div>'
            + _table([("Lang", ""), ("Samples", "num"), ("Mean h_base", "num"), ("Mean h_guide", "num"),
                      ("h_guide < h_base", "num")] + ([("Learnable", "num")] if has_verdict else []),
                     rows, "learnability-table", "compact")
            + "</div></div>")


# --------------------------------------------------------------------------------------------------
# page


CSS = """
:root { --fg:#1f2328; --muted:#656d76; --border:#d8dee4; --panel:#f6f8fa; --accent:#0969da;
        --warn:#7d4e00; --warnbg:#fff8c5; --bad:#cf222e; --badbg:#ffebe9; --good:#1a7f37; --goodbg:#dafbe1; }
* { box-sizing: border-box; }
body { margin:0; color:var(--fg); background:#fff;
       font:14px/1.5 -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial,
            "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
header.top { background:#24292f; color:#fff; padding:22px 0 18px; }
header.top .inner, main { max-width:1240px; margin:0 auto; padding:0 32px; }
header.top h1 { margin:0 0 4px; font-size:24px; font-weight:600; letter-spacing:.2px; }
header.top p { margin:0; color:#c9d1d9; }
nav.toc { position:sticky; top:0; z-index:5; background:#fff; border-bottom:1px solid var(--border); }
nav.toc .inner { max-width:1240px; margin:0 auto; padding:8px 32px; display:flex; gap:18px; flex-wrap:wrap; }
nav.toc a { color:var(--accent); text-decoration:none; font-size:13px; }
nav.toc a:hover { text-decoration:underline; }
main { padding-top:8px; padding-bottom:64px; }
section { margin-top:30px; }
h2 { font-size:19px; margin:0 0 10px; padding-bottom:6px; border-bottom:1px solid var(--border); }
h3 { font-size:15px; margin:22px 0 8px; }
.caption { color:var(--muted); margin:4px 0 12px; max-width:980px; }
dl.facts { display:flex; flex-wrap:wrap; gap:6px 36px; margin:18px 0; }
dl.facts div { min-width:0; max-width:100%; }
dl.facts dt { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.4px; }
dl.facts dd { margin:0; overflow-wrap:anywhere; }
.cards { display:grid; grid-template-columns:repeat(auto-fit, minmax(140px, 1fr)); gap:12px; margin:8px 0 6px; }
.card { border:1px solid var(--border); border-radius:8px; padding:10px 14px; background:var(--panel); }
.card-label { font-size:12px; color:var(--muted); }
.card-value { font-size:22px; font-weight:600; font-variant-numeric:tabular-nums; }
.card-sub { font-size:12px; color:var(--muted); }
.card.dq.good { border-left:4px solid var(--good); }
.card.dq.warn { border-left:4px solid #d4a72c; }
.card.dq.bad { border-left:4px solid var(--bad); }
img.plot { display:block; width:100%; max-width:1240px; height:auto; margin:6px 0 14px; }
img.plot.narrow { max-width:560px; }
.side-by-side { display:flex; gap:24px; align-items:flex-start; flex-wrap:wrap; }
.table-wrap { overflow-x:auto; margin:6px 0 10px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th { text-align:left; font-weight:600; color:var(--muted); font-size:12px; background:var(--panel);
     border-bottom:1px solid var(--border); padding:6px 10px; white-space:nowrap; }
td { border-bottom:1px solid #eef1f4; padding:5px 10px; vertical-align:top; }
th.num, td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
table.compact { width:auto; min-width:50%; }
table.funnel tr.stage-first td { border-top:2px solid var(--border); }
table.funnel td.stage { font-weight:600; white-space:nowrap; background:#fbfcfd; }
.stage-no { display:inline-block; min-width:20px; height:20px; line-height:20px; border-radius:10px;
            background:#24292f; color:#fff; text-align:center; font-size:11px; margin-right:8px; }
tr.subtotal td { background:#fbfcfd; font-weight:600; }
td.removed { color:var(--bad); }
.muted { color:var(--muted); }
.small { font-size:12px; }
.lang { display:inline-block; padding:0 7px; border-radius:10px; font-size:12px; font-weight:600;
        color:#fff; background:var(--c); }
.chip { display:inline-block; background:#eef1f4; border-radius:10px; padding:0 8px; margin:1px 4px 1px 0;
        font-size:12px; white-space:nowrap; }
.chip b { font-variant-numeric:tabular-nums; }
.warn-text { display:inline-block; color:var(--warn); background:var(--warnbg); border-radius:4px; padding:1px 8px;
             font-size:12px; margin-top:2px; }
code { font-family:ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:12px; }
code.code { background:var(--badbg); color:var(--bad); padding:1px 6px; border-radius:4px; }
.where { color:var(--muted); font-size:12px; font-family:ui-monospace, Menlo, Consolas, monospace; }
pre.excerpt { margin:0; white-space:pre-wrap; word-break:break-word; max-width:520px; max-height:7.5em;
              overflow:hidden; font-size:12px; background:var(--panel); padding:4px 8px; border-radius:4px; }
pre.excerpt.examples { max-height:none; max-width:none; margin-top:4px; }
p.note { padding:8px 12px; border-radius:6px; }
p.note.info { background:#ddf4ff; }
p.note.warn { background:var(--warnbg); color:var(--warn); }
p.note.good { background:var(--goodbg); color:var(--good); }
.sev { font-size:12px; font-weight:600; padding:0 6px; border-radius:4px; background:#eef1f4; }
tr.sev-error .sev, tr.sev-critical .sev { background:var(--badbg); color:var(--bad); }
tr.sev-warning .sev { background:var(--warnbg); color:var(--warn); }
a.button { display:inline-block; background:var(--accent); color:#fff; padding:5px 12px; border-radius:6px;
           text-decoration:none; font-size:13px; }
footer { color:var(--muted); font-size:12px; margin-top:40px; border-top:1px solid var(--border); padding-top:10px; }
"""


def _page(db_path: Path, header: str, sections: list[Section], skipped: list[str]) -> str:
    toc = "".join(f'<a href="#{s.anchor}">{_esc(s.title)}</a>' for s in sections)
    body = "".join(f'<section id="{s.anchor}"><h2>{_esc(s.title)}</h2>{s.body}</section>' for s in sections)
    skipped_html = ("<p>Sections not shown because their tables are absent: " + "; ".join(skipped) + ".</p>"
                    if skipped else "")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="sftmart.report">
<title>{_esc(TITLE)}</title>
<style>{CSS}</style>
</head>
<body>
<header class="top"><div class="inner">
<h1>{_esc(TITLE)}</h1>
<p>From raw Alpaca-CoT files to a token-budgeted en:zh training mix: what was landed, cleaned, filtered,
deduplicated and sampled, and why rows were removed.</p>
</div></header>
<nav class="toc"><div class="inner"><a href="#overview">Overview</a>{toc}</div></nav>
<main>
<section id="overview">{header}</section>
{body}
<footer>{skipped_html}<p>Generated by <code>sftmart.report</code> from <code>{_esc(db_path)}</code> with a read-only
connection. Static page: plots are embedded PNGs, nothing is loaded from the network.</p></footer>
</main>
</body>
</html>
"""


def write_report(db_path: str | os.PathLike, out_dir: str | os.PathLike,
                 gx_docs: str | os.PathLike | None = None) -> Path:
    """Writes `out_dir/pipeline_report.html` about the warehouse at `db_path` and returns its path.

    gx_docs: path (folder or index.html) or URL of the Great Expectations Data Docs to link to from the
    data quality section; None links the site `expectations.runner` builds when it exists, "" none.
    """
    db_path = Path(db_path).resolve()
    if not db_path.exists():
        raise FileNotFoundError(f"no warehouse at {db_path}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    wh = Warehouse.open(db_path)
    try:
        header, _ = _header(wh, db_path)
        sections = [
            _guarded("funnel", "Pipeline funnel", lambda: _funnel(wh)),
            _guarded("quarantine", "Quarantine", lambda: _quarantine(wh)),
            _guarded("quality", "Text length and quality statistics", lambda: _quality(wh)),
            _guarded("mix", "Language mix of the training set", lambda: _mix(wh)),
        ]
        skipped = []
        dq_table = wh.find("data_quality_results", "marts")
        if dq_table:
            sections.append(_guarded("data-quality", "Data quality (Great Expectations)",
                                     lambda: _data_quality(wh, dq_table, gx_docs)))
        else:
            skipped.append("data quality (no <code>marts.data_quality_results</code>)")
        learn_table = wh.find_with_columns({"h_base", "h_guide", "lang"},
                                           ["marts.mart_sample_learnability", "intermediate.int_samples_learnability"])
        if learn_table:
            sections.append(_guarded("learnability", "Learnability: base vs guide entropy",
                                     lambda: _learnability(wh, learn_table)))
        else:
            skipped.append("learnability (no table with <code>h_base</code>, <code>h_guide</code>, "
                           "<code>lang</code>)")
    finally:
        wh.con.close()

    out = out_dir / REPORT_FILE
    tmp = out.with_suffix(".html.tmp")
    tmp.write_text(_page(db_path, header, sections, skipped), encoding="utf-8")
    tmp.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    from sftmart.paths import warehouse_path

    parser = argparse.ArgumentParser(prog="python -m sftmart.report",
                                     description="Write the static HTML pipeline report of a warehouse.")
    parser.add_argument("--db", default=None, help="warehouse file (default: $SFTMART_DB or warehouse.duckdb)")
    parser.add_argument("--out", default=None, help="output folder (default: beside the warehouse)")
    parser.add_argument("--gx-docs", default=None,
                        help="GX Data Docs folder, index.html or URL to link to (default: the site "
                             "expectations.runner builds, when it exists; '' for none)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    db = Path(args.db) if args.db else warehouse_path()
    out_dir = Path(args.out) if args.out else db.resolve().parent
    print(write_report(db, out_dir, gx_docs=args.gx_docs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
