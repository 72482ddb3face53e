"""Multiple-choice fields of a record: `options` and `answer`, checked and normalised.

A record may carry `options`, a list of at least two distinct non-empty strings, and `answer`,
which names the right option as a 0-based index (an integer), as the option's text, or as a
letter ('A' is the first option; case-insensitive). An answer that is both an option's text and
a letter means the text. The two come together or not at all (null counts as absent). The landing
stores `options` as JSON text and the answer as `answer_index` (0-based); a record whose options
or answer break these rules is rejected with `malformed_options` or `malformed_answer`.
Evaluation sets use this (lm-evaluation-harness's multiple-choice shape: choices + gold index).
"""

from __future__ import annotations

import json
import string
from typing import NamedTuple

LETTERS = string.ascii_uppercase
MIN_OPTIONS = 2


class Rejection(NamedTuple):
    code: str
    reason: str


def _kind(value) -> str:
    from sftmart.landing.records import json_type

    return json_type(value)


def _check_options(options) -> Rejection | None:
    if type(options) is not list:
        return Rejection(
            "malformed_options", f"field 'options' is a JSON {_kind(options)}, expected an array of strings"
        )
    if len(options) < MIN_OPTIONS:
        return Rejection("malformed_options", f"field 'options' holds {len(options)} option(s), at least 2 are needed")
    if len(options) > len(LETTERS):
        return Rejection("malformed_options", f"field 'options' holds {len(options)} options, at most 26 are allowed")
    seen: dict[str, int] = {}
    for i, option in enumerate(options):
        if type(option) is not str:
            return Rejection("malformed_options", f"option {i} is a JSON {_kind(option)}, expected a string")
        if not option.strip():
            return Rejection("malformed_options", f"option {i} is empty")
        if option.strip() in seen:
            return Rejection("malformed_options", f"options {seen[option.strip()]} and {i} are the same text")
        seen[option.strip()] = i
    return None


def _answer_index(answer, options: list[str]) -> int | Rejection:
    n = len(options)
    if type(answer) is int:
        if 0 <= answer < n:
            return answer
        return Rejection("malformed_answer", f"answer {answer} is not an option index (0 to {n - 1}, 0-based)")
    if type(answer) is not str:
        return Rejection(
            "malformed_answer", f"field 'answer' is a JSON {_kind(answer)}, expected an index, an option or a letter"
        )
    text = answer.strip()
    for i, option in enumerate(options):
        if option.strip() == text:
            return i
    if len(text) == 1 and text.upper() in LETTERS[:n]:
        return LETTERS.index(text.upper())
    shown = text if len(text) <= 40 else text[:40] + "..."
    return Rejection(
        "malformed_answer", f"answer {shown!r} is neither one of the {n} options nor a letter A to {LETTERS[n - 1]}"
    )


def check_choices(obj: dict) -> tuple[str | None, int | None] | Rejection:
    """`(options_json, answer_index)` of a record (`(None, None)` when it has neither field), or a
    `Rejection` (code, sentence)."""
    options, answer = obj.get("options"), obj.get("answer")
    if options is None and answer is None:
        return None, None
    if options is None:
        return Rejection("malformed_options", "field 'answer' is given but 'options' is missing or null")
    bad = _check_options(options)
    if bad is not None:
        return bad
    if answer is None:
        return Rejection("malformed_answer", "field 'options' is given but 'answer' is missing or null")
    index = _answer_index(answer, options)
    if isinstance(index, Rejection):
        return index
    return json.dumps(options, ensure_ascii=False, separators=(",", ":")), index
