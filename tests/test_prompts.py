import duckdb
import pytest
from jinja2 import Environment

from sftmart.paths import DBT_PROJECT_DIR
from sftmart.prompts import alpaca_prompt, template_lang


def render_macro_sql(instruction: str, input: str) -> str:
    """Renders dbt's alpaca_prompt / template_lang macros with plain Jinja and runs them in DuckDB."""
    source = (DBT_PROJECT_DIR / "macros" / "alpaca_prompt.sql").read_text()
    env = Environment()
    module = env.from_string(source).make_module()
    lang_sql = module.template_lang("i", "inp")
    prompt_sql = module.alpaca_prompt("i", "inp", "lang")
    with duckdb.connect() as con:
        return con.execute(
            f"select {prompt_sql} from (select *, {lang_sql} as lang from (select ? as i, ? as inp))",
            [instruction, input]).fetchone()[0]


@pytest.mark.parametrize("instruction,input", [
    ("Name three primary colours.", ""),
    ("Translate the sentence.", "The cat sleeps."),
    ("给出三个保持健康的秘诀。", ""),
    ("翻译下面的句子。", "I like tea."),
])
def test_sql_macro_and_python_template_agree(instruction, input):
    assert render_macro_sql(instruction, input) == alpaca_prompt(instruction, input)


def test_template_language_follows_han_characters():
    assert template_lang("What is 2+2?") == "en"
    assert template_lang("什么是三原色？") == "zh"
    assert "### Response:" in alpaca_prompt("Say hi.")
    assert "### Input:\nabc" in alpaca_prompt("Echo.", "abc")
