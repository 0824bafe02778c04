"""A person's view: log in to the Airflow UI, open the Disclosure page, see the chart and a
known finding. Needs Debian's chromium (``apt-get install -y chromium fonts-noto-cjk``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.airflow.conftest import ADMIN, REPO
from tests.needs import need

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
# The default replica scenario: 景泰街道 reported 150 items for 2021, 132 were posted.
KNOWN_FINDING = "Posted 132 items differ from the reported 150"


def test_operator_sees_chart_and_findings_on_the_disclosure_page(api_server: str) -> None:
    need(CHROMIUM.exists(), "needs /usr/bin/chromium (apt-get install -y chromium)")
    from playwright.sync_api import expect, sync_playwright

    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(f"{api_server}/")
            page.get_by_label("Username").fill(ADMIN[0])
            page.get_by_label("Password").fill(ADMIN[1])
            page.get_by_role("button", name="Sign in").click()
            nav = page.get_by_role("link", name="Disclosure")
            nav.first.click()
            frame = page.frame_locator("iframe").first
            expect(frame.locator("#chart svg.chart").first).to_be_visible(timeout=30_000)
            assert frame.locator("#chart svg.chart g.year").count() > 0
            expect(frame.locator("#findings")).to_contain_text(KNOWN_FINDING)
            expect(frame.locator("#runs tbody tr").first).to_be_visible()
            page.screenshot(path=str(artifacts / "disclosure-page.png"), full_page=True)
        finally:
            browser.close()
