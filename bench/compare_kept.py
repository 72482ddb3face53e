"""Which rows sftmart and Data-Juicer keep that the other drops, and at which stage (issue 15).

    python bench/compare_kept.py --warehouse bench/results/build-20000.duckdb \\
        --dj-out bench/results/dj-20000 --data-juicer /tmp/djvenv/bin/python [--examples 3]

Inputs: a warehouse built by bench/bench_build.py and the work dir of Data-Juicer's run on the same
corpus (bench/data_juicer_baseline.py: dj_input/data.jsonl holds every input row in corpus order,
dj_export/kept.jsonl the rows it kept). Data-Juicer's own ops, run row by row in its venv (this
script with --dj-verdicts), say where it dropped each row: its exact-dedup hash (the first row of a
hash is kept), the first of its four filters a row fails, and for the rows that reach MinHash
whether they have any shingle at all (`space` tokenisation with window 5: a text of fewer than five
space-separated tokens has none, and every such text gets the same all-maximum signature). A row
that reached MinHash and is not in kept.jsonl was dropped as a near-duplicate. sftmart's side is
marts.mart_record_outcomes and mart_candidate_pool. Prints the cross-table of both verdicts per
input row, the rows kept by one side only broken down by the other side's stage, and examples.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

RECIPE = Path(__file__).resolve().parent / "data_juicer_recipe.yaml"


def dj_verdicts(data: Path, out: Path) -> None:
    """(Runs in Data-Juicer's venv.) One JSON line per input row: exact hash, first failed filter,
    and whether its MinHash shingle set is empty."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import yaml
    from data_juicer.ops import load_ops
    from data_juicer.ops.common.helper_func import split_on_whitespace
    from data_juicer.utils.constant import Fields, HashKeys

    process = yaml.safe_load(RECIPE.read_text())["process"]
    ops = load_ops(process)
    dedup, filters, minhash = ops[0], ops[1:-1], ops[-1]
    texts = [json.loads(line)["text"] for line in open(data, encoding="utf-8")]
    hashes = [dedup.compute_hash({"text": t})[HashKeys.hash] for t in texts]
    failed = [None] * len(texts)
    for op in filters:  # every filter on every row; a row's first failure is where DJ dropped it
        samples = op.compute_stats_batched({"text": texts, Fields.stats: [{} for _ in texts]})
        for i, ok in enumerate(op.process_batched(samples)):
            if not ok and failed[i] is None:
                failed[i] = type(op).__name__
    with open(out, "w", encoding="utf-8") as w:
        for t, h, f in zip(texts, hashes, failed):
            n_tokens = len(split_on_whitespace(t.lower() if minhash.lowercase else t))
            w.write(json.dumps({"hash": h, "failed": f, "no_shingles": n_tokens < minhash.window_size}) + "\n")


SM_STAGES = {2: "empty after cleaning", 3: "language", 4: "quality", 5: "exact dedup", 6: "near dedup"}


def sftmart_verdicts(warehouse: Path) -> list[dict]:
    """Per landed record in corpus order: content, stage where sftmart dropped it (or 'kept'),
    reason, language, exact-dedup group."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select r.instruction, r.input, r.output, o.dropped_at_stage, o.drop_reason, o.lang,
                   r.record_id, e.kept_sample_id, p.sample_id is not null as in_pool, c.exact_hash
            from raw.alpaca_cot_records r
            join marts.mart_record_outcomes o on o.sample_id = r.record_id
            left join intermediate.int_records_cleaned c on c.sample_id = r.record_id
            left join intermediate.int_samples_exact_deduped e on e.sample_id = r.record_id
            left join marts.mart_candidate_pool p on p.sample_id = r.record_id
            order by r.source_file, r.record_index"""
        ).fetchall()
    out = []
    index = {row[6]: i for i, row in enumerate(rows)}
    for ins, inp, outp, stage, reason, lang, _, kept_id, in_pool, key in rows:
        verdict = "kept" if in_pool else SM_STAGES.get(stage, f"stage {stage}")
        detail = reason if verdict in ("quality", "language") else verdict
        rep = index[kept_id] if verdict == "exact dedup" else None
        row = {"content": (ins, inp, outp), "sm": verdict, "sm_detail": detail, "lang": lang, "sm_rep": rep}
        out.append({**row, "sm_key": key})
    return out


def dj_outcomes(dj_out: Path, verdicts: list[dict]) -> list[dict]:
    """Data-Juicer's stage per input row (in corpus order), from its ops' verdicts and its export."""
    inputs = [json.loads(line) for line in open(dj_out / "dj_input" / "data.jsonl", encoding="utf-8")]
    kept = Counter()
    for line in open(dj_out / "dj_export" / "kept.jsonl", encoding="utf-8"):
        r = json.loads(line)
        kept[(r["instruction"], r["input"], r["output"])] += 1
    first, out = {}, []
    for i, (row, v) in enumerate(zip(inputs, verdicts)):
        content = (row["instruction"], row["input"], row["output"])
        rep = first.get(v["hash"])
        if rep is not None:
            stage = "exact dedup"
        else:
            first[v["hash"]] = i
            if v["failed"]:
                stage = "filter"
            elif kept[content] > 0:
                kept[content] -= 1
                stage = "kept"
            else:
                stage = "near dedup"
        detail = {"filter": v["failed"], "near dedup": "no shingles" if v["no_shingles"] else "near dedup"}
        row = {"dj": stage, "dj_detail": detail.get(stage, stage), "dj_rep": rep, "content": content}
        out.append({**row, "dj_key": v["hash"]})
    assert sum(kept.values()) == 0, "rows in kept.jsonl that match no input row"
    return out


def show(text: str, n: int = 110) -> str:
    return json.dumps(text[:n], ensure_ascii=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warehouse", type=Path)
    ap.add_argument("--dj-out", type=Path, required=True)
    ap.add_argument("--data-juicer", help="python of the Data-Juicer venv")
    ap.add_argument("--examples", type=int, default=2)
    ap.add_argument("--dj-verdicts", action="store_true", help=argparse.SUPPRESS)  # the step in DJ's venv
    args = ap.parse_args()
    data, verdict_path = args.dj_out / "dj_input" / "data.jsonl", args.dj_out / "dj_verdicts.jsonl"
    if args.dj_verdicts:
        dj_verdicts(data, verdict_path)
        return
    subprocess.run([args.data_juicer, __file__, "--dj-out", str(args.dj_out), "--dj-verdicts"], check=True)
    verdicts = [json.loads(line) for line in open(verdict_path, encoding="utf-8")]
    sm = sftmart_verdicts(args.warehouse)
    dj = dj_outcomes(args.dj_out, verdicts)
    assert len(sm) == len(dj) and all(a["content"] == b["content"] for a, b in zip(sm, dj)), "not the same corpus"
    rows = [{**a, **b} for a, b in zip(sm, dj)]
    name = {"sm": "sftmart", "dj": "Data-Juicer"}
    print(f"{len(rows):,} input rows; sftmart keeps {sum(r['sm'] == 'kept' for r in rows):,} in its candidate pool, ")
    print(f"Data-Juicer {sum(r['dj'] == 'kept' for r in rows):,}\n")
    print("per input row, sftmart's verdict (rows) x Data-Juicer's (columns):")
    cols = ["kept", "exact dedup", "filter", "near dedup"]
    print(f"  {'':<22}" + "".join(f"{c:>13}" for c in cols))
    for s in ["kept", "empty after cleaning", "language", "quality", "exact dedup", "near dedup"]:
        print(f"  {s:<22}" + "".join(f"{sum(r['sm'] == s and r['dj'] == c for r in rows):>13,}" for c in cols))

    reach = [(r, v) for r, v in zip(rows, verdicts) if v["no_shingles"] and r["dj"] in ("kept", "near dedup")]
    print(
        f"\nrows without a MinHash shingle for Data-Juicer that reach its MinHash: {len(reach):,} "
        f"({dict(Counter(r['lang'] for r, _ in reach))}); it keeps {sum(r['dj'] == 'kept' for r, _ in reach)} of them"
    )

    # The exact-dedup keys: rows one side calls copies of an earlier row that the other keeps apart.
    first = {"sm": {}, "dj": {}}
    apart = {"sm": [], "dj": []}  # side -> rows whose key matches an earlier row's only on that side
    for i, r in enumerate(rows):
        seen = {side: first[side].setdefault(r[f"{side}_key"], i) for side in ("sm", "dj") if r[f"{side}_key"]}
        for side, other in (("sm", "dj"), ("dj", "sm")):
            j = seen.get(side, i)
            if j != i and rows[j][f"{other}_key"] != r[f"{other}_key"]:
                apart[side].append((j, i))
    passed = {"empty after cleaning", "language", "quality", "filter"}.isdisjoint  # examples: rows both sides filter in
    for side, other in (("dj", "sm"), ("sm", "dj")):
        langs = Counter(rows[i]["lang"] for _, i in apart[side])
        print(f"\nexact-dedup key: {len(apart[side]):,} rows {name[side]} counts as copies of an earlier row that")
        fate = Counter(rows[i][other] for _, i in apart[side])
        print(f"{name[other]}'s key keeps apart ({dict(langs)}; {name[other]}'s verdict on them: {dict(fate)}), e.g.")
        pairs = [(j, i) for j, i in apart[side] if passed({rows[i]["sm"], rows[i]["dj"], rows[j]["sm"], rows[j]["dj"]})]
        for j, i in pairs[: args.examples]:
            print(f"    {show(' | '.join(rows[j]['content']), 150)}\n    {show(' | '.join(rows[i]['content']), 150)}")

    # Exact dedup keeps one member per group on both sides (Data-Juicer the first, sftmart the best
    # by quality score), not always the same one, and before (DJ) or after (sftmart) the filters:
    # a row one side keeps and the other drops as an exact duplicate is told by what became of the
    # member the other side kept instead.
    for side, other in (("sm", "dj"), ("dj", "sm")):
        only = [r for r in rows if r[side] == "kept" and r[other] != "kept"]
        print(f"\nkept by {name[side]} only: {len(only):,}, by {name[other]}'s stage and reason:")
        tally = Counter()
        for r in only:
            r["why"] = r[f"{other}_detail"]
            if r[other] == "exact dedup":
                rep = rows[r[f"{other}_rep"]]
                fate = "kept" if rep[other] == "kept" else f"dropped at {rep[f'{other}_detail']}"
                r["why"] = f"exact dup; the member kept instead: {fate}"
            tally[(r[other], r["why"], r["lang"])] += 1
        for (stage, why, lang), n in tally.most_common():
            print(f"  {n:>7,}  {stage:<12} {why:<64} {lang}")
            for r in [r for r in only if (r[other], r["why"], r["lang"]) == (stage, why, lang)][: args.examples]:
                print(f"             e.g. {show(r['content'][0])} -> {show(r['content'][2], 70)}")


if __name__ == "__main__":
    sys.exit(main())
