"""What bench/real_experiment.py writes into DIR once its build is done: the target subset's share of
each arm's mix (target_share), the funnel, the comparison table (marts.mart_arm_comparison as it is)
and the loss curve with its plot (marts.mart_arm_curve, the report's figure), each as .csv and .md."""

from __future__ import annotations

import base64
import csv
from pathlib import Path

TARGET_SHARE = """
    select m.arm, m.seed, count(*) as rows, sum(m.n_tokens) as tokens,
           count(*) filter (where c.source_file like ?) as target_rows,
           sum(m.n_tokens) filter (where c.source_file like ?) as target_tokens,
           round(coalesce(target_tokens, 0) / tokens, 4) as target_token_share
    from marts.mart_arm_mixes as m inner join marts.mart_candidate_pool as c using (sample_id)
    group by all order by 1, 2"""


def query(con, sql: str, params=None) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(sql, params or [])
    return [d[0] for d in cursor.description], cursor.fetchall()


def write_table(path: Path, columns: list[str], rows: list[tuple]) -> None:
    with open(path.with_suffix(".csv"), "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([columns, *rows])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    path.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def has_table(con, name: str) -> bool:
    schema, table = name.split(".")
    sql = "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?"
    sql += " union all select count(*) from duckdb_views() where schema_name = ? and view_name = ?"
    return sum(n for (n,) in con.execute(sql, [schema, table, schema, table]).fetchall()) > 0


def write_results(out: Path, db: Path, subset: str) -> list[str]:
    import duckdb

    notes = []
    with duckdb.connect(str(db), read_only=True) as con:
        like = f"%/{subset}_train.json"
        columns, rows = query(con, TARGET_SHARE, [like, like])
        write_table(out / "target_share", columns, rows)
        print("target subset share per arm and seed:")
        for row in rows:
            print("  ", dict(zip(columns, row)))
        columns, rows = query(con, "select * from marts.mart_pipeline_funnel order by stage_order, lang")
        write_table(out / "funnel", columns, rows)
        decon = [dict(zip(columns, r)) for r in rows if r[columns.index("stage")] == "eval_decontaminated"]
        notes.append(f"eval_decontaminated: {decon}")
        print(notes[-1])
        if has_table(con, "marts.mart_arm_comparison"):
            columns, rows = query(con, "select * from marts.mart_arm_comparison")
            write_table(out / "comparison", columns, rows)
            print(f"comparison: {out / 'comparison.csv'} ({len(rows)} rows)")
    write_curve(out, db)
    reports = sorted((db.parent / "reports").glob("**/*.html")) if (db.parent / "reports").exists() else []
    notes.append(f"report: {reports[-1] if reports else 'none'}")
    return notes


def write_curve(out: Path, db: Path) -> None:
    """DIR/curve.csv (marts.mart_arm_curve) and DIR/curve.png (the report's curve figure)."""
    from sftmart.report.arm_plots import arm_curve_figure
    from sftmart.report.queries import arm_curve
    from sftmart.report.warehouse import Warehouse

    wh = Warehouse.open(db)
    try:
        rows = arm_curve(wh)
    finally:
        wh.close()
    if not rows:
        return
    write_table(out / "curve", ["eval_set", "lang", "arm", "real_tokens", "nll", "headline"], rows)
    uri = arm_curve_figure([(f"{s} ({lang})", arm, tokens, value) for s, lang, arm, tokens, value, _ in rows])
    (out / "curve.png").write_bytes(base64.b64decode(uri.split(",", 1)[1]))
    print(f"curve: {out / 'curve.png'}")
