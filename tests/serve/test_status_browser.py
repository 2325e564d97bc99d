"""`/status` in a real browser (Playwright driving Chromium): the rendered table, right to
left, flagged partners, a click through to a partner's page. It takes a screenshot;
with SYNDICATION_UPDATE_SCREENSHOT=1 it replaces docs/img/status-page.png (review it).

The browser is the system's Chromium (`apt-get install chromium`); Playwright's own
browser download is not used. Without a Chromium binary the test is skipped, saying so.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from syndication.serve import create_server
from tests.support.healthsim import STATUS_TOKEN, build
from tests.support.httpsite import Site

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "img" / "status-page.png"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium binary on PATH: apt-get install -y chromium (or chromium-browser)")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_status_page_in_chromium(browser: object, site: Site, tmp_path: Path) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    newsroom = build(site, tmp_path)
    with create_server(newsroom.config, "127.0.0.1", 0) as server:
        server.start()
        # No JavaScript: the table is server-rendered and must work without it.
        context = browser.new_context(
            java_script_enabled=False, locale="ar", viewport={"width": 1600, "height": 700}
        )
        page = context.new_page()

        refused = page.goto(server.url + "status")
        assert refused is not None and refused.status == 401

        # The token once in the address: the server swaps it for a cookie.
        page.goto(f"{server.url}status?token={STATUS_TOKEN}")
        assert page.url == server.url + "status"
        assert page.evaluate("document.documentElement.dir") == "rtl"

        table = page.locator("table#partners")
        expect(table).to_be_visible()
        assert table.evaluate("el => getComputedStyle(el).direction") == "rtl"
        rows = page.locator("table#partners tbody tr")
        expect(rows).to_have_count(4)
        # Right to left: the first column (the partner) is at the right edge.
        first = rows.nth(0).locator("th").bounding_box()
        last = rows.nth(0).locator("td").last.bounding_box()
        assert first is not None and last is not None and first["x"] > last["x"]

        sahel = page.locator('tr[data-partner="sahel"]')
        expect(sahel).to_have_attribute("data-flags", "quiet")
        expect(sahel.locator(".badge")).to_have_text("صامت")
        nour = page.locator('tr[data-partner="nour"]')
        expect(nour.locator(".badge")).to_have_text("متعطل")
        expect(nour).to_contain_text("6 محاولات فاشلة متتالية")
        colour = nour.locator(".badge").evaluate("el => getComputedStyle(el).backgroundColor")
        assert colour == "rgb(198, 40, 40)"  # red
        expect(page.locator('tr[data-partner="raqim"] .badge')).to_have_text("استخراج ضعيف")
        expect(page.locator('tr[data-partner="wafa"] .badge')).to_have_text("يعمل")
        expect(page.locator("header")).to_contain_text("3 من 4 شركاء بحاجة إلى انتباه")

        update = os.environ.get("SYNDICATION_UPDATE_SCREENSHOT") == "1"
        shot = SCREENSHOT if update else tmp_path / "status-page.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000

        # A click through to the partner's page, still without JavaScript.
        page.get_by_role("link", name="موقع رقيم").click()
        assert page.url == server.url + "status/raqim"
        expect(page.locator("h1")).to_contain_text("موقع رقيم")
        expect(page.locator('#events tr[data-kind="page_failed"]')).to_have_count(6)
        expect(page.locator('#events tr[data-kind="article"]')).to_have_count(6)
        context.close()
