"""A training day's mishaps handled from the pages, in Chromium: a latecomer waits and is seated
from the console, a dead phone's seat moves to another phone by QR link, a player removed by
mistake is brought back, and a co-facilitator steers from a second laptop. axe at every step,
no card shown where it must not be, a screenshot per step and viewer."""

import asyncio
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from cards import load_deck
from tests.app.server import Server
from tests.e2e.conftest import assert_accessible, snap

STRATEGY_TEXT = {s.id: s.text for s in load_deck("standaard", "nl").strategies}
ERRORS: list[str] = []


async def _page(
    browser: Browser, url: str, width: int = 412, height: int = 915, refused: bool = False
) -> Page:
    """A page in its own browser. `refused`: the page's request is refused on purpose (the
    browser logs that as a console error), so only uncaught script errors count there."""
    mobile = width < 800
    ctx: BrowserContext = await browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=mobile, has_touch=mobile,
        locale="nl-NL", bypass_csp=True,  # for axe; the CSP itself is tested elsewhere
    )  # fmt: skip
    page = await ctx.new_page()
    if not refused:
        page.on("console", lambda m: ERRORS.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: ERRORS.append(str(e)))
    await page.goto(url)
    return page


async def _log(server: Server, sid: str, token: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=server.http) as http:
        r = await http.get(
            f"/api/sessions/{sid}/events", headers={"Authorization": f"Bearer {token}"}
        )
        return r.json()


async def _settings(server: Server, sid: str, token: str) -> tuple[int, int]:
    changed = [e for e in await _log(server, sid, token) if e["type"] == "settings_changed"]
    last = changed[-1]["settings"] if changed else {"rounds": 0, "round_seconds": 0}
    return last["rounds"], last["round_seconds"]


async def _own_card_only(page: Page, events: list[dict[str, Any]], player_id: str) -> None:
    """The phone shows its unit's card and no other (read from the log, the truth)."""
    unit = None
    for e in events:
        if e["type"] == "game_started":
            unit = next((u["id"] for u in e["units"] if player_id in u["members"]), unit)
        if e["type"] == "player_seated" and e["player_id"] == player_id:
            unit = e["unit_id"]
    deal = [e for e in events if e["type"] == "strategies_dealt"][-1]["deal"]
    text = await page.inner_text("body")
    for unit_id, card in deal.items():
        shown = STRATEGY_TEXT[card] in text
        assert shown == (unit_id == unit), (player_id, unit_id, card, shown)


async def test_latecomer_new_phone_restore_and_co_facilitator_from_the_pages(
    browser: Browser, web_server: Server
) -> None:
    base = web_server.http
    async with httpx.AsyncClient(base_url=base) as http:
        created = (
            await http.post("/api/sessions", json={"rounds": 2, "round_seconds": 600})
        ).json()
        sid, code = created["session_id"], created["join_code"]
        seats = {}
        for name in ("Anouk", "Bram", "Chris", "Dewi"):
            r = await http.post("/api/join", json={"join_code": code, "name": name})
            seats[name] = r.json()
    token = created["facilitator_token"]
    fac = await _page(browser, created["links"]["facilitator"], 1366, 768)
    phones = {
        n: await _page(browser, f"{base}/p/{sid}#{s['player_token']}") for n, s in seats.items()
    }
    await fac.locator("details[data-key='settings'] summary").click()  # fewer came: other settings
    await fac.select_option("#set-rounds", "3")
    await fac.fill("#set-minutes", "10")
    await fac.locator("[data-key='save-settings']").click()
    await expect(fac.locator(".phase")).to_contain_text("Wachten")
    for _ in range(50):  # the command's round trip, then the log says so
        if await _settings(web_server, sid, token) == (3, 600):
            break
        await asyncio.sleep(0.1)
    assert await _settings(web_server, sid, token) == (3, 600)
    await fac.locator("[data-key='fac.start']").click()
    await fac.locator("[data-key='fac.draw']").click()
    await expect(phones["Anouk"].locator(".card.strategy")).to_be_visible()

    # A latecomer joins by the join page: a clear wait, then a seat from the console.
    late = await _page(browser, f"{base}/j/{code}")
    await late.fill("#name", "Emma")
    await late.locator("[data-key='join']").click()
    await expect(late.locator(".step h2")).to_contain_text("Je komt tijdens het spel binnen")
    await expect(late.locator(".card.strategy")).to_have_count(0)
    await snap(late, "training-latecomer-waits-phone")
    await assert_accessible(late, "latecomer waiting")
    await expect(fac.locator(".details .hint")).to_contain_text("Emma kwam tijdens het spel binnen")
    await snap(fac, "training-latecomer-console")
    await assert_accessible(fac, "console with a latecomer")
    await fac.locator("[data-key$='-btn'][data-key^='seat-']").click()
    await expect(late.locator(".card.strategy")).to_be_visible()
    await expect(late.locator(".partner")).to_be_visible()  # a duo now: with whom
    await snap(late, "training-latecomer-seated-phone")
    emma = next(e for e in await _log(web_server, sid, token) if e.get("name") == "Emma")
    await _own_card_only(late, await _log(web_server, sid, token), emma["player_id"])

    # Dewi's phone is flat: her unit plays on paper and the facilitator says when it is ready.
    dewi = await _log(web_server, sid, token)
    dewi_unit = next(u["id"] for e in dewi if e["type"] == "game_started" for u in e["units"]
                     if seats["Dewi"]["player_id"] in u["members"])  # fmt: skip
    await fac.locator(f"#paper-{dewi_unit}").check()
    await fac.locator(f"[data-key='ready-{dewi_unit}']").click()
    await expect(fac.locator(f"[data-key='ready-{dewi_unit}']")).to_have_count(0)
    assert "unit_on_paper" in {e["type"] for e in await _log(web_server, sid, token)}
    await snap(fac, "training-paper-console")
    await assert_accessible(fac, "console with a unit on paper")

    # Bram's phone dies: a one-time link and QR for his seat; the old phone is told.
    await fac.locator("[data-key='more-summary']").click()
    await fac.select_option("#new-phone", seats["Bram"]["player_id"])
    await fac.locator("[data-key='new-phone-btn']").click()
    await fac.locator("[data-key='new-phone-btn-yes']").click()
    await expect(fac.locator(".new-phone svg.qr")).to_be_visible()
    link = await fac.locator(".new-phone .link").inner_text()
    assert link.startswith(f"{base}/c/{sid}#")
    await snap(fac, "training-new-phone-link-console")
    await assert_accessible(fac, "console with a new-phone link")
    await expect(phones["Bram"].locator("#app")).to_contain_text(
        "naar een andere telefoon verhuisd"
    )
    await snap(phones["Bram"], "training-new-phone-old-phone")
    new = await _page(browser, link)
    await expect(new).to_have_url(f"{base}/p/{sid}")
    await expect(new.locator(".card.strategy")).to_be_visible()
    await _own_card_only(new, await _log(web_server, sid, token), seats["Bram"]["player_id"])
    assert "#" not in new.url
    await snap(new, "training-new-phone-new-phone")
    again = await _page(browser, link, refused=True)
    await expect(again.locator("#app")).to_contain_text("al gebruikt")

    # Chris is removed by mistake and brought back to the same card.
    chris = phones["Chris"]
    before = await chris.locator(".card.strategy .card-text").inner_text()
    await fac.select_option("#remove", seats["Chris"]["player_id"])
    await fac.locator("[data-key='remove']").click()
    await fac.locator("[data-key='remove-yes']").click()
    await expect(chris.locator("#app")).to_contain_text("van de tafel gehaald")
    await snap(chris, "training-removed-phone")
    await assert_accessible(chris, "removed phone")
    await expect(fac.locator(f"[data-key='restore-{seats['Chris']['player_id']}']")).to_be_visible()
    await snap(fac, "training-removed-console")
    await fac.locator(f"[data-key='restore-{seats['Chris']['player_id']}']").click()
    await chris.locator("[data-key='retry']").click()
    await expect(chris.locator(".card.strategy .card-text")).to_have_text(before)

    # A co-facilitator gets a link, steers from a second laptop, and the first sees who did it.
    await fac.locator("details.links-box summary").click()
    await fac.fill("#co-label", "Sanne")
    await fac.locator("[data-key='co-add']").click()
    co_link = await fac.locator(".co .link").inner_text()
    await expect(fac.locator("#co-label")).to_have_value("")
    co = await _page(browser, co_link, 1366, 768)
    await expect(co.locator("[data-key='fac.startTimer']")).to_be_visible()
    await co.locator("[data-key='fac.startTimer']").click()
    await expect(fac.locator(".last-by")).to_contain_text("Sanne")
    await expect(co.locator(".last-by")).to_have_text("Laatste stap door jou.")
    await snap(fac, "training-co-facilitator-first-console")
    await snap(co, "training-co-facilitator-second-console")
    await assert_accessible(co, "co-facilitator's console")
    await assert_accessible(fac, "first console with a co-facilitator")
    await fac.locator("[data-key='revoke-f2']").click()
    await fac.locator("[data-key='revoke-f2-yes']").click()
    await expect(co.locator("#status")).to_contain_text("ingetrokken")

    assert ERRORS == [], ERRORS
