"""Headless Chromium under selenium for the browser tests (the report, the GX Data Docs): Debian's
chromium and chromium-driver (`make browser`), never a driver looked up on the network."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def chromium(profile_dir: Path):
    """Yields a headless Chromium driver (skips the test when Chromium or selenium is missing)."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip(
            "headless browser test needs /usr/bin/chromium and /usr/bin/chromedriver "
            "(apt-get install chromium chromium-driver)"
        )
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile_dir}",
        "--window-size=1360,900",
    ):
        options.add_argument(arg)
    # an explicit driver path keeps selenium-manager from looking anything up on the network
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
