"""A trainer's library in Chromium: twenty recorded sessions (the hand-counted set among them)
written into a real SQLite file, a real server on it, and the trainer's pages: the list, the
charts with their text alternatives (axe clean, under the real Content-Security-Policy too), the
filters that bring back the hand-counted figures, the CSV, the printed debrief (PDF), deleting a
session, a new key and revoking it; and a library made from the start page."""

import csv
import io
import time
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from pypdf import PdfReader

from app.stores import LibraryRow, SqliteStore
from app.tokens import hash_token, new_token
from tests.app.server import Server, new_session
from tests.conftest import GENEROUS
from tests.e2e.conftest import assert_accessible, snap
from tests.e2e.test_pages_room import BROKEN_WORDS
from tests.insight_set import DAY_MS, more, plays

LIBRARY = "a1b2c3d4e5f60718"


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """Twenty sessions played over three weeks, filed in one library; the first three are the
    hand-counted set (days 0, 1 and 2)."""
    start = (int(time.time() * 1000) // DAY_MS - 25) * DAY_MS
    sessions = plays(start) + more(17, start)
    store = SqliteStore(tmp_path / "theater.db")
    key = new_token()
    await store.save_library(LibraryRow(LIBRARY, hash_token(key), "Ana de Vries", start))
    for label, t in sessions:
        await store.create(t.state.session_id, t.state.join_code, t.events[0], t.events[1:])
        await store.file_session(t.state.session_id, LIBRARY, label, owned=True)
    await store.close()
    server = Server(tmp_path / "theater.db", env=GENEROUS).start()
    yield {"server": server, "key": key, "start": start, "sessions": sessions}
    server.stop()


async def _page(browser: Browser, url: str, bypass_csp: bool = True) -> Page:
    ctx = await browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="nl-NL", bypass_csp=bypass_csp,
        accept_downloads=True,
    )  # fmt: skip
    page = await ctx.new_page()
    await page.goto(url)
    return page


def _day(ms: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ms / 1000))


# The smallest text in any chart as drawn on the page: its font size times the SVG's scale.
CHART_TEXT_PX = """() => Math.min(...[...document.querySelectorAll("figure.chart svg")].flatMap((svg) => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll("text")].filter((t) => t.textContent.trim())
    .map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
}))"""


async def _cells(page: Page, chart: str, row: str) -> list[str]:
    line = page.locator(f"#chart-{chart} table.figures tbody tr").filter(
        has=page.locator("th", has_text=row)
    )
    return [c.strip() for c in await line.locator("td").all_inner_texts()]


async def test_a_trainer_reads_twenty_sessions_at_a_glance_and_prints_a_debrief(
    browser: Browser, seeded: dict[str, Any]
) -> None:
    server, key, start = seeded["server"], seeded["key"], seeded["start"]
    page = await _page(browser, f"{server.http}/l/{LIBRARY}#{key}")
    await expect(page.locator("table.sessions tbody tr")).to_have_count(20)
    assert "#" not in page.url  # the key left the address bar
    await expect(page.locator("#app").get_by_text("Bibliotheek van Ana de Vries")).to_be_visible()
    await expect(page.locator("[role=status]", has_text="Over 20 sessies")).to_be_visible()
    charts = page.locator("figure.chart")
    await expect(charts).to_have_count(6)
    for i in range(6):
        figure = charts.nth(i)
        svg = figure.locator("svg[role=img]")
        await expect(svg).to_have_count(1)
        label = await svg.get_attribute("aria-label") or ""
        assert (await figure.locator("h3").inner_text()) in label
        await expect(figure.locator("table.figures tbody tr").first).to_be_visible()
    await snap(page, "library-twenty-sessions")
    await assert_accessible(page, "the library with its charts")
    assert await page.evaluate(BROKEN_WORDS) == []  # the table's words too, at 1280 px
    smallest = await page.evaluate(CHART_TEXT_PX)
    assert smallest >= 12, f"a chart's text is drawn at {smallest:.1f} px"
    # who stood behind the decision: yes, partly and no stacked, not yes alone
    legend = await page.locator("#chart-support svg .legend text").all_text_contents()
    assert [text.strip() for text in legend] == ["ja", "deels", "nee"], legend

    # The label filter lists user text as text: a label with markup stays a label.
    labels = await page.locator("#label option").all_inner_texts()
    assert "GGD <b>&" in labels
    await page.select_option("#label", "GGD <b>&")
    await page.locator("[data-key=filter]").click()
    await expect(page.locator("[role=status]", has_text="Over 7 sessies")).to_be_visible()

    # The first three days are the hand-counted set (tests/app/test_insights.py).
    await page.select_option("#label", "")
    await page.fill("#since", _day(start))
    await page.fill("#until", _day(start + 2 * DAY_MS))
    await page.locator("[data-key=filter]").click()
    await expect(page.locator("[role=status]", has_text="Over 3 sessies")).to_be_visible()
    assert await _cells(page, "time", "Ronde 2") == ["3", "240", "270", "300", "330", "360"]
    assert await _cells(page, "recognition", "Maximaliseren") == ["1", "5", "20"]
    assert await _cells(page, "no_consensus", "zonder consensus") == ["3", "300", "0", "75"]
    assert await _cells(page, "support", "Consensus") == ["6", "0", "0", "6", "0"]
    await snap(page, "library-hand-counted-set")
    async with page.expect_download() as download:
        await page.locator("[data-key=csv]").click()
    text = Path(await (await download.value).path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert ["Tijd tot het besluit per ronde (seconden)", "Ronde 2", "mediaan", "300,0"] in rows

    # In English the charts and their tables follow.
    await page.locator("#lang").click()
    await expect(
        page.get_by_role("heading", name="Time to decision per round (seconds)")
    ).to_be_visible()
    await expect(page.locator("#chart-recognition table.figures")).to_contain_text("Maximising")
    await snap(page, "library-en")
    await page.locator("#lang").click()

    # The debrief of the first session, printed on A4 by Chromium.
    first = seeded["sessions"][0][1].state.session_id
    debrief = await _page(browser, f"{server.http}/b/{first}#{key}")
    await expect(debrief.locator(".debrief-round")).to_have_count(3)
    await expect(debrief.locator("figure.chart")).to_have_count(6)
    await snap(debrief, "debrief-session")
    await assert_accessible(debrief, "the debrief")
    await debrief.emulate_media(media="print")
    await snap(debrief, "debrief-session-print")
    reader = PdfReader(io.BytesIO(await debrief.pdf(format="A4")))
    pdf = " ".join(
        unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in reader.pages)).split()
    )
    assert 4 <= len(reader.pages) <= 8, len(reader.pages)  # rounds, then about a chart a page
    for words in ("Ronde 1", "Besluit 1", "Besluit 3", "Herkend", "Maximaliseren: 0 van 1",
                  "Tijd tot het besluit per ronde", "Speler 4"):  # fmt: skip
        assert words in pdf, words
    assert "Een verslag voor de nabespreking" not in pdf  # the screen's line does not print

    # Delete one session from the list.
    await page.locator(f"[data-key='delete-{first}']").click()
    await page.locator(f"[data-key='delete-{first}-yes']").click()
    await expect(page.locator("table.sessions tbody tr")).to_have_count(19)

    # A new key: the old one stops at once; then revoke it.
    await page.locator("details.more summary").click()
    await page.locator("[data-key=rotate]").click()
    await page.locator("[data-key=rotate-yes]").click()
    await expect(page.locator(".new-key a")).to_contain_text(f"/l/{LIBRARY}#")
    async with httpx.AsyncClient(base_url=server.http) as http:
        old = await http.get(
            f"/api/libraries/{LIBRARY}", headers={"Authorization": f"Bearer {key}"}
        )
        assert old.status_code == 403
    await snap(page, "library-new-key")
    await page.reload()  # this browser keeps the new key
    await expect(page.locator("table.sessions tbody tr")).to_have_count(19)
    await page.locator("details.more summary").click()
    await page.locator("[data-key=revoke]").click()
    await page.locator("[data-key=revoke-yes]").click()
    await expect(page.locator("#app")).to_contain_text("geheime link van de bibliotheek nodig")
    await page.context.close()
    await debrief.context.close()


async def test_the_charts_draw_under_the_real_content_security_policy(
    browser: Browser, seeded: dict[str, Any]
) -> None:
    page = await _page(browser, "about:blank", bypass_csp=False)
    refused: list[str] = []
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    await page.goto(f"{seeded['server'].http}/l/{LIBRARY}#{seeded['key']}")
    await expect(page.locator("figure.chart svg")).to_have_count(6)
    # pygal's rules come from /charts.css: a bar is filled with our first colour, not black.
    fill = await page.locator("#chart-decisions svg .series.serie-0 rect").first.evaluate(
        "el => getComputedStyle(el).fill"
    )
    assert fill == "rgb(27, 111, 92)", fill
    assert refused == []
    await page.context.close()


async def test_a_library_made_on_the_start_page_and_a_workshop_debrief(
    browser: Browser, seeded: dict[str, Any]
) -> None:
    server = seeded["server"]
    page = await _page(browser, f"{server.http}/")
    await page.locator("details.more summary").click()
    await page.fill("#library-label", "Bureau <Samen>")
    await page.locator("[data-key=make-library]").click()
    await page.locator("a", has_text="Open je bibliotheek").click()
    await expect(page.locator("#app").get_by_text("Bibliotheek van Bureau <Samen>")).to_be_visible()
    await expect(page.locator("#app").get_by_text("nog geen sessies")).to_be_visible()
    await snap(page, "library-empty")
    await assert_accessible(page, "an empty library")

    # A workshop created here, its players at two tables: its debrief has both.
    await page.fill("#new-label", "Provincie")
    await page.select_option("#new-tables", "2")
    await page.locator("[data-key=create]").click()
    await expect(page.locator("table.sessions tbody tr")).to_have_count(1)
    facilitator = await page.locator(".links a").first.get_attribute("href")
    assert facilitator and "/w/" in facilitator
    sid, token = facilitator.split("/w/")[1].split("#")
    async with httpx.AsyncClient(base_url=server.http) as http:
        code = (
            (
                await http.get(
                    f"/api/sessions/{sid}/links", headers={"Authorization": f"Bearer {token}"}
                )
            )
            .json()["join"]
            .rsplit("/", 1)[1]
        )
        for i in range(12):
            r = await http.post("/api/join", json={"join_code": code, "name": f"Deelnemer {i + 1}"})
            assert r.status_code == 201
        formed = await http.post(
            f"/api/sessions/{sid}/tables", headers={"Authorization": f"Bearer {token}"}
        )
        assert formed.status_code == 201
    await page.reload()
    await expect(page.locator("table.sessions tbody tr")).to_have_count(3)  # the workshop, 2 tables
    await snap(page, "library-workshop")
    await page.locator(f"a[href^='/b/{sid}']").click()
    await expect(page.locator(".debrief-table h2")).to_have_count(2)
    await expect(page.locator(".debrief-table h2").first).to_contain_text("Tafel 1")
    await snap(page, "debrief-workshop")
    await page.context.close()


async def test_players_and_screens_see_no_library(seeded: dict[str, Any]) -> None:
    """A session filed in a library looks the same to everyone at the table."""
    server = seeded["server"]
    async with httpx.AsyncClient(base_url=server.http) as http:
        s = await new_session(server, http)
        player = await s.join(http, "Lena")
        for token in (player["player_token"], s.token("screen")):
            r = await http.get(
                f"/api/libraries/{LIBRARY}", headers={"Authorization": f"Bearer {token}"}
            )
            assert r.status_code == 403
