"""Data Docs that work offline: GX 1.x's page templates load Bootstrap, jQuery, bootstrap-table,
Font Awesome, Vega and a logo from CDNs, so without a network the index shows an empty validation
table and every page is unstyled. After GX renders, the site gets the vendored copies of those
files (expectations/docs_assets/, see its README for where each comes from) under
`static/offline/`, and every page GX just wrote is rewritten to load them by relative paths that
work from file://.

    localise(site_dir, pages)    # copies the assets once, rewrites the pages in place
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ASSETS = Path(__file__).with_name("docs_assets")
SITE_ASSETS = Path("static", "offline")  # in the Data Docs site

# Every remote URL GX 1.x's templates (great_expectations/render/view/templates) load, and the
# vendored file that replaces it (relative to ASSETS). The filter-control CSS is asked for at
# 1.19.0 (minified on the index, plain on result pages) and served from 1.19.1, whose JS the pages
# load; bootstrap-prefers-dark is served minified.
CDN_FILES = {
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/bootstrap.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/popper.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "bootstrap-dark-1.1.0/bootstrap-prefers-dark.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-free-6.6.0/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/vega-embed.min.js",
}
# The navbar logo (light, and the dark theme's background) comes from GX's web-assets bucket, with
# the context id as query string; GX copies its own logo into the site's static/images/.
LOGO_HOST = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
LOGO = Path("static", "images", "logo-long.png")

# GX's own static files are at the site's static/; result pages' favicon link climbs one folder
# too few (GX 1.x's favicon.j2), so every link into static/ is recomputed from the page.
_STATIC = re.compile(r"^(?:\.{1,2}/)*(static/[^?#]+)")
_TAG = re.compile(r"<(?:script|link|img)\b[^>]*>", re.I)
_TAG_URL = re.compile(r"""(\s(?:src|href)=)(["'])([^"']*)\2""", re.I)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(https?://[^'\")\s]+)\1\s*\)")
# Subresource integrity needs a CORS fetch, which file:// pages cannot make: dropped with the CDN.
_CORS_ATTRS = re.compile(r"\s(?:integrity|crossorigin)(?:=(?:\"[^\"]*\"|'[^']*'|[^\s>]*))?", re.I)


def install_assets(site_dir: Path) -> Path:
    """Copies the vendored assets into the site (files missing or of another size only)."""
    target = site_dir / SITE_ASSETS
    for source in ASSETS.rglob("*"):
        if source.is_file() and source.name != "README.md":
            copy = target / source.relative_to(ASSETS)
            if not copy.is_file() or copy.stat().st_size != source.stat().st_size:
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, copy)
    return target


def local_url(url: str, page: Path, site_dir: Path) -> str | None:
    """The relative path from `page` that replaces an asset URL (remote, or into the site's
    static/); None for any other URL (a link to a web page stays as it is)."""
    static = _STATIC.match(url)
    if url in CDN_FILES:
        target = site_dir / SITE_ASSETS / CDN_FILES[url]
    elif url.startswith(LOGO_HOST):
        target = site_dir / LOGO
    elif static:
        target = site_dir / static.group(1)
    else:
        return None
    return Path(os.path.relpath(target, page.parent)).as_posix()


def localise_page(page: Path, site_dir: Path) -> None:
    """Points every CDN asset of one rendered page at the site's own copy."""
    text = page.read_text(encoding="utf-8")

    def swap(url: str) -> str:
        return local_url(url, page, site_dir) or url

    def tag(match: re.Match) -> str:
        rewritten = _TAG_URL.sub(lambda m: m.group(1) + m.group(2) + swap(m.group(3)) + m.group(2), match.group(0))
        return _CORS_ATTRS.sub("", rewritten) if rewritten != match.group(0) else rewritten

    local = _CSS_URL.sub(lambda m: f"url('{swap(m.group(2))}')", _TAG.sub(tag, text))
    if local != text:
        page.write_text(local, encoding="utf-8")


def localise(site_dir: Path, pages: list[Path]) -> None:
    """Installs the assets in the site and rewrites `pages` (those GX has just rendered)."""
    install_assets(site_dir)
    for page in pages:
        localise_page(page, site_dir)
