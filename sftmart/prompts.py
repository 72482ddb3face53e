"""The Alpaca prompt in Python, from the one template there is: the dbt macros `alpaca_prompt`
and `template_lang` (dbt_project/macros/alpaca_prompt.sql), rendered with plain Jinja and run in
DuckDB, so Python (training examples, benchmarks) builds byte-for-byte the prompts the warehouse
builds, with the same "is Han" rule."""

from __future__ import annotations

from functools import lru_cache

from sftmart.paths import DBT_PROJECT_DIR

MACROS = DBT_PROJECT_DIR / "macros" / "alpaca_prompt.sql"


@lru_cache(maxsize=1)
def _prompt_sql() -> str:
    """A query that turns a table `rows(i, instruction, input)` into (i, lang, prompt)."""
    from jinja2 import Environment

    macros = Environment().from_string(MACROS.read_text(encoding="utf-8")).make_module()
    lang = macros.template_lang("instruction", "input")
    prompt = macros.alpaca_prompt("instruction", "input", "lang")
    return f"select i, lang, {prompt} as prompt from (select *, {lang} as lang from rows) order by i"


def alpaca_prompts(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(template language, prompt) for each (instruction, input) pair, in order."""
    import duckdb
    import pyarrow as pa

    rows = pa.table(
        {"i": list(range(len(pairs))), "instruction": [p[0] or "" for p in pairs], "input": [p[1] or "" for p in pairs]}
    )
    with duckdb.connect() as con:
        con.register("rows", rows)
        return [(lang, prompt) for _, lang, prompt in con.execute(_prompt_sql()).fetchall()]


def alpaca_prompt(instruction: str, input: str = "") -> str:
    return alpaca_prompts([(instruction, input)])[0][1]


def template_lang(instruction: str, input: str = "") -> str:
    """'zh' when the instruction or input holds a Han character, else 'en'."""
    return alpaca_prompts([(instruction, input)])[0][0]
