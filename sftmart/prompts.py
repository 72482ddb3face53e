"""The Alpaca prompt template (English and Chinese variants), as the FT-Data-Ranker kit used it.

The SQL macro `alpaca_prompt` in dbt_project/macros/alpaca_prompt.sql builds the same strings;
tests/test_prompts.py keeps the two in step.
"""
from __future__ import annotations

import re

TEMPLATES = {
    ("en", True): ("Below is an instruction that describes a task, paired with an input that provides further "
                   "context. Write a response that appropriately completes the request.\n\n"
                   "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n"),
    ("en", False): ("Below is an instruction that describes a task. Write a response that appropriately "
                    "completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:\n"),
    ("zh", True): ("以下是描述任务的指令，以及提供更多上下文的输入。请编写一个恰当完成该请求的回答。\n\n"
                   "### 指令:\n{instruction}\n\n### 输入:\n{input}\n\n### 回答:\n"),
    ("zh", False): "以下是描述任务的指令。请编写一个恰当完成该请求的回答。\n\n### 指令:\n{instruction}\n\n### 回答:\n",
}
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df]")


def template_lang(instruction: str, input: str = "") -> str:
    return "zh" if _HAN.search((instruction or "") + (input or "")) else "en"


def alpaca_prompt(instruction: str, input: str = "", lang: str | None = None) -> str:
    lang = lang or template_lang(instruction, input)
    return TEMPLATES[(lang, bool(input))].format(instruction=instruction, input=input or "")
