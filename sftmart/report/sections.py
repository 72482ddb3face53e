"""What each section of the report shows: queries shaped into the values its template renders.

Each builder returns the context of one template in `templates/`; none of them builds HTML.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sftmart.report import plots, queries
from sftmart.report.formatting import fmt, lang_order, pct, timestamp, truncate
from sftmart.report.warehouse import Warehouse

# How the quality statistics are labelled, and whether their x axis is logarithmic; a statistic
# of the threshold seed missing here is still drawn, under its column name.
QUALITY_STAT_LABELS = {
    "n_chars": ("characters (prompt + response)", True),
    "n_words": ("words", True),
    "alnum_ratio": ("alphanumeric ratio", False),
    "char_rep_ratio": ("character repetition ratio (10-grams)", False),
    "word_rep_ratio": ("word repetition ratio (10-grams)", False),
    "special_char_ratio": ("special character ratio", False),
    "flagged_word_ratio": ("flagged word ratio", False),
    "max_line_length": ("longest line (characters)", True),
}
TOP_REJECT_FILES = 15
EVALUATION_OFF = "off (eval_root: none): no evaluation set, nothing evaluated or compared"
TOP_MIX_SOURCES = 20


def overview(wh: Warehouse, db_path: Path) -> dict:
    """The facts about the warehouse and the headline totals (input, landed, rejected, pool, mix)."""
    built = dt.datetime.fromtimestamp(db_path.stat().st_mtime).astimezone()
    facts = [
        dict(label="Warehouse", value=str(db_path), code=True),
        dict(label="Warehouse last written", value=timestamp(built, with_zone=True)),
        dict(label="Report generated", value=timestamp(dt.datetime.now().astimezone(), with_zone=True)),
    ]
    cards = []

    def card(label: str, value: Any, sub: str = "", key: str = "") -> None:
        cards.append(dict(label=label, value=value, sub=sub, key=key))

    def tokens(rows: list[tuple]) -> str:
        return f"{fmt(sum(t or 0 for _, _, t in rows))} tokens"

    landing = queries.landing_totals(wh)
    if landing:
        units, landed, rejected, last_load, n_files = landing
        facts.insert(2, dict(label="Last landing", value=timestamp(last_load)))
        facts.append(dict(label="Source files seen", value=fmt(n_files)))
        card("Input units", units, "records + rejected files", "input_units")
        card("Landed", landed, pct(landed, units) + " of input", "landed")
        card("Rejected (quarantine)", rejected, pct(rejected, units) + " of input", "rejected")
    evaluation = queries.evaluation_set(wh)
    if evaluation:
        landed_eval, n_eval, n_sets = evaluation
        value = f"{fmt(n_eval)} records in {fmt(n_sets)} sets" if landed_eval else EVALUATION_OFF
        facts.append(dict(label="Evaluation set", value=value))
    pool = queries.rows_and_tokens_by_lang(wh, queries.POOL)
    if pool is not None:
        card("Candidate pool", sum(n for _, n, _ in pool), tokens(pool), "pool")
    mix = queries.rows_and_tokens_by_lang(wh, queries.MIX) or []
    for lang, n, n_tokens in mix:
        card(f"Training mix · {lang}", n, f"{fmt(n_tokens)} tokens", f"mix_{lang}")
    if mix:
        card("Training mix · total", sum(n for _, n, _ in mix), tokens(mix), "mix_total")
    return dict(facts=facts, cards=cards)


def funnel(wh: Warehouse) -> dict:
    """The funnel by stage (in the mart's stage order) and language, with a total row per stage."""
    stages: dict[int, dict] = {}
    for order, stage, lang, r_in, removed, r_out, chars, tokens, keys, values, note in queries.funnel(wh):
        st = stages.setdefault(order, dict(order=order, stage=stage, rows=[]))
        st["rows"].append(
            dict(
                lang=lang,
                rows_in=r_in,
                removed=removed,
                rows_out=r_out,
                chars=chars,
                tokens=tokens,
                reasons=sorted(zip(keys or [], values or []), key=lambda kv: -kv[1]),
                note=note,
            )
        )
    if not stages:
        return dict(stages=[])
    for st in stages.values():
        if len(st["rows"]) > 1:
            st["total"] = {
                key: _sum(m[key] for m in st["rows"]) for key in ("rows_in", "removed", "rows_out", "chars", "tokens")
            }
    ordered = list(stages.values())
    return dict(stages=ordered, plot=plots.funnel_figure(ordered))


def _sum(values) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def quarantine(wh: Warehouse) -> dict:
    """Rejects by reason code with the first reject of each as an example, and the files with most."""
    codes = [
        dict(
            code=code, n=n, n_files=n_files, reason=reason, source_file=source_file, position=position, excerpt=excerpt
        )
        for code, n, n_files, reason, source_file, position, excerpt in queries.reject_codes(wh)
    ]
    if not codes:
        return dict(codes=[], table=queries.REJECTS)
    files, n_files = queries.reject_files(wh, TOP_REJECT_FILES)
    return dict(
        codes=codes,
        table=queries.REJECTS,
        total=sum(c["n"] for c in codes),
        files=files,
        n_files=n_files,
        top_files=TOP_REJECT_FILES,
    )


def quality(wh: Warehouse) -> dict:
    """Histograms of the quality statistics with the seed's thresholds, and how many samples fail each."""
    present = set(wh.require(queries.SCORED))
    thresholds = queries.thresholds(wh)
    labels = dict(QUALITY_STAT_LABELS)
    for _, stat, *_ in thresholds:
        labels.setdefault(stat, (stat, False))
    n_scored, n_pass = queries.quality_totals(wh)
    if not n_scored:
        return dict(n_scored=0)
    panels = []
    for stat, (label, log) in labels.items():
        if stat not in present:
            continue
        lines = [
            (lang, kind, float(value))
            for lang, s, lo, hi, _ in thresholds
            if s == stat
            for kind, value in (("min", lo), ("max", hi))
            if value is not None and value == value
        ]
        hist = queries.histogram(
            wh, queries.SCORED, stat, log=log, include=[v for _, _, v in lines], lower=None if log else 0.0
        )
        panels.append(dict(stat=stat, label=label, hist=hist, lines=lines))
    failing, per_lang = queries.quality_failures(wh)
    rows = [
        dict(
            stat=stat,
            lang=lang,
            min=lo,
            max=hi,
            origin=origin,
            failing=failing.get((lang, stat), 0),
            of_lang=per_lang.get(lang),
        )
        for lang, stat, lo, hi, origin in sorted(thresholds, key=lambda t: (t[1], t[0]))
    ]
    return dict(n_scored=n_scored, n_pass=n_pass, plot=plots.quality_figure(panels), thresholds=rows)


def mix(wh: Warehouse) -> dict:
    """The training set per language (samples, tokens, prompt/response split) and its source collections."""
    rows = [
        dict(
            lang=lang, n=n, tokens=tok, prompt_tokens=p_tok, response_tokens=r_tok, mean=float(mean), median=float(med)
        )
        for lang, n, tok, p_tok, r_tok, mean, med in queries.mix_by_lang(wh)
    ]
    if not rows:
        return dict(langs=[], table=queries.MIX)
    order = lang_order(r["lang"] for r in rows)
    rows.sort(key=lambda r: order.index(r["lang"]))
    pool = {lang: n for lang, n, _ in queries.rows_and_tokens_by_lang(wh, queries.POOL) or []}
    for r in rows:
        r["pool"] = pool.get(r["lang"])
    total = dict(
        n=sum(r["n"] for r in rows),
        tokens=sum(r["tokens"] or 0 for r in rows),
        prompt_tokens=sum(r["prompt_tokens"] or 0 for r in rows),
        response_tokens=sum(r["response_tokens"] or 0 for r in rows),
    )
    total["mean"] = total["tokens"] / total["n"] if total["n"] else None
    token_hist = queries.histogram(wh, queries.MIX, "n_tokens", log=True)
    return dict(
        langs=rows,
        total=total,
        table=queries.MIX,
        plot=plots.mix_figure(rows, token_hist),
        sources=queries.mix_sources(wh, TOP_MIX_SOURCES),
    )


def data_quality(wh: Warehouse, table: str, docs_href: str | None) -> dict:
    """The latest validation of each layer, and the expectations that failed in it."""
    layers = [
        dict(
            layer=layer,
            run_id=run_id,
            run_at=run_at,
            n=n,
            passed=ok,
            errors=err,
            warnings=warn,
            state="bad" if err else ("warn" if warn else "good"),
        )
        for layer, run_id, run_at, n, ok, err, warn, _ in queries.validation_layers(wh, table)
    ]
    context = dict(table=table, docs_href=docs_href, layers=layers)
    if layers:
        context.update(
            n_runs=queries.validation_runs(wh, table),
            n_total=sum(r["n"] for r in layers),
            n_passed=sum(r["passed"] for r in layers),
            failing=[
                dict(
                    layer=layer,
                    suite=suite,
                    expectation=exp,
                    column=col,
                    severity=sev,
                    unexpected=n,
                    details=dq_details(details),
                )
                for layer, suite, exp, col, sev, n, details in queries.validation_failures(wh, table)
            ],
        )
    return context


def dq_details(details: Any) -> dict:
    """The interesting bits of a result's details JSON: description, arguments, example rows."""
    try:
        data = json.loads(details) if isinstance(details, str) else details
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return dict(text=truncate(details, 240) if details else "")
    facts = []
    if data.get("table"):
        facts.append(f"table {data['table']}")
    kwargs = {k: v for k, v in (data.get("kwargs") or {}).items() if k != "column"}
    if kwargs:
        facts.append(", ".join(f"{k}={v}" for k, v in kwargs.items()))
    if data.get("element_count") is not None:
        facts.append(
            f"{data['element_count']:,} rows checked"
            if isinstance(data["element_count"], int)
            else f"{data['element_count']} rows checked"
        )
    if data.get("observed_value") is not None:
        facts.append(f"observed {data['observed_value']}")
    if data.get("exception"):
        facts.append(f"exception: {data['exception']}")
    out = dict(
        description=truncate(data.get("description"), 240) if data.get("description") else "",
        facts=truncate("; ".join(facts), 300) if facts else "",
        examples="\n".join(
            truncate(json.dumps(row, ensure_ascii=False, default=str), 160)
            for row in (data.get("sample_rows") or [])[:3]
        ),
    )
    if not any(out.values()):
        out["raw"] = truncate(json.dumps(data, default=str), 240)
    return out


def learnability(wh: Warehouse, table: str) -> dict:
    """Base vs guide entropy: a scatter of a sample and the means per language."""
    has_verdict = "is_learnable" in wh.cols(table)
    summary = queries.learnability_by_lang(wh, table, has_verdict)
    context = dict(table=table, has_verdict=has_verdict, langs=summary)
    if summary:
        sample = queries.learnability_sample(wh, table)
        context.update(total=sum(r[1] for r in summary), n_sample=len(sample), plot=plots.entropy_scatter(sample))
    return context
