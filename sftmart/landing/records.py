"""Record checks: is a parsed JSON value an Alpaca record, and how a bad one is shown.

A record is an object with string `instruction` and `output`, an optional string (or null)
`input`, an optional `meta` of any JSON, stored as JSON text, and optional multiple-choice
`options` and `answer` (checked in choices.py). `check_record` returns the
fields or a (reason code, sentence) pair; the excerpt helpers make the first EXCERPT_CHARS of
the offending text storable (bytes that are not UTF-8 shown as \\xNN).
"""

from __future__ import annotations

import json
import re

from sftmart.landing.choices import Rejection, check_choices

EXCERPT_CHARS = 200
SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class NonStandardConstant(ValueError):
    pass


def _reject_constant(name: str):
    raise NonStandardConstant(f"non-standard JSON constant {name}")


DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def excerpt_text(text: str) -> str:
    """First 200 characters of decoded text; bytes kept by surrogateescape are shown as \\xNN."""
    head = text[:EXCERPT_CHARS]
    try:
        return head.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return head.encode("utf-8", "backslashreplace").decode("utf-8")


def excerpt_bytes(data: bytes) -> str:
    return data[: EXCERPT_CHARS * 4].decode("utf-8", "backslashreplace")[:EXCERPT_CHARS]


def has_lone_surrogate(value) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if SURROGATE.search(v):
                return True
        elif isinstance(v, dict):
            for k, x in v.items():
                if SURROGATE.search(k):
                    return True
                stack.append(x)
        elif isinstance(v, list):
            stack.extend(v)
    return False


def lone_surrogate_field(obj) -> str | None:
    """Name of the first top-level key whose key or value holds a lone surrogate (records only)."""
    if not isinstance(obj, dict):
        return "(record)" if has_lone_surrogate(obj) else None
    for k, v in obj.items():
        if SURROGATE.search(k) or has_lone_surrogate(v):
            return k.encode("utf-8", "backslashreplace").decode("utf-8")
    return None


def check_record(obj):
    """Validate a parsed record.

    Returns ``(instruction, input, output, meta_json, options_json, answer_index)`` for a good
    record or ``(code, reason)`` for a bad one.
    """
    if type(obj) is not dict:
        return "not_an_object", f"the record is a JSON {json_type(obj)}, not an object"
    ins = obj.get("instruction")
    inp = obj.get("input")
    out = obj.get("output")
    if not (type(ins) is str and type(out) is str and (inp is None or type(inp) is str)):
        for name, value in (("instruction", ins), ("input", inp), ("output", out)):
            if value is None:
                if name == "input":
                    continue
                what = "missing" if name not in obj else "null"
                return "missing_field", f"required field '{name}' is {what}"
            if type(value) is not str:
                return "wrong_type", (f"field '{name}' is a JSON {json_type(value)}, expected a string")
        raise AssertionError("unreachable")  # pragma: no cover
    if inp is None:
        inp = ""
    if "meta" in obj:
        try:
            meta = json.dumps(obj["meta"], ensure_ascii=False, separators=(",", ":"))
        except (RecursionError, ValueError) as e:
            return "broken_json", f"field 'meta' cannot be stored as JSON ({type(e).__name__})"
    else:
        meta = None
    choices = check_choices(obj)
    if isinstance(choices, Rejection):
        return choices.code, choices.reason
    return ins, inp, out, meta, *choices
