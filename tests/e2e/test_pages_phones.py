"""Phones that stay in the game: a phone offline for ten seconds in the middle of the discussion
(the DevTools protocol's network emulation) says since when, and once back shows the server's
state within two seconds and says what it missed; a page brought to the front looks at once; the
facilitator's laptop and the shared screen keep the screen on during a round, and a player can
say no to that on their phone."""

import re
import time

import httpx
from playwright.async_api import Browser, BrowserContext, Page, WebSocketRoute, expect

from cards import load_deck
from tests.app.server import Server
from tests.app.wire import WireGame, seat
from tests.e2e.conftest import assert_accessible, snap

NAMES = [("Anouk", "Gemeente"), ("Bram", "GGD"), ("Chris", "School")]
TEXTS = {s.id: s.text for s in load_deck("standaard", "nl").strategies}
# counts the page's wake-lock requests, and still makes them (headless Chromium may refuse)
COUNT_LOCKS = """window.__locks = 0;
if (navigator.wakeLock) {
  const real = navigator.wakeLock.request.bind(navigator.wakeLock);
  navigator.wakeLock.request = (kind) => { window.__locks += 1; return real(kind); };
}"""


async def _context(browser: Browser, width: int, height: int, **seat: str) -> BrowserContext:
    ctx = await browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL",
                                    is_mobile=width < 500, has_touch=width < 500,
                                    bypass_csp=True)  # for axe; the CSP is tested elsewhere  # fmt: skip
    await ctx.add_init_script(COUNT_LOCKS)
    for key, value in seat.items():
        await ctx.add_init_script(
            f"if (location.protocol === 'http:') localStorage.setItem('{key}', '{value}')"
        )
    return ctx


async def _phone(browser: Browser, server: Server, g: WireGame, name: str) -> Page:
    s = g.session
    ctx = await _context(browser, 412, 915, **{f"tvb:seat:{s.id}": s.players[name]["player_token"]})
    page = await ctx.new_page()
    await page.goto(f"{server.http}/p/{s.id}")
    await expect(page.locator("#who")).to_have_text(name)
    return page


async def _table(server: Server, **settings: int) -> WireGame:
    """Three players at one closed-card round (the open-card round waits for laid-open cards)."""
    async with httpx.AsyncClient(base_url=server.http) as http:
        return await seat(server, http, NAMES, rounds=1, open_card_last_round=False, **settings)


async def _to_discussion(g: WireGame) -> None:
    await g.fac.ok("start_game")
    await g.fac.ok("choose_opdracht")
    for client in g.players.values():
        await client.ok("ready")
    await g.fac.ok("start_timer")


async def test_a_phone_offline_for_ten_seconds_comes_back_within_two_and_is_told_what_it_missed(
    browser: Browser, web_server: Server
) -> None:
    g = await _table(web_server, round_seconds=120)  # 12 s, warned at 6
    phone = await _phone(browser, web_server, g, "Anouk")
    await _to_discussion(g)
    await expect(phone.locator(".phase")).to_contain_text("Overleg")
    network = await phone.context.new_cdp_session(phone)
    await network.send("Network.enable")
    await network.send("Network.emulateNetworkConditions", {
        "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1,
    })  # fmt: skip
    went = time.monotonic()
    await expect(phone.locator("#status")).to_have_text(
        re.compile(r"Geen verbinding sinds \d\d:\d\d")
    )
    await snap(phone, "phones-offline-since")
    await g.fac.until(lambda v: v["phase"] == "deciding", timeout=20)  # warning and time-up fired
    while time.monotonic() - went < 10:
        await phone.wait_for_timeout(200)
    assert "Besluit" not in await phone.locator(".phase").inner_text()  # it really saw nothing
    await network.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1,
    })  # fmt: skip
    back = time.monotonic()
    await expect(phone.locator(".phase")).to_contain_text("Besluit", timeout=2_000)
    took = time.monotonic() - back
    assert took <= 2.0, took
    status = phone.locator("#status")
    await expect(status).to_contain_text("Je bent weer verbonden. Intussen:")
    await expect(status).to_contain_text("Nog één minuut!")
    await expect(status).to_contain_text("Tijd is om")
    await snap(phone, "phones-back-what-was-missed")
    units = {u["id"]: u["strategy"]["id"] for u in g.fac.view["units"]}
    mine = units[next(c for c in g.players.values() if c.name == "Anouk").view["me"]["unit"]]
    dom = await phone.content()
    assert [c for c, text in TEXTS.items() if c != mine and text in dom] == []  # no other card
    await g.close()


async def test_a_page_brought_to_the_front_asks_the_server_at_once(
    browser: Browser, web_server: Server
) -> None:
    g = await _table(web_server)
    phone = await _phone(browser, web_server, g, "Bram")
    sent: list[str] = []
    phone.on("websocket", lambda ws: ws.on("framesent", lambda f: sent.append(str(f))))
    await phone.reload()  # its socket opened again, now watched
    await expect(phone.locator("#who")).to_have_text("Bram")
    await phone.wait_for_timeout(500)
    before = sum('"ping"' in s for s in sent)
    began = time.monotonic()
    await phone.evaluate("window.dispatchEvent(new Event('focus'))")
    while sum('"ping"' in s for s in sent) == before and time.monotonic() - began < 3:
        await phone.wait_for_timeout(50)
    took = time.monotonic() - began
    assert took < 1.0, "a focus looks at once, not at the next heartbeat (4 s)"
    await g.close()


async def test_the_room_stays_awake_in_a_round_unless_a_player_says_no(
    browser: Browser, web_server: Server
) -> None:
    g = await _table(web_server, round_seconds=600)
    s = g.session
    fac = await (await _context(browser, 1280, 900)).new_page()
    await fac.goto(f"{web_server.http}/f/{s.id}#{s.token('facilitator')}")
    screen = await (await _context(browser, 1366, 768)).new_page()
    await screen.goto(f"{web_server.http}/s/{s.id}#{s.token('screen')}")
    keen = await _phone(browser, web_server, g, "Anouk")
    tired = await _phone(browser, web_server, g, "Bram")
    await tired.get_by_label("Scherm aan laten tijdens een ronde").uncheck()
    for page in (fac, screen, keen, tired):  # nothing asked in the lobby
        assert await page.evaluate("window.__locks") == 0
    await _to_discussion(g)
    for page in (fac, screen, keen):
        await expect(page.locator(".phase")).to_contain_text("Overleg")
        assert await page.evaluate("window.__locks") >= 1
    await expect(tired.locator(".phase")).to_contain_text("Overleg")
    assert await tired.evaluate("window.__locks") == 0
    await tired.reload()  # the choice is remembered on that phone
    await expect(tired.get_by_label("Scherm aan laten tijdens een ronde")).not_to_be_checked()
    assert await tired.evaluate("window.__locks") == 0
    await g.close()


async def test_a_patch_lost_on_the_way_makes_the_page_ask_for_the_whole_view(
    browser: Browser, web_server: Server
) -> None:
    """The page holds its view as patches come; one is lost (a proxy drops it here): the next
    does not fit, so the page asks for the whole view (`resync`), never shows a wrong screen, and
    goes on with patches from there."""
    g = await _table(web_server)
    s = g.session
    ctx = await _context(
        browser, 412, 915, **{f"tvb:seat:{s.id}": s.players["Anouk"]["player_token"]}
    )
    page = await ctx.new_page()
    heard: list[str] = []  # what the server sent the page (the lost one too)
    said: list[str] = []  # what the page sent the server
    lose = {"next": False}

    async def between(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def down(message: str | bytes) -> None:
            heard.append(str(message))
            if lose["next"] and str(message).startswith('{"type":"patch"'):
                lose["next"] = False
                return
            ws.send(message)

        def up(message: str | bytes) -> None:
            said.append(str(message))
            server.send(message)

        server.on_message(down)
        ws.on_message(up)

    await page.route_web_socket(re.compile(r"/ws/"), between)
    await page.goto(f"{web_server.http}/p/{s.id}")
    await expect(page.locator("#who")).to_have_text("Anouk")
    await g.fac.ok("start_game")
    await expect(page.locator(".phase")).to_contain_text("Opdracht kiezen")
    assert heard[-1].startswith('{"type":"patch"')  # the change came as a patch
    lose["next"] = True
    await g.fac.ok("choose_opdracht")  # lost: the page still shows the choosing
    await page.wait_for_timeout(300)
    await expect(page.locator(".phase")).to_contain_text("Opdracht kiezen")
    assert not [m for m in said if '"resync"' in m]
    bram = next(c for c in g.players.values() if c.name == "Bram")
    await bram.ok("ready")  # the next patch does not fit what the page holds
    await expect(page.locator(".phase")).to_contain_text("Strategiekaart lezen")
    assert len([m for m in said if '"resync"' in m]) == 1
    assert heard[-1].startswith('{"type":"state"')  # the whole view answered it
    anouk = next(c for c in g.players.values() if c.name == "Anouk")
    mine = next(u for u in anouk.view["units"] if u["id"] == anouk.view["me"]["unit"])
    await expect(page.locator(".card.strategy").first).to_contain_text(
        TEXTS[mine["strategy"]["id"]][:30]
    )
    before = len(heard)
    await anouk.ok("ready")  # and patches again from there
    while len(heard) == before:
        await page.wait_for_timeout(50)
    assert heard[-1].startswith('{"type":"patch"')
    await page.wait_for_timeout(300)
    assert len([m for m in said if '"resync"' in m]) == 1
    await expect(page.locator(".phase")).to_contain_text("Strategiekaart lezen")
    await g.close()
    await ctx.close()


OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
WIDE = """[...document.querySelectorAll('body *')].filter((e) =>
  e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
  || e.scrollWidth > e.clientWidth + 1)
  .map((e) => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 20))"""


async def test_a_player_reads_at_200_percent_in_high_contrast_and_the_phone_remembers_it(
    browser: Browser, web_server: Server
) -> None:
    """On a 320 px phone: text at 200 % and the high-contrast theme, chosen once, kept after a
    reload, without sideways scrolling or an axe finding in any phase of a round; a phone whose
    system asks for more contrast gets it until its player says no; reduced motion stills the
    ring."""
    g = await _table(web_server, round_seconds=600)
    s = g.session
    ctx = await _context(
        browser, 320, 640, **{f"tvb:seat:{s.id}": s.players["Anouk"]["player_token"]}
    )
    phone = await ctx.new_page()
    await phone.emulate_media(reduced_motion="reduce")
    await phone.goto(f"{web_server.http}/p/{s.id}")
    await expect(phone.locator("#who")).to_have_text("Anouk")
    assert await phone.evaluate("getComputedStyle(document.documentElement).fontSize") == "16px"
    await phone.get_by_role("button", name="200 %").click()
    await phone.get_by_label("Hoog contrast").check()
    await phone.reload()
    await expect(phone.locator("#who")).to_have_text("Anouk")
    await expect(phone.get_by_role("button", name="200 %")).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(phone.get_by_label("Hoog contrast")).to_be_checked()
    assert await phone.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
    assert await phone.evaluate("document.documentElement.classList.contains('contrast')")
    ink = "getComputedStyle(document.querySelector('.phase')).color"
    assert await phone.evaluate(ink) == "rgb(0, 0, 0)"

    async def looked(phase: str) -> None:
        await expect(phone.locator(".phase")).to_contain_text(phase)
        await snap(phone, f"phones-200-contrast-{phase.split()[0]}")
        wide = await phone.evaluate(WIDE)
        assert await phone.evaluate(OVERFLOW) <= 0, f"{phase}: the page scrolls sideways: {wide}"
        await assert_accessible(phone, f"player at 200 % in high contrast, {phase}")

    await looked("Wachten tot het spel begint")
    await g.fac.ok("start_game")
    await looked("Opdracht kiezen")
    await g.fac.ok("choose_opdracht")
    await looked("Strategiekaart lezen")
    for client in g.players.values():
        await client.ok("ready")
    await g.fac.ok("start_timer")
    await looked("Overleg")
    ring = "getComputedStyle(document.querySelector('.ring .left')).transitionDuration"
    assert await phone.evaluate(ring) == "0s"  # reduced motion: the ring jumps, it does not glide
    await g.fac.ok("end_discussion")
    await g.fac.ok("record_decision", text="We kiezen samen het park.", reached="yes")
    await looked("Besluit")
    await g.fac.ok("next_prompt")
    await looked("Reflectie")
    await g.fac.ok("end_game")
    await looked("Afgelopen")

    system = await _context(
        browser, 412, 915, **{f"tvb:seat:{s.id}": s.players["Bram"]["player_token"]}
    )
    bram = await system.new_page()
    await bram.emulate_media(contrast="more")
    await bram.goto(f"{web_server.http}/p/{s.id}")
    await expect(bram.locator("#who")).to_have_text("Bram")
    await expect(bram.get_by_label("Hoog contrast")).to_be_checked()
    await bram.get_by_label("Hoog contrast").uncheck()
    await bram.reload()
    await expect(bram.locator("#who")).to_have_text("Bram")
    assert not await bram.evaluate("document.documentElement.classList.contains('contrast')")
    await g.close()
    await ctx.close()
    await system.close()
