"""Print when phones fail, in Chromium: the whole deck in either language and this round's deal
(one card per unit, two to a page) printed to PDF by Chromium itself (`page.pdf`), then read back
with pypdf: the text is there and the pages are as many as promised."""

import io
import unicodedata

import httpx
from playwright.async_api import Browser, Page, expect
from pypdf import PdfReader

from cards import load_deck
from tests.app.server import Client, Server, new_session
from tests.e2e.conftest import assert_accessible, snap


async def _page(browser: Browser, url: str, locale: str = "nl-NL") -> Page:
    ctx = await browser.new_context(
        viewport={"width": 1280, "height": 900}, locale=locale, bypass_csp=True
    )
    page = await ctx.new_page()
    await page.goto(url)
    return page


def _pdf(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(p.extract_text() for p in reader.pages)
    return len(reader.pages), " ".join(unicodedata.normalize("NFKC", text).split())  # ligatures


async def test_every_card_prints_in_either_language(browser: Browser, web_server: Server) -> None:
    for language in ("nl", "en"):
        deck = load_deck("standaard", language)
        page = await _page(browser, f"{web_server.http}/print/standaard")
        if language == "en":
            await page.locator("#lang").click()
        await expect(page.locator(".print-card.strategy")).to_have_count(len(deck.strategies))
        await expect(page.locator(".print-card.opdracht")).to_have_count(len(deck.opdrachten))
        await snap(page, f"print-cards-{language}")
        await assert_accessible(page, f"the printable deck ({language})")
        pages, text = _pdf(await page.pdf(format="A4"))
        assert pages >= 3  # strategies, assignments and questions each start a page
        for card in deck.strategies:
            assert card.title in text and " ".join(card.text.split()[:6]) in text
        for prompt in deck.prompts:
            assert " ".join(prompt.text.split()[:5]) in text
        intro = {"nl": "als reserve op papier", "en": "as a backup on paper"}[language]
        assert (
            await page.locator("#app").get_by_text(intro).is_visible() and intro not in text
        )  # screen only
        await page.context.close()


async def test_the_deal_prints_one_card_per_unit_two_to_a_page(
    browser: Browser, web_server: Server
) -> None:
    async with httpx.AsyncClient(base_url=web_server.http) as http:
        s = await new_session(web_server, http, round_seconds=600)
        for name in ("Anouk", "Bram", "Chris", "Dewi", "Eva"):
            await s.join(http, name)
    fac = await Client(web_server, s.id, s.token("facilitator"), "fac").connect()
    await fac.ok("start_game")
    await fac.ok("choose_opdracht")
    v = await fac.until(lambda v: v["phase"] == "reading")
    page = await _page(browser, f"{web_server.http}/d/{s.id}#{s.token('facilitator')}")
    await expect(page.locator(".deal-card")).to_have_count(5)
    await snap(page, "print-deal")
    await assert_accessible(page, "the printable deal")
    pages, text = _pdf(await page.pdf(format="A4"))
    assert pages == 3  # five cards, two to a page
    names = {p["id"]: p["name"] for p in v["players"]}
    for unit in v["units"]:
        who = " & ".join(names[m] for m in unit["members"])
        assert f"Ronde 1 · voor {who}".upper() in text  # the card kind is in capitals
        assert " ".join(unit["strategy"]["text"].split()[:6]) in text
    screen = await _page(browser, f"{web_server.http}/d/{s.id}#{s.token('screen')}")
    await expect(screen.locator("#error")).to_be_visible()  # the screen's link prints nothing
    assert await screen.locator(".deal-card").count() == 0
    await fac.close()
