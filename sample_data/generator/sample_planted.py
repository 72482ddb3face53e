"""The planted problems of the bundled sample and the files they go to: exact duplicates (copies,
case, whitespace or punctuation changed), near-duplicates (a word or two of a passage changed) and
junk (each failing one quality threshold), interleaved with the good records (sample_records.py)."""

from __future__ import annotations

import random

from sample_arithmetic_en import ARITHMETIC_TEMPLATES
from sample_records import (
    CLAIMS,
    ECQA,
    EXPLAIN,
    GEOGRAPHY,
    LIST_TASKS,
    LONG_ZH,
    MIXED_EN,
    MIXED_OTHER,
    MIXED_ZH,
    NL,
    QA_ZH,
    SCIENCE,
    SENSEMAKING,
    TRANSLATE_EN_ZH,
    TRANSLATE_ZH_EN,
    chinese_records,
    english_records,
    meta,
    rec,
)

SEED = 20240521


def near_variant(r: dict, edits: list[tuple[str, str]], **extra) -> dict:
    """A copy of r with a word or two (zh: a character or two) changed in the input passage."""
    v = dict(r, **extra)
    for old, new in edits:
        field = next(f for f in ("input", "output", "instruction") if old in v[f])
        v[field] = v[field].replace(old, new, 1)
    return v


def shout(r: dict) -> dict:
    return dict(r, instruction=r["instruction"].upper(), output=r["output"].upper())


def lower(r: dict) -> dict:
    return dict(r, instruction=r["instruction"].lower(), output=r["output"].lower())


def respace(r: dict) -> dict:
    """Same words, different whitespace: doubled spaces, a tab, trailing blanks."""
    return dict(
        r,
        instruction="  " + r["instruction"].replace(" ", "  ", 3) + " \t",
        output=r["output"].replace(". ", ".   ") + "\n",
    )


def repunct(r: dict) -> dict:
    """Same words, different punctuation."""
    out = r["output"]
    out = (out[:-1] + "!") if out.endswith((".", "。")) else out + "!"
    return dict(
        r,
        instruction=r["instruction"].replace("?", " ?").replace("？", "?"),
        output=out.replace(",", "", 1).replace("，", ",", 1),
    )


def junk_en(rng: random.Random) -> list[tuple[str, dict]]:
    symbols = "@#$%^&*()_+{}|:<>?~=-[]\\;',./`!"
    spam = "".join(rng.choice(symbols) for _ in range(160))
    urls = " ".join(f"http://cheap-deals-{i}.example.com/offer?id={rng.randint(1000, 9999)}" for i in range(8))
    return [
        ("too short", rec("hi", "ok")),
        ("too short", rec("Answer?", "Yes.")),
        ("character repetition", rec("Say something funny.", "ha" * 50)),
        ("symbols only", rec("Draw a divider line", spam)),
        ("URL spam (nothing left after cleaning)", rec("Links", urls)),
        (
            "HTML tags only (nothing left after cleaning)",
            rec(
                "<div><span></span></div>",
                '<div class="ad"><img src="banner.png"/><br/><span><a href="#"></a></span></div>' * 4,
            ),
        ),
        (
            "flagged words",
            rec(
                "Write a product description.",
                "Hot sexy nude models, free porn and xxx videos every day. Join our porn site now for the best xxx deals and nude pics.",
            ),
        ),
        ("word repetition", rec("Describe your weekend.", "I went to the shop and bought some bread. " * 12)),
        (
            "no line of 20 characters (max_line_length)",
            rec("List colours", NL.join(["red", "blue", "green", "pink", "gold", "gray", "teal"])),
        ),
    ]


def junk_zh() -> list[tuple[str, dict]]:
    return [
        ("too short", rec("你好", "好的")),
        ("character repetition", rec("讲个笑话", "哈" * 80)),
        (
            "symbols only",
            rec("画一条分隔线", "！！！……。。。？？？～～～【】【】《》《》！！！……。。。？？？～～～" * 3),
        ),
        (
            "URL spam (nothing left after cleaning)",
            rec("点击领取", " ".join(f"https://hongbao{i}.example.cn/get?u={i * 37}" for i in range(6))),
        ),
    ]


def junk_mixed() -> list[tuple[str, dict]]:
    return [
        (
            "emoji spam (special characters)",
            rec("Reply with emoji only", "😂🤣🔥💯" * 30, meta=meta("instruct-style", "EN", "MT")),
        ),
        ("word repetition", rec("Type a test message.", "test " * 60, meta=meta("instruct-style", "EN", "MT"))),
    ]


# (base index, edits) for the near-duplicates
NEAR_EN = [
    (0, [("small pores", "tiny pores")]),
    (1, [("tiny specks", "small specks"), ("grow heavy", "grow large")]),
    (2, [("fell sharply", "fell quickly")]),
    (3, [("rich patch", "large patch"), ("on the honeycomb", "on the comb")]),
    (4, [("magma is lighter", "magma is less dense")]),
    (5, [("brought back horses", "brought back camels")]),
    (6, [("recognise it quickly", "recognise it rapidly"), ("before serious illness", "before severe illness")]),
]
NEAR_EN_MIXED = (7, [("roughly every day", "about every day")])
NEAR_ZH = [
    (0, [("总结出来", "归纳出来")]),
    (1, [("迅速传递", "很快传递")]),
    (2, [("饮茶之风盛行全国", "饮茶之风风行全国")]),
    (3, [("分布范围狭窄", "分布范围很小")]),
    (4, [("又轻又便宜", "又轻又便宜实用")]),
]
NEAR_ZH_MIXED = (5, [("分为四类", "分为四大类")])
NEAR_MIXED_OWN = (9, [("四个多小时", "四个半小时")])


def build() -> dict[str, list[tuple[str, str, dict]]]:
    """Per output file, the records in file order as (kind, note, record)."""
    rng = random.Random(SEED)
    en = english_records(rng)
    zh = chinese_records(rng)
    n_arith, n_claims, n_sm, n_ecqa = 2 * len(ARITHMETIC_TEMPLATES), len(CLAIMS), len(SENSEMAKING), len(ECQA)
    i_claims, i_sm = n_arith, n_arith + n_claims
    i_ecqa, i_sci = i_sm + n_sm, i_sm + n_sm + n_ecqa
    i_geo = i_sci + len(SCIENCE)
    i_long = i_geo + len(GEOGRAPHY)
    z_long = len(zh) - len(LONG_ZH)
    z_list = len(EXPLAIN) + len(TRANSLATE_EN_ZH) + len(TRANSLATE_ZH_EN)
    z_writing = z_list + len(LIST_TASKS)
    z_qa = z_long - len(QA_ZH)

    en_file = [("unique", "", r) for r in en]
    en_file += [
        ("exact_dup", "identical copy", dict(en[i_claims + 3])),
        ("exact_dup", "identical copy", dict(en[i_sm + 4])),
        ("exact_dup", "identical copy", dict(en[5])),
        ("exact_dup", "lower-cased copy", lower(en[i_ecqa + 2])),
        ("exact_dup", "upper-cased copy", shout(en[i_geo + 1])),
        ("exact_dup", "whitespace changed", respace(en[i_sci + 2])),
        ("exact_dup", "whitespace changed", respace(en[i_claims + 10])),
        ("exact_dup", "punctuation changed", repunct(en[i_ecqa + 7])),
    ]
    en_file += [
        ("near_dup", f"{len(e)} edit(s) of the passage record #{b}", near_variant(en[i_long + b], e))
        for b, e in NEAR_EN
    ]
    en_file += [("junk", why, r) for why, r in junk_en(rng)]

    zh_file = [("unique", "", r) for r in zh]
    zh_file += [
        ("exact_dup", "identical copy", dict(zh[3])),
        ("exact_dup", "identical copy", dict(zh[z_writing + 2])),
        ("exact_dup", "whitespace changed", respace(zh[z_list + 1])),
        ("exact_dup", "punctuation changed", repunct(zh[z_qa + 6])),
    ]
    zh_file += [
        ("near_dup", f"{len(e)} edit(s) of the passage record #{b}", near_variant(zh[z_long + b], e))
        for b, e in NEAR_ZH
    ]
    zh_file += [("junk", why, r) for why, r in junk_zh()]

    mixed_file = [("unique", "", r) for r in MIXED_EN + MIXED_ZH]
    mixed_file += [("other_lang", "French/Spanish: dropped by language tagging", r) for r in MIXED_OTHER]
    b, e = NEAR_EN_MIXED
    b2, e2 = NEAR_ZH_MIXED
    b3, e3 = NEAR_MIXED_OWN
    mixed_file += [
        (
            "exact_dup",
            "copy of a record in cot-en/reasoning.json",
            dict(en[i_sci + 5], meta=meta("cot-style", "EN", "TS")),
        ),
        (
            "exact_dup",
            "copy of a record in alpaca-zh/instructions.json, whitespace changed",
            dict(respace(zh[z_qa + 2]), meta=meta("belle-style", "CH", "MT")),
        ),
        ("exact_dup", "lower-cased copy of a record in this file", lower(MIXED_EN[1])),
        (
            "near_dup",
            "edit of a passage record in cot-en/reasoning.json",
            near_variant(en[i_long + b], e, meta=meta("cot-style", "EN", "TS")),
        ),
        (
            "near_dup",
            "edit of a passage record in alpaca-zh/instructions.json",
            near_variant(zh[z_long + b2], e2, meta=meta("belle-style", "CH", "MT")),
        ),
        ("near_dup", "edit of a record in this file", near_variant(MIXED_ZH[b3], e3)),
    ]
    mixed_file += [("junk", why, r) for why, r in junk_mixed()]

    # Interleave the planted records with the good ones (deterministically).
    for lst in (en_file, zh_file, mixed_file):
        rng.shuffle(lst)
    return {
        "cot-en/reasoning.json": en_file,
        "alpaca-zh/instructions.json": zh_file,
        "mixed/with_meta.jsonl": mixed_file,
    }
