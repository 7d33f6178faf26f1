"""Who may join and more time to read, from the pages in Chromium: a facilitator locks the
table, a phone that uses the code waits and is let in (another is turned away), a removed player
who comes back is shown rather than seated; a workshop's console does the same for its lobby;
a slow reader is given time, their phone says so, the others see who still reads (by name,
never by card) and the facilitator's start waits for them or is confirmed. Axe and a screenshot
at each step."""

import re

import httpx
from playwright.async_api import Browser, Page, expect

from tests.app.server import Server
from tests.app.wire import seat
from tests.e2e.conftest import assert_accessible, open_page, snap

NAMES = [("Anouk", "Gemeente"), ("Bram", "GGD"), ("Chris", "School")]


async def _ask(browser: Browser, server: Server, code: str, name: str) -> Page:
    phone = await open_page(browser, f"{server.http}/j/{code}")
    await phone.fill("#name", name)
    await phone.get_by_role("button", name="Meedoen").click()
    return phone


async def test_a_locked_table_lets_a_phone_in_when_the_facilitator_says_so(
    browser: Browser, web_server: Server
) -> None:
    async with httpx.AsyncClient(base_url=web_server.http) as http:
        g = await seat(web_server, http, NAMES[:2])
    s = g.session
    code = s.created["join_code"]
    fac = await open_page(
        browser, f"{web_server.http}/f/{s.id}#{s.token('facilitator')}", 1280, 900
    )
    await fac.get_by_label("Tafel op slot").check()
    await g.fac.until(lambda v: v["locked"])

    chris = await _ask(browser, web_server, code, "Chris")
    await expect(chris.locator("#app")).to_contain_text("Even wachten")
    await snap(chris, "door-phone-waiting")
    await assert_accessible(chris, "a phone waiting to be let in")
    dirk = await _ask(browser, web_server, code, "Dirk")
    await expect(dirk.locator("#app")).to_contain_text("Even wachten")
    await dirk.reload()  # a phone that locks or reloads while it waits keeps its place
    await expect(dirk.locator("#app")).to_contain_text("Even wachten")

    await expect(fac.locator("#app").get_by_text("Chris wil meedoen.")).to_be_visible()
    await expect(fac.locator("#app").get_by_text("Dirk wil meedoen.")).to_be_visible()
    await snap(fac, "door-facilitator-two-waiting")
    await assert_accessible(fac, "the facilitator with two people waiting")
    assert [p["name"] for p in g.fac.view["players"]] == ["Anouk", "Bram"]

    await fac.get_by_role("button", name="Laat Chris binnen").click()
    await expect(chris.locator("#who")).to_have_text("Chris", timeout=5_000)
    assert chris.url.endswith(f"/p/{s.id}")
    await fac.get_by_role("button", name="Weiger Dirk").click()
    await expect(dirk.locator("#app [role=alert]")).to_contain_text(
        "niet binnengelaten", timeout=5_000
    )
    await snap(dirk, "door-phone-turned-away")
    await g.fac.until(lambda v: [p["name"] for p in v["players"]] == ["Anouk", "Bram", "Chris"])
    await expect(fac.get_by_role("button", name=re.compile("^Laat .* binnen$"))).to_have_count(0)

    # a removed player who tries the code again waits for the facilitator, even unlocked
    await fac.get_by_label("Tafel op slot").uncheck()
    await g.fac.until(lambda v: not v["locked"])
    await g.fac.ok("remove_player", player_id=s.players["Bram"]["player_id"])
    bram = await _ask(browser, web_server, code, "Bram")
    await expect(bram.locator("#app")).to_contain_text("Even wachten")
    returning = "Bram werd eerder van de tafel gehaald en wil weer meedoen."
    await expect(fac.locator("#app").get_by_text(returning)).to_be_visible()
    await snap(fac, "door-facilitator-removed-player-back")
    await g.close()


async def test_a_workshop_console_locks_its_lobby_and_lets_people_in(
    browser: Browser, web_server: Server
) -> None:
    async with httpx.AsyncClient(base_url=web_server.http) as http:
        created = (await http.post("/api/sessions", json={"tables": 2})).json()
    console = await open_page(browser, created["links"]["facilitator"], 1366, 768)
    await console.get_by_label("Tafel op slot").check()
    yara = await _ask(browser, web_server, created["join_code"], "Yara")
    await expect(yara.locator("#app")).to_contain_text("Even wachten")
    await expect(console.locator("#app").get_by_text("Yara wil meedoen.")).to_be_visible()
    await snap(console, "door-console-waiting")
    await assert_accessible(console, "the workshop console with someone waiting")
    await console.get_by_role("button", name="Laat Yara binnen").click()
    await expect(yara.locator(".step h2")).to_contain_text("De spelbegeleider deelt de tafels in")


async def test_a_slow_reader_is_given_time_and_the_discussion_waits_for_them(
    browser: Browser, web_server: Server
) -> None:
    async with httpx.AsyncClient(base_url=web_server.http) as http:
        g = await seat(web_server, http, NAMES, rounds=1, open_card_last_round=False)
    s = g.session
    fac = await open_page(
        browser, f"{web_server.http}/f/{s.id}#{s.token('facilitator')}", 1280, 900
    )
    await fac.locator("#app").get_by_text("Meer leestijd", exact=True).click()
    await fac.get_by_label("Anouk krijgt meer leestijd").check()
    await g.fac.until(lambda v: v["given_time"])
    phones = {}
    for name, _ in NAMES:
        page = await open_page(browser, f"{web_server.http}/p/{s.id}")
        await page.evaluate(
            "([k, v]) => localStorage.setItem(k, v)",
            [f"tvb:seat:{s.id}", s.players[name]["player_token"]],
        )
        await page.reload()
        await expect(page.locator("#who")).to_have_text(name)
        phones[name] = page
    await g.fac.ok("start_game")
    await g.fac.ok("choose_opdracht")

    anouk, bram = phones["Anouk"], phones["Bram"]
    await expect(anouk.locator(".step")).to_contain_text("Neem de tijd")
    await expect(bram.locator(".step")).not_to_contain_text("Neem de tijd")
    await expect(bram.locator(".step")).to_contain_text("Nog aan het lezen: Anouk, Chris")
    await snap(anouk, "reading-time-phone-given-time")
    await assert_accessible(anouk, "a phone given more time to read")
    cards = [u["strategy"]["title"] for u in g.fac.view["units"]]
    line = await bram.locator(".step").inner_text()
    assert not [c for c in cards if c in line.split("Nog aan het lezen")[1]], "names, not cards"

    await expect(
        fac.locator("#app").get_by_text("Het overleg wacht op wie meer leestijd kreeg: Anouk.")
    ).to_be_visible()
    await expect(fac.get_by_role("button", name="Overleg starten", exact=True)).to_have_count(0)
    await snap(fac, "reading-time-facilitator-waits")
    await anouk.get_by_role("button", name="Ik begrijp mijn kaart").click()
    await expect(fac.get_by_role("button", name="Overleg starten", exact=True)).to_be_enabled()
    await expect(bram.locator(".step")).to_contain_text("Nog aan het lezen: Chris")

    # the whole table given time: the start asks first, and starts anyway when confirmed
    await fac.get_by_label("Iedereen: het overleg start pas").check()
    await expect(
        fac.locator("#app").get_by_text("meer leestijd kreeg: Bram, Chris.")
    ).to_be_visible()
    await fac.get_by_role("button", name="Toch het overleg starten").click()
    await expect(fac.locator("#app").get_by_text("Nog aan het lezen: Bram, Chris.")).to_be_visible()
    await fac.get_by_role("button", name="Toch het overleg starten").click()
    await expect(bram.locator(".phase")).to_contain_text("Overleg")
    await g.close()
