"""A small raw_root with planted problems and the exact outcome each record should have."""

from __future__ import annotations

import json
from pathlib import Path

EN = [
    (
        "Explain why the sky looks blue on a clear afternoon.",
        "Sunlight contains every visible colour. Air molecules scatter short blue wavelengths much more "
        "strongly than long red ones, so blue light reaches our eyes from every direction of the sky. "
        "That scattered light is what we see as a blue sky. The answer: Rayleigh scattering.",
    ),
    (
        "A farmer has 17 sheep and buys 8 more, then sells 5. How many sheep does the farmer have now?",
        "The farmer starts with 17 sheep. Buying 8 more gives 17 + 8 = 25 sheep. Selling 5 leaves "
        "25 - 5 = 20 sheep in the field at the end of the day. So the final answer is 20.",
    ),
    (
        "Is the following claim true? Penguins are able to fly long distances over the ocean.",
        "Penguins are flightless birds. Their wings evolved into flippers that make them excellent "
        "swimmers, but they cannot fly through the air at all, let alone over long distances. "
        "So the claim is false.",
    ),
    (
        "Which of these sentences goes against common sense? Options: (A) He put the milk in the fridge. "
        "(B) He put the elephant in the fridge.",
        "An elephant is far too large to fit inside a household fridge, while a carton of milk fits "
        "easily and is usually kept cold there. Sentence (B) goes against common sense.",
    ),
    (
        "Summarise the water cycle in a few sentences for a ten year old student.",
        "Water warms up in the sun and rises into the air as vapour. High in the sky it cools down and "
        "turns into tiny droplets that form clouds. When the droplets get heavy they fall as rain or "
        "snow, flow into rivers and seas, and the whole journey starts again.",
    ),
    (
        "What is the capital city of Australia, and why is it not Sydney?",
        "The capital of Australia is Canberra. When the colonies federated in 1901, Sydney and "
        "Melbourne both wanted the honour, so a compromise site between them was chosen and the new "
        "city of Canberra was built there on purpose.",
    ),
    (
        "Write a short Python function that returns the largest number in a list.",
        "Here is a simple version that walks the list once:\n\ndef largest(values):\n    best = values[0]\n"
        "    for value in values[1:]:\n        if value > best:\n            best = value\n    return best",
    ),
    (
        "Convert 3.5 kilometres to metres and explain the steps you used.",
        "One kilometre equals one thousand metres. Multiplying 3.5 by 1000 moves the decimal point three "
        "places to the right, which gives 3500. Therefore 3.5 kilometres is the same as 3500 metres.",
    ),
]
ZH = [
    (
        "请解释为什么人们需要每天喝足够的水。",
        "水是人体最重要的组成部分之一，参与消化、体温调节和营养物质的运输。每天喝足够的水可以帮助身体排出代谢废物，"
        "保持皮肤湿润，并让大脑保持清醒和专注。",
    ),
    (
        "列举三种常见的可再生能源，并简单说明它们的来源。",
        "第一是太阳能，来自太阳的光和热；第二是风能，来自空气流动产生的动能；第三是水能，来自河流和潮汐中水的运动。"
        "这些能源可以不断补充，不会像煤炭那样被用完。",
    ),
    (
        "把下面这句话翻译成英文：我每天早上七点起床。",
        "这句话的英文是：I get up at seven o'clock every morning. 其中“起床”对应 get up，“每天早上”对应 every morning。",
    ),
    (
        "小明有十二个苹果，给了同学五个，又买了三个，现在他有几个苹果？",
        "小明原来有十二个苹果，给了同学五个以后剩下七个，再买三个就是十个。所以小明现在一共有十个苹果。",
    ),
    (
        "请写一段关于秋天的简短描写。",
        "秋天来了，树叶渐渐变成金黄色和火红色，在微风中轻轻飘落。田野里的稻谷成熟了，空气中弥漫着果实的香甜，"
        "天空显得格外高远和明净。",
    ),
]


def record(instruction: str, output: str, input: str = "") -> dict:
    return {"instruction": instruction, "input": input, "output": output}


def near_copy(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def write_fixture(root: Path) -> dict:
    """Writes the raw_root and returns the expected counts per stage outcome."""
    en = [record(i, o) for i, o in EN]
    zh = [record(i, o) for i, o in ZH]
    en_dups = [
        dict(en[0]),  # identical
        record(EN[0][0].upper(), EN[0][1].upper()),  # case only
        record(EN[0][0] + "  ", EN[0][1].replace(".", " . ")),  # spacing/punctuation
    ]
    en_near = [
        record(EN[4][0], near_copy(EN[4][1], "warms up", "heats up")),
        record(EN[4][0], near_copy(EN[4][1], "tiny droplets", "small droplets")),
    ]
    zh_dups = [record(ZH[1][0], ZH[1][1] + "！")]
    zh_near = [record(ZH[4][0], near_copy(ZH[4][1], "金黄色", "橙黄色"))]
    junk = [
        record("Say ok.", "ok"),  # too short (en, n_chars < 30)
        record("Laugh for me please, as loud as you can manage right now.", "ha" * 200),  # repetition
        record("<p><br></p>", "<div></div>"),  # empty after cleaning
        record(
            "Quelle est la capitale de la France et pourquoi est-elle célèbre ?",
            "La capitale de la France est Paris. Elle est célèbre pour ses musées, ses monuments "
            "et sa longue histoire.",
        ),  # language other
    ]
    cleaned_but_kept = record(
        "Visit <b>https://example.com/page</b> or mail help@example.com, then describe a rainbow.",
        "A rainbow appears when sunlight passes through raindrops, which bend and split the light into "
        "its colours.\\nThe colours always appear in the same order from red to violet.",
    )
    (root / "cot-en").mkdir(parents=True)
    (root / "alpaca-zh").mkdir()
    (root / "broken").mkdir()
    (root / "cot-en" / "part-0.json").write_text(
        json.dumps(en + en_dups + en_near + junk + [cleaned_but_kept], ensure_ascii=False), encoding="utf-8"
    )
    (root / "alpaca-zh" / "part-0.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in zh + zh_dups + zh_near) + "\n", encoding="utf-8"
    )
    (root / "broken" / "lines.jsonl").write_text(
        json.dumps(
            record(
                "A fine record that should land and survive the filters.",
                "It has enough words and characters to pass every quality threshold we set.",
            )
        )
        + "\n"
        + '{"instruction": "broken json", "output": \n'
        + "[1, 2, 3]\n"
        + json.dumps({"instruction": "no output field here"})
        + "\n",
        encoding="utf-8",
    )
    (root / "broken" / "readme.txt").write_text("not a data file", encoding="utf-8")
    (root / "leak").mkdir()  # copies of bundled evaluation records (issue 11)
    (root / "leak" / "part-0.json").write_text(json.dumps(leaked_records(), ensure_ascii=False), encoding="utf-8")
    return {
        "input_units": len(en) + 3 + 2 + 4 + 1 + len(zh) + 1 + 1 + 4 + 1 + 2,
        "rejected": {"broken_json": 1, "not_an_object": 1, "missing_field": 1, "unsupported_file_type": 1},
        "empty_instruction_or_output": 1,
        "language_other": 1,
        "quality_dropped": 2,
        "exact_duplicate": 3 + 1,
        "near_duplicate": 2 + 1,
        # leak/: removed before the pool (the near copy repeats the question: rule `question` names it)
        "eval_contamination": {"exact_record": 1, "question": 1},
        "pool": {"en": len(EN) + 2, "zh": len(ZH)},  # + cleaned_but_kept + the good broken/ line
    }


# --------------------------------------------------------------------------- evaluation data (issue 11)

BUNDLED_EVAL = Path(__file__).resolve().parent.parent / "sample_data" / "eval"
# Two bundled evaluation records (sample_data/eval/qa-en) that write_fixture leaks into the
# training data: an exact copy (up to case and punctuation) and a near copy (last word changed).
LEAK_EXACT = "Write a short, polite reply declining an invitation to dinner on Friday."
LEAK_NEAR = "Explain in one sentence why ice floats on water."


def bundled_eval_record(instruction: str) -> dict:
    [found] = [
        r
        for r in json.loads((BUNDLED_EVAL / "qa-en" / "questions.json").read_text(encoding="utf-8"))
        if r["instruction"] == instruction
    ]
    return found


def leaked_records() -> list[dict]:
    """Training records that copy evaluation rows: removed as eval_contamination (exact_record,
    question; the second is also a near_record match)."""
    exact = bundled_eval_record(LEAK_EXACT)
    near = bundled_eval_record(LEAK_NEAR)
    words = near["output"].rstrip(".").split(" ")
    return [
        record(exact["instruction"].upper(), exact["output"].replace(",", " ,")),
        record(near["instruction"], " ".join(words[:-1] + ["underwater"]) + "."),
    ]


# A broken evaluation file: (record, expected reason or None when it lands and is evaluated)
EVAL_BROKEN = [
    ({"instruction": "Which number is even?", "output": "4", "options": ["3", "4", "5"], "answer": "B"}, None),
    ({"instruction": "Pick the fruit.", "output": "apple", "options": ["apple", "chair"], "answer": "apple"}, None),
    ({"instruction": "Pick one.", "output": "x", "options": ["x"], "answer": 0}, "rejected:malformed_options"),
    ({"instruction": "Pick one.", "output": "x", "options": ["x", 7], "answer": 0}, "rejected:malformed_options"),
    ({"instruction": "Pick one.", "output": "x", "options": ["x", "y"], "answer": 5}, "rejected:malformed_answer"),
    ({"instruction": "Pick one.", "output": "x", "options": ["x", "y"], "answer": True}, "rejected:malformed_answer"),
    ({"instruction": "Pick one.", "output": "x", "answer": "x"}, "rejected:malformed_options"),
    (
        {
            "instruction": "Quelle est la couleur du ciel par une belle journée d'été ?",
            "output": "Le ciel est bleu par une belle journée d'été.",
        },
        "language_not_kept:other",
    ),
    ({"instruction": "   ", "output": "nothing to ask"}, "empty_instruction_or_output"),
]


def write_eval_fixture(root: Path) -> dict:
    """An eval_root: the bundled evaluation set plus `broken/checks.jsonl` (EVAL_BROKEN, then a line
    of broken JSON). Returns the expected outcomes."""
    import shutil

    shutil.copytree(BUNDLED_EVAL, root)
    (root / "broken").mkdir()
    lines = [json.dumps(r, ensure_ascii=False) for r, _ in EVAL_BROKEN] + ['{"instruction": "cut', ""]
    (root / "broken" / "checks.jsonl").write_text("\n".join(lines), encoding="utf-8")
    sets = {p.name: p for p in BUNDLED_EVAL.iterdir() if p.is_dir()}
    return {
        "bundled_sets": sorted(sets),
        "broken_kept": sum(reason is None for _, reason in EVAL_BROKEN),
        "quarantine": sorted([reason for _, reason in EVAL_BROKEN if reason] + ["rejected:broken_json"]),
    }
