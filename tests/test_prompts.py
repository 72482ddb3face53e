"""The prompt template: the dbt macro is the one template; Python renders it (sftmart.prompts)."""

import pytest

from sftmart.prompts import alpaca_prompt, alpaca_prompts, template_lang

# The FT-Data-Ranker kit's Alpaca templates, written out by hand as the oracle.
EXPECTED = {
    ("Name three primary colours.", ""): (
        "Below is an instruction that describes a task. Write a response that appropriately completes the "
        "request.\n\n### Instruction:\nName three primary colours.\n\n### Response:\n"
    ),
    ("Translate the sentence.", "The cat sleeps."): (
        "Below is an instruction that describes a task, paired with an input that provides further context. "
        "Write a response that appropriately completes the request.\n\n### Instruction:\nTranslate the "
        "sentence.\n\n### Input:\nThe cat sleeps.\n\n### Response:\n"
    ),
    ("给出三个保持健康的秘诀。", ""): (
        "以下是描述任务的指令。请编写一个恰当完成该请求的回答。\n\n### 指令:\n给出三个保持健康的秘诀。\n\n### 回答:\n"
    ),
    ("翻译下面的句子。", "I like tea."): (
        "以下是描述任务的指令，以及提供更多上下文的输入。请编写一个恰当完成该请求的回答。\n\n### 指令:\n"
        "翻译下面的句子。\n\n### 输入:\nI like tea.\n\n### 回答:\n"
    ),
}


@pytest.mark.parametrize("pair", list(EXPECTED))
def test_the_macro_builds_the_competition_template(pair):
    assert alpaca_prompt(*pair) == EXPECTED[pair]


def test_many_at_once_keep_their_order():
    pairs = list(EXPECTED) * 50
    assert [prompt for _, prompt in alpaca_prompts(pairs)] == [EXPECTED[p] for p in pairs]


def test_template_language_follows_han_characters():
    assert template_lang("What is 2+2?") == "en"
    assert template_lang("什么是三原色？") == "zh"
    assert template_lang("Translate this.", "猫") == "zh"  # Han in the input alone
    assert template_lang("{{ '{' }} and ''quotes'' -- stay text") == "en"
