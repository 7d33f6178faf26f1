"""Real browsers for the pages: Debian's Chromium driven by Playwright, axe-core for WCAG 2.2 AA,
and screenshots of every page per phase kept under test-artifacts/ (the path is printed)."""

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.app.server import Server
from tests.conftest import GENEROUS

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose minutes last 6 s: long enough for people to act, and for the one-minute
    warning (6 s before the end) to be seen on every phone."""
    env = {**GENEROUS, "THEATER_CLOCK_SCALE": "10"}
    srv = Server(tmp_path_factory.mktemp("web") / "theater.db", env=env).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        await b.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if ARTIFACTS.exists():
        terminalreporter.write_line(f"page screenshots per phase: {ARTIFACTS}")


async def open_page(browser: Browser, url: str, width: int = 412, height: int = 915) -> Page:
    """A page in a context of its own (a phone below 800 px), Dutch, with axe allowed in."""
    mobile = width < 800
    ctx = await browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=mobile, has_touch=mobile,
        locale="nl-NL", bypass_csp=True,  # for axe; the CSP itself is tested elsewhere
    )  # fmt: skip
    page = await ctx.new_page()
    await page.goto(url)
    return page


async def snap(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(
        path=str(ARTIFACTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"), full_page=True
    )


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core over the whole page at WCAG 2.2 AA (plus best practice)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]


async def assert_accessible(page: Page, what: str) -> None:
    violations = await axe_violations(page)
    assert violations == [], f"{what}: {json.dumps(violations, indent=1)}"
