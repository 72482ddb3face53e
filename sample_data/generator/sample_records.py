"""The good records of the bundled sample: English chain-of-thought records, Chinese instruction
records and records with a Data-Juicer `meta` object, from the arithmetic templates
(sample_arithmetic_en.py, sample_arithmetic_zh.py) and the texts in sample_texts.json (its
`_tables` says what each entry of a table holds)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from sample_arithmetic_en import ARITHMETIC_TEMPLATES
from sample_arithmetic_zh import ARITH_ZH

NL = "\\n"  # a literal backslash-n, the way Alpaca-CoT ships line breaks
TEXTS = json.loads(Path(__file__).with_name("sample_texts.json").read_text(encoding="utf-8"))
CLAIMS, SENSEMAKING, ECQA = TEXTS["CLAIMS"], TEXTS["SENSEMAKING"], TEXTS["ECQA"]
SCIENCE, GEOGRAPHY, LONG_EN, HTML_RECORD = TEXTS["SCIENCE"], TEXTS["GEOGRAPHY"], TEXTS["LONG_EN"], TEXTS["HTML_RECORD"]
EXPLAIN, TRANSLATE_EN_ZH, TRANSLATE_ZH_EN = TEXTS["EXPLAIN"], TEXTS["TRANSLATE_EN_ZH"], TEXTS["TRANSLATE_ZH_EN"]
LIST_TASKS, WRITING, QA_ZH, LONG_ZH = TEXTS["LIST_TASKS"], TEXTS["WRITING"], TEXTS["QA_ZH"], TEXTS["LONG_ZH"]
MIXED_EN, MIXED_ZH, MIXED_OTHER = TEXTS["MIXED_EN"], TEXTS["MIXED_ZH"], TEXTS["MIXED_OTHER"]


def rec(instruction: str, output: str, input: str = "", **extra) -> dict:
    r = {"instruction": instruction, "input": input, "output": output}
    r.update(extra)
    return r


def meta(dataset: str, lang: str, task: str, **extra) -> dict:
    m = {"Dataset": dataset, "Lang": lang, "Task": task, "origin_path": f"sftmart-sample/{dataset}/with_meta.jsonl"}
    m.update(extra)
    return m


TRIGGERS = [
    "Let's think first. Some quick reasoning:",
    "Think it through step by step.",
    "Reason briefly, then give the answer.",
    "Stream of consciousness first:",
    "Let's work it out carefully.",
    "Show the reasoning before the answer.",
    "Give your reasoning, then answer.",
    "Be careful and explain yourself.",
]
FINALS = [
    "So the answer is {a}.",
    "The final answer: {a}.",
    "Therefore, the answer is {a}.",
    "Hence the answer is {a}.",
    "The answer is {a}.",
]


def options_block(rng: random.Random, correct, distractors) -> tuple[str, str]:
    """Five lettered options in Alpaca-CoT AQuA style; returns (text, correct letter)."""
    opts = [correct] + list(distractors)[:4]
    rng.shuffle(opts)
    letters = "ABCDE"
    text = NL.join(f"({letters[i]}) {o}" for i, o in enumerate(opts))
    return text, f"({letters[opts.index(correct)]})"


def english_records(rng: random.Random) -> list[dict]:
    out: list[dict] = []
    # Arithmetic word problems: every template has two phrasings and is used twice.
    for t_i, template in enumerate(ARITHMETIC_TEMPLATES):
        for k in range(2):
            q, reasoning, answer, distractors, with_options = template(rng, k)
            trig = TRIGGERS[(t_i * 2 + k) % len(TRIGGERS)]
            final = FINALS[(t_i + k) % len(FINALS)]
            if with_options:
                opts, letter = options_block(rng, answer, distractors)
                instruction = (
                    f"Question: {q}{NL}Options:{NL}{opts} {trig}" if k == 0 else f"{q}{NL}Options:{NL}{opts}{NL}{trig}"
                )
                output = f"{reasoning} {final.format(a=letter)}"
            else:
                instruction = f"{q} {trig}"
                output = f"{reasoning} {final.format(a=answer)}"
            out.append(rec(instruction, output))
    # Common-sense claims (CREAK style).
    claim_forms = [
        'Claim: "{c}"'
        + NL
        + "Is the claim above correct, and can it be verified by human common sense and without a web search?"
        + NL
        + "Options:"
        + NL
        + "- yes"
        + NL
        + "- no {t}",
        "{c}" + NL + "Is the above claim true?" + NL + "Options:" + NL + "- yes" + NL + "- no",
        "Is the following sentence factually correct?"
        + NL
        + '"{c}"'
        + NL
        + "Options:"
        + NL
        + "- yes"
        + NL
        + "- no {t}",
        "Yes or no: is this a verifiable fact?" + NL + '"{c}"',
        '"{c}"' + NL + "Does the sentence above make sense and is it true? {t}",
    ]
    claim_finals = [
        "So the answer is {a}.",
        "The answer is {a}.",
        "Therefore, the final answer is {a}.",
        "So, the answer is {a}.",
        "The final answer: {a}.",
    ]
    for i, (claim, answer, reason) in enumerate(CLAIMS):
        form = claim_forms[i % len(claim_forms)]
        out.append(
            rec(
                form.format(c=claim, t=TRIGGERS[i % len(TRIGGERS)]),
                f"{reason} {claim_finals[(i // 2) % len(claim_finals)].format(a=answer)}",
            )
        )
    # Sense-making: which of two sentences is against common sense.
    sm_forms = [
        "Which of the following two sentences does not make sense?"
        + NL
        + "Options:"
        + NL
        + '- Sentence A: "{a}"'
        + NL
        + '- Sentence B: "{b}"'
        + NL,
        "Of the following two sentences, which one is against common sense?"
        + NL
        + "Options:"
        + NL
        + '- Sentence A: "{a}"'
        + NL
        + '- Sentence B: "{b}"'
        + NL
        + " {t}",
        "{t} Pick the sentence that is nonsensical."
        + NL
        + "Options:"
        + NL
        + '- Sentence A: "{a}"'
        + NL
        + '- Sentence B: "{b}"',
        "One of the following sentences is illogical. Which one is it?"
        + NL
        + "Options:"
        + NL
        + '- Sentence A: "{a}"'
        + NL
        + '- Sentence B: "{b}"'
        + NL,
    ]
    for i, (sensible, odd, reason) in enumerate(SENSEMAKING):
        a, b, ans = (odd, sensible, "Sentence A") if i % 2 else (sensible, odd, "Sentence B")
        sep = NL if i % 3 == 0 else " "
        out.append(
            rec(
                sm_forms[i % len(sm_forms)].format(a=a, b=b, t=TRIGGERS[(i + 3) % len(TRIGGERS)]),
                f"{reason}{sep}{FINALS[i % len(FINALS)].format(a=ans)}",
            )
        )
    # Multiple-choice common-sense questions (ECQA style).
    for i, (question, options, answer, reason) in enumerate(ECQA):
        opts = list(options)
        rng.shuffle(opts)
        block = NL.join(f"- {o}" for o in opts)
        trig = TRIGGERS[(i + 5) % len(TRIGGERS)]
        instruction = (
            f"{question}{NL}Options:{NL}{block} {trig}" if i % 2 else f"{trig} {question}{NL}Options:{NL}{block}"
        )
        out.append(rec(instruction, f"{reason} So the final answer is {answer}."))
    # Science explanations and geography questions.
    sci_forms = [
        "{q} Explain your reasoning.",
        "Answer the question and explain why." + NL + "{q}",
        "{q} Think it through before answering.",
        "Question: {q}" + NL + "Reasoning and answer:",
    ]
    for i, (q, a) in enumerate(SCIENCE):
        out.append(rec(sci_forms[i % len(sci_forms)].format(q=q), a))
    geo_forms = [
        "{q}",
        "{q} Let's reason it out.",
        "Geography question: {q}",
        "{q}" + NL + "Answer with a short explanation.",
    ]
    for i, (q, a) in enumerate(GEOGRAPHY):
        out.append(rec(geo_forms[i % len(geo_forms)].format(q=q), a))
    # Reading comprehension with a passage in `input` (long: these are the near-duplicate bases).
    for instruction, passage, answer in LONG_EN:
        out.append(rec(instruction, answer, input=passage))
    out.append(rec(**HTML_RECORD))
    return out


def chinese_records(rng: random.Random) -> list[dict]:
    out: list[dict] = []
    explain_forms = [
        "请解释什么是{x}。",
        "用简单的语言解释一下{x}。",
        "{x}是什么意思？",
        "向一个小学生解释{x}。",
        "简要说明{x}的含义。",
    ]
    for i, (concept, text) in enumerate(EXPLAIN):
        out.append(rec(explain_forms[i % len(explain_forms)].format(x=concept), text))
    en_zh_forms = ["把下面的句子翻译成中文。", "请将这句英文翻译成中文：", "翻译成中文。", "将以下英文句子译为汉语。"]
    for i, (en, zh) in enumerate(TRANSLATE_EN_ZH):
        out.append(rec(en_zh_forms[i % len(en_zh_forms)], zh, input=en))
    for i, (zh, en) in enumerate(TRANSLATE_ZH_EN):
        out.append(rec("把下面这句话翻译成英文。" if i % 2 else "请翻译成英语：", en, input=zh))
    for instruction, answer in LIST_TASKS:
        out.append(rec(instruction, answer))
    for instruction, answer in WRITING:
        out.append(rec(instruction, answer))
    for template in ARITH_ZH:
        for k in range(2):
            q, a = template(rng, k)
            out.append(rec(q, a))
    for instruction, answer in QA_ZH:
        out.append(rec(instruction, answer))
    for instruction, passage, answer in LONG_ZH:
        out.append(rec(instruction, answer, input=passage))
    return out


# ================================================================================================
# Mixed records with a Data-Juicer `meta` object
