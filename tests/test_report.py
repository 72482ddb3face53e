"""The HTML pipeline report, built from a small dbt warehouse and checked in headless Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from headless_chromium import chromium
from pipeline_fixture import write_fixture

from sftmart.paths import REPO_ROOT
from sftmart.report import REPORT_FILE, TITLE, write_report

pytestmark = pytest.mark.slow

# arms and target say when none ran
REQUIRED_SECTIONS = ["overview", "funnel", "quarantine", "quality", "mix", "arms", "target"]


@pytest.fixture(scope="module")
def warehouse(validated_warehouse, tmp_path_factory):
    """A copy of the session's clean build (no model layer: the report needs none, and the optional
    tables are planted below), with the counts its raw_root was written to give."""
    _, validated, _ = validated_warehouse
    folder = tmp_path_factory.mktemp("report_warehouse")
    db_path = folder / "report_warehouse.duckdb"
    shutil.copyfile(validated, db_path)
    return db_path, write_fixture(folder / "raw")  # the same deterministic fixture: its expected counts


@pytest.fixture(scope="module")
def report(warehouse, tmp_path_factory) -> Path:
    db_path, _ = warehouse
    return write_report(db_path, tmp_path_factory.mktemp("report"))


def query(db_path, sql):
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql(sql).fetchall()


def section_ids(page: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)"', page)


def copy_without_optional_tables(db_path, copy) -> Path:
    """The warehouse without data quality results or learnability scores, whatever the build made."""
    shutil.copy(db_path, copy)
    with duckdb.connect(str(copy)) as con:
        optional = con.execute("""
            select t.table_schema, t.table_name, t.table_type from information_schema.tables as t
            where t.table_name = 'data_quality_results'
               or (select count(*) from information_schema.columns as c
                   where c.table_schema = t.table_schema and c.table_name = t.table_name
                     and c.column_name in ('h_base', 'h_guide')) = 2""").fetchall()
        for schema, table, kind in optional:
            con.execute(f'drop {"view" if kind == "VIEW" else "table"} "{schema}"."{table}"')
    return Path(copy)


def test_report_renders_without_the_optional_tables(warehouse, tmp_path):
    db_path, _ = warehouse
    bare = copy_without_optional_tables(db_path, tmp_path / "bare.duckdb")
    report = write_report(bare, tmp_path / "out", gx_docs="")
    assert report.name == REPORT_FILE and report.exists()
    page = report.read_text(encoding="utf-8")
    assert f"<title>{TITLE}</title>" in page
    assert section_ids(page) == REQUIRED_SECTIONS
    assert "Not available in this warehouse" not in page
    # the optional sections are left out, and the footer says why
    assert 'id="data-quality"' not in page and 'id="learnability"' not in page
    assert "marts.data_quality_results" in page
    # offline: every image is an embedded PNG and nothing points at the network
    images = re.findall(r'<img [^>]*src="([^"]{0,40})', page)
    assert len(images) >= 3 and all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page
    # the header totals match the warehouse
    [(units, landed, rejected)] = query(
        db_path,
        """
        select count(*), count(*) filter (where status = 'landed'), count(*) filter (where status = 'rejected')
        from raw.alpaca_cot_landing""",
    )
    for key, value in (("input_units", units), ("landed", landed), ("rejected", rejected)):
        assert f'data-total="{key}" data-value="{value}"' in page


def test_optional_sections_render_when_their_tables_exist(warehouse, tmp_path):
    db_path, _ = warehouse
    copy = copy_without_optional_tables(db_path, tmp_path / "with_optional.duckdb")
    with duckdb.connect(str(copy)) as con:
        con.execute("""
            create table marts.data_quality_results as select * from (values
              ('r1', timestamp '2026-01-01 09:00', 'marts', 'mix', 'expect_column_values_to_be_unique',
               'sample_id', 'error', false, 9, null),
              ('r2', timestamp '2026-01-02 09:00', 'raw', 'landing', 'expect_column_values_to_not_be_null',
               'record_id', 'error', true, 0, null),
              ('r2', timestamp '2026-01-02 09:00', 'marts', 'mix', 'expect_column_values_to_be_between',
               'n_tokens', 'warning', false, 3, '{"max_value": 4096}'))
            as t(run_id, validated_at, layer, suite, expectation, "column", severity, success,
                 unexpected_count, details)""")
        con.execute("""
            create table marts.mart_sample_learnability as
            select sample_id, lang, 2.0 + (n_tokens % 7) / 3.0 as h_base, 1.5 + (n_tokens % 5) / 3.0 as h_guide,
                   h_guide < h_base as is_learnable
            from marts.mart_training_mix""")
    docs = tmp_path / "gx_docs"
    docs.mkdir()
    (docs / "index.html").write_text("<html></html>", encoding="utf-8")

    page = write_report(copy, tmp_path / "out", gx_docs=docs).read_text(encoding="utf-8")
    assert section_ids(page) == REQUIRED_SECTIONS + ["data-quality", "learnability"]
    dq = page.split('id="data-quality"')[1].split("</section>")[0]
    assert "r2" in dq and "r1" not in dq  # only the latest run
    assert "1/1" in dq and "0/1" in dq  # raw passed, marts failed
    assert "expect_column_values_to_be_between" in dq and "warning" in dq
    assert "expect_column_values_to_be_unique" not in dq  # failed in the older run only
    assert f'href="{(docs / "index.html").resolve().as_uri()}"' in dq
    learn = page.split('id="learnability"')[1].split("</section>")[0]
    assert "marts.mart_sample_learnability" in learn and "data:image/png;base64," in learn
    assert "Learnable" in learn


def test_overview_names_the_evaluation_set(report):
    """An evaluated warehouse: its evaluation set in the overview, and no "evaluation is off" (the
    report of an eval_root none build: tests/test_eval_data.py)."""
    page = report.read_text(encoding="utf-8")
    assert "<dt>Evaluation set</dt><dd>122 records in 5 sets</dd>" in page  # the bundled 120 + 2 of broken/
    assert 'data-evaluation="off"' not in page and "eval_root: none" not in page


def test_cli_prints_the_report_path(warehouse, tmp_path):
    db_path, _ = warehouse
    done = subprocess.run(
        [sys.executable, "-m", "sftmart.report", "--db", str(db_path), "--out", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == str(tmp_path / REPORT_FILE)
    assert (tmp_path / REPORT_FILE).stat().st_size > 10_000


# Untrusted text as the data can carry it: a record's excerpt, a reason naming the bad input, a prompt
# in a validation failure's example rows. The report must show it as text, never run it.
HOSTILE_EXCERPT = '{"instruction": "<script>window.__xss = 1</script>", "output"'
HOSTILE_REASON = 'line 1: <img src=x onerror="window.__xss = 2"> is not JSON'
HOSTILE_PROMPT = "<script>window.__xss = 3</script>"


@pytest.fixture(scope="module")
def hostile_report(warehouse, tmp_path_factory) -> Path:
    """The report of a warehouse whose broken_json reject and a failed expectation carry markup."""
    db_path, _ = warehouse
    folder = tmp_path_factory.mktemp("hostile")
    copy = copy_without_optional_tables(db_path, folder / "hostile.duckdb")
    details = json.dumps({"description": "<b>bold</b> claim", "sample_rows": [{"instruction": HOSTILE_PROMPT}]})
    with duckdb.connect(str(copy)) as con:
        con.execute(
            """update raw.alpaca_cot_landing set excerpt = ?, reject_reason = ?
                       where status = 'rejected' and reject_reason_code = 'broken_json'""",
            [HOSTILE_EXCERPT, HOSTILE_REASON],
        )
        con.execute(
            """
            create table marts.data_quality_results as select * from (values
              ('r1', timestamp '2026-01-01 09:00', 'marts', 'mix', 'expect_column_values_to_be_unique',
               'sample_id', 'error', false, 1, ?::json))
            as t(run_id, validated_at, layer, suite, expectation, "column", severity, success,
                 unexpected_count, details)""",
            [details],
        )
    return write_report(copy, folder / "out", gx_docs="")


def test_untrusted_text_is_escaped(hostile_report):
    page = hostile_report.read_text(encoding="utf-8")
    assert "<script" not in page and "<img src=x" not in page and "<b>bold" not in page
    row = page.split('data-code="broken_json"')[1].split("</tr>")[0]
    [excerpt] = re.findall(r'<pre class="excerpt">(.*?)</pre>', row, re.S)
    assert "<" not in excerpt and html.unescape(excerpt) == HOSTILE_EXCERPT
    assert "&lt;script&gt;" in excerpt
    [reason] = re.findall(r'<td>([^<]*)<div class="where">', row)
    assert html.unescape(reason) == HOSTILE_REASON
    failing = page.split('id="dq-failing"')[1].split("</table>")[0]
    [examples] = re.findall(r'<pre class="excerpt examples">(.*?)</pre>', failing, re.S)
    assert "<" not in examples and HOSTILE_PROMPT in html.unescape(examples)
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in failing


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from chromium(tmp_path_factory.mktemp("chromium-profile"))


def test_report_in_a_real_browser(warehouse, report, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    db_path, expected = warehouse
    browser.get(report.as_uri())
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && [...document.images].every(i => i.complete)"
        )
    )
    assert browser.title == TITLE
    assert browser.find_element(By.TAG_NAME, "h1").text == TITLE
    shown_sections = [s.get_attribute("id") for s in browser.find_elements(By.TAG_NAME, "section")]
    assert shown_sections[: len(REQUIRED_SECTIONS)] == REQUIRED_SECTIONS

    # every plot decoded to a real image
    widths = browser.execute_script("return [...document.images].map(i => [i.alt, i.naturalWidth])")
    assert len(widths) >= 3
    assert all(width > 0 for _, width in widths), widths
    # nothing was fetched from the network
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
    assert not [r for r in resources if not r.startswith(("data:", "file:"))], resources

    # the funnel's numbers are the warehouse's
    funnel = browser.find_element(By.ID, "funnel-table")
    landed_rows_in = [
        int(cell.get_attribute("data-value"))
        for cell in funnel.find_elements(
            By.CSS_SELECTOR, 'tr[data-stage="landed"]:not([data-lang="all"]) td[data-col="rows_in"]'
        )
    ]
    [(db_rows_in, db_rows_out)] = query(
        db_path,
        """select sum(rows_in)::bigint, sum(rows_out)::bigint
                                                    from marts.mart_pipeline_funnel where stage = 'landed'""",
    )
    assert sum(landed_rows_in) == db_rows_in == expected["input_units"]
    total = funnel.find_element(By.CSS_SELECTOR, 'tr[data-stage="landed"][data-lang="all"]')
    assert total.find_element(By.CSS_SELECTOR, 'td[data-col="rows_in"]').text == f"{db_rows_in:,}"
    assert total.find_element(By.CSS_SELECTOR, 'td[data-col="rows_out"]').text == f"{db_rows_out:,}"
    for lang, rows_out in query(
        db_path,
        """select lang, rows_out from marts.mart_pipeline_funnel
                                            where stage = 'training_mix'""",
    ):
        cell = funnel.find_element(
            By.CSS_SELECTOR, f'tr[data-stage="training_mix"][data-lang="{lang}"] td[data-col="rows_out"]'
        )
        assert cell.text == f"{rows_out:,}"

    # the quarantine lists each reject code with its count (and an example)
    quarantine = browser.find_element(By.ID, "quarantine-table")
    shown = {
        row.get_attribute("data-code"): int(row.find_element(By.CSS_SELECTOR, 'td[data-col="count"]').text)
        for row in quarantine.find_elements(By.CSS_SELECTOR, "tbody tr")
    }
    assert shown == expected["rejected"]
    assert len(quarantine.find_elements(By.CSS_SELECTOR, "pre.excerpt")) == len(expected["rejected"])

    # a full-page screenshot
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1360, min(height + 120, 16000))
    shot = tmp_path / "pipeline_report.png"
    assert browser.save_screenshot(str(shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


def test_untrusted_text_shows_as_text_in_a_real_browser(hostile_report, browser):
    from selenium.webdriver.common.by import By

    browser.get(hostile_report.as_uri())
    assert browser.execute_script("return [document.scripts.length, window.__xss === undefined]") == [0, True]
    row = browser.find_element(By.CSS_SELECTOR, '#quarantine-table tr[data-code="broken_json"]')
    assert row.find_element(By.CSS_SELECTOR, "pre.excerpt").text == HOSTILE_EXCERPT
    assert HOSTILE_REASON in row.text and not row.find_elements(By.TAG_NAME, "img")
    examples = browser.find_element(By.CSS_SELECTOR, "#dq-failing pre.examples")
    assert HOSTILE_PROMPT in examples.text
