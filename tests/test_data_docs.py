"""The GX Data Docs of a clean build work offline: opened over file:// in headless Chromium (no
network here), the index lists every layer's validation runs and a result page is styled, and no
page asks a remote host for a script, a stylesheet, a font or an image."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from headless_chromium import chromium

pytest.importorskip("great_expectations")

from expectations.definitions import LAYERS  # noqa: E402
from expectations.project import docs_index  # noqa: E402

pytestmark = pytest.mark.slow

REMOTE = re.compile(r"^\s*(https?:)?//", re.I)


class _AssetLinks(HTMLParser):
    """Every URL a page loads by itself: script src, link href, img/iframe/source src, CSS url()."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        wanted = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src", "embed": "src"}
        if tag in wanted and attrs.get(wanted[tag]):
            self.urls.append(attrs[wanted[tag]])
        self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", attrs.get("style") or "")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", data)


def asset_links(page: Path) -> list[str]:
    parser = _AssetLinks()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.urls


@pytest.fixture(scope="module")
def site(validated_warehouse) -> Path:
    _, db, _ = validated_warehouse
    index = docs_index(db)
    assert index.is_file()
    return index


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    for driver in chromium(tmp_path_factory.mktemp("chromium-profile")):
        # offline even where the machine is not: any request to a remote host fails
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*"]})
        yield driver


def test_no_page_loads_anything_from_a_remote_host(site):
    pages = [site, *(site.parent / "validations").rglob("*.html"), *(site.parent / "expectations").rglob("*.html")]
    assert len(pages) > len(LAYERS)
    for page in pages:
        links = asset_links(page)
        assert links, page  # the page does load its scripts and styles...
        remote = [u for u in links if REMOTE.match(u)]
        assert not remote, f"{page.relative_to(site.parent)} loads {remote}"
        for url in links:  # ... and each one is a file of the site
            if not url.startswith("data:"):
                assert (page.parent / url.split("?")[0]).resolve().is_file(), f"{page}: {url} is missing"


def test_index_lists_every_layers_validation_runs(site, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site.as_uri())
    # bootstrap-table (jQuery) fills the validation results table from the data in the page
    table = "table.ge-index-page-validation-results-table"
    shown = """return document.readyState === 'complete' && [
        [...document.querySelectorAll(arguments[0] + ' tbody tr.clickable-row')].map(r => r.dataset.href),
        [...document.querySelectorAll(arguments[0] + ' tbody a.ge-index-page-table-expectation-suite-link')]
            .map(a => a.href)]"""
    WebDriverWait(browser, 30).until(lambda d: (d.execute_script(shown, table) or [[]])[0])
    rows, suite_links = browser.execute_script(shown, table)
    assert all((site.parent / href).is_file() for href in rows), rows
    assert suite_links and all(Path(href.removeprefix("file://")).is_file() for href in suite_links), suite_links
    # every row the table holds, over all its pages: one per stored result page, every layer's runs
    loaded = browser.execute_script(
        f"return $('{table}').bootstrapTable('getData').map(r => [r.run_name, r._table_row_link_path])"
    )
    pages = sorted(p.relative_to(site.parent).as_posix() for p in (site.parent / "validations").rglob("*.html"))
    assert sorted(link for _, link in loaded) == pages
    assert {run.split("-")[0] for run, _ in loaded} == set(LAYERS)
    for layer in LAYERS:
        assert any(link.startswith(f"validations/{layer}/") for _, link in loaded), layer


def test_a_result_page_is_styled(site, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    page = next((site.parent / "validations" / "marts").rglob("*.html"))
    browser.get(page.as_uri())
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.readyState === 'complete' && document.fonts.status === 'loaded'")
    )
    style = browser.execute_script(
        """const css = (sel, prop, pseudo) => {
               const el = document.querySelector(sel);
               return el && getComputedStyle(el, pseudo || null).getPropertyValue(prop);
           };
           return {
             navbar_display: css('nav.navbar', 'display'),  // Bootstrap: flex (browser: block)
             row_display: css('.row', 'display'),           // Bootstrap's grid: flex
             body_margin: css('body', 'margin-top'),        // Bootstrap's reboot: 0px (browser: 8px)
             icon_font: css('.fas', 'font-family', '::before'),
             fonts: [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family),
             scripts: [typeof window.jQuery, typeof window.jQuery?.fn.modal,
                       typeof window.jQuery?.fn.bootstrapTable, typeof window.vegaEmbed],
             suite_links: [...document.links].map(a => a.href).filter(h => h.includes('/expectations/')),
           };"""
    )
    assert style["suite_links"] and all(Path(h.removeprefix("file://")).is_file() for h in style["suite_links"])
    assert style["navbar_display"] == "flex", style
    assert style["row_display"] == "flex", style
    assert style["body_margin"] == "0px", style
    assert "Font Awesome 6 Free" in style["icon_font"] and style["fonts"], style
    assert style["scripts"] == ["function"] * 4, style
