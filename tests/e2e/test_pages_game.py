"""A whole 7-player game (three duos and a solo) played through the pages only: a facilitator's
laptop, the shared screen, seven phones. At each phase: what each person sees, no card leaks on
any phone or the screen (text and DOM), axe-core finds nothing, screenshots are kept."""

import re
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from cards import load_deck
from tests.app.server import Server
from tests.e2e.conftest import assert_accessible, snap

NAMES = [("Anouk", "Gemeente"), ("Bram", "GGD"), ("Chris", "Gemeente"), ("Dewi", "School"),
         ("Eva", "GGD"), ("Fatima", "School"), ("Gijs", "Bibliotheek")]  # fmt: skip
STRATEGY_TEXT = {s.id: s.text for s in load_deck("standaard", "nl").strategies}
PHONES = ["Pixel 7", "iPhone 13"]
PAGE_ERRORS: list[str] = []  # uncaught errors in any page of the game


class Table:
    def __init__(
        self, server: Server, fac: Page, screen: Page, phones: dict[str, Page], token: str, sid: str
    ) -> None:
        self.server, self.fac, self.screen, self.phones, self.token, self.sid = (
            server,
            fac,
            screen,
            phones,
            token,
            sid,
        )

    async def events(self) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self.server.http) as http:
            r = await http.get(
                f"/api/sessions/{self.sid}/events",
                headers={"Authorization": f"Bearer {self.token}"},
            )
            return r.json()

    async def truth(self) -> tuple[dict[str, str], dict[str, str], set[str]]:
        """(player name -> unit, unit -> this round's card, revealed units), from the trainer's log."""
        events = await self.events()
        names = {e["player_id"]: e["name"] for e in events if e["type"] == "player_joined"}
        units = {}
        for e in events:
            if e["type"] == "game_started":
                units = {names[m]: u["id"] for u in e["units"] for m in u["members"]}
            if e["type"] == "players_swapped":
                a, b = names[e["a"]], names[e["b"]]
                units[a], units[b] = units[b], units[a]
        deals = [e for e in events if e["type"] == "strategies_dealt"]
        starts = [i for i, e in enumerate(events) if e["type"] == "round_started"]
        current = (
            deals[-1]["deal"]
            if deals and (not starts or events.index(deals[-1]) > starts[-1])
            else {}
        )
        since = starts[-1] if starts else 0
        revealed = {e["unit_id"] for e in events[since:] if e["type"] == "card_revealed"}
        return units, current, revealed

    async def check_secrets(self) -> None:
        units, deal, revealed = await self.truth()
        for name, page in [("screen", self.screen), *self.phones.items()]:
            mine = deal.get(units.get(name, ""), None)
            allowed = {mine} | {deal[u] for u in revealed}
            text, dom = await page.inner_text("body"), await page.content()
            for card, words in STRATEGY_TEXT.items():
                if card not in allowed:
                    assert words not in text and words not in dom, f"{name} shows {card}"

    async def checkpoint(self, phase: str, phone: str = "Anouk", round_no: int = 1) -> None:
        """Everyone is in `phase`; nothing leaks; the three kinds of page pass axe; screenshots."""
        for page in [self.fac, self.screen, *self.phones.values()]:
            await expect(page.locator(".phase")).to_contain_text(phase, timeout=15_000)
        await self.check_secrets()
        for who, page in (
            ("facilitator", self.fac),
            ("screen", self.screen),
            (f"phone-{phone}", self.phones[phone]),
        ):
            await assert_accessible(page, f"{who} in {phase}")
            await snap(page, f"round{round_no}-{who}-{phase}")


async def _context(browser: Browser, device: str | None = None) -> BrowserContext:
    from playwright.async_api import async_playwright  # device descriptors only

    async with async_playwright() as p:
        options = (
            dict(p.devices[device]) if device else {"viewport": {"width": 1280, "height": 900}}
        )
    options.pop("default_browser_type", None)
    ctx = await browser.new_context(**options, bypass_csp=True, locale="nl-NL")
    ctx.on("weberror", lambda e: PAGE_ERRORS.append(str(e.error)))
    return ctx


async def _seat_everyone(browser: Browser, server: Server) -> Table:
    fac_ctx = await _context(browser)
    fac = await fac_ctx.new_page()
    await fac.goto(f"{server.http}/")
    await assert_accessible(fac, "host page")
    await snap(fac, "host")
    await fac.get_by_label("Aantal rondes").select_option("2")
    await fac.get_by_label("Minuten per ronde").fill("3")  # 18 s at THEATER_CLOCK_SCALE=10
    await fac.get_by_role("button", name="Sessie starten").click()
    await fac.wait_for_url(re.compile(r"/f/"))
    sid, token = fac.url.split("/f/")[1].split("#")
    code = (await fac.get_by_test_id("join-code").text_content() or "").strip()
    screen_url = await fac.get_by_role("link", name="Gedeeld scherm openen").get_attribute("href")
    screen = await (await _context(browser)).new_page()
    await screen.goto(screen_url or "")
    await expect(screen.locator(".code")).to_have_text(code)
    phones: dict[str, Page] = {}
    for i, (name, org) in enumerate(NAMES):
        page = await (await _context(browser, PHONES[i % 2])).new_page()
        await page.goto(f"{server.http}/j/{code}")
        if i == 0:
            await assert_accessible(page, "join page")
            await snap(page, "phone-join")
        await page.get_by_label("Je naam").fill(name)
        await page.get_by_label("Organisatie").fill(org)
        await page.get_by_role("button", name="Meedoen").click()
        await expect(page.get_by_text(f"Welkom, {name}.")).to_be_visible()
        phones[name] = page
    for name, _ in NAMES:
        await expect(fac.locator("ul.players li.online", has_text=name)).to_be_visible()
        await expect(screen.locator("ul.players li", has_text=name)).to_be_visible()
    return Table(server, fac, screen, phones, token, sid)


async def _pick(t: Table) -> None:
    pickers = [
        n for n, p in t.phones.items() if await p.get_by_text("Jij kiest de opdracht").count()
    ]
    assert len(pickers) == 1
    picker_name = pickers[0]
    for name, page in t.phones.items():
        if name != picker_name:
            await expect(page.get_by_text(f"{picker_name} kiest een opdracht.")).to_be_visible()
    await t.phones[picker_name].get_by_role("button", name="Kaart 2").click()


async def _read_cards(t: Table) -> None:
    units, deal, _ = await t.truth()
    titles = {s.id: s.title for s in load_deck("standaard", "nl").strategies}
    for name, page in t.phones.items():
        await expect(page.locator(".strategy .card-title")).to_have_text(titles[deal[units[name]]])
    done: set[str] = set()
    for name, page in t.phones.items():
        if units[name] not in done:
            done.add(units[name])
            await page.get_by_role("button", name="Ik begrijp mijn kaart").click()
    for page in t.phones.values():  # a duo partner sees the unit ready too
        await expect(page.get_by_role("button", name="Klaar")).to_be_disabled()


async def _decide_and_reflect(t: Table, last: bool) -> None:
    round_no = 2 if last else 1
    await t.fac.get_by_label("Besluit van de groep").fill("Karten <b>in</b> Zeeland")
    await t.fac.get_by_label("deels").check()
    await t.fac.get_by_role("button", name="Besluit vastleggen").click()
    for i, page in enumerate(t.phones.values()):
        await expect(
            page.get_by_text("Karten <b>in</b> Zeeland")
        ).to_be_visible()  # escaped, as typed
        await page.get_by_role("button", name=("ja", "deels", "nee")[i % 3], exact=True).click()
    await expect(t.fac.get_by_text("Staat erachter: ja 3, deels 2, nee 2")).to_be_visible()
    await t.checkpoint("Besluit", round_no=round_no)
    await t.fac.get_by_role("button", name="Start de reflectie").click()
    count = 11 if last else 3
    await expect(t.screen.get_by_text(f"Vraag 1 van {count}")).to_be_visible()
    for name, anonymous in (("Anouk", False), ("Bram", True)):
        page = t.phones[name]
        await page.get_by_label("Jouw antwoord").fill(
            "Stil antwoord" if anonymous else f"Antwoord van {name}"
        )
        if anonymous:
            await page.get_by_label("Anoniem").check()
        await page.get_by_role("button", name="Versturen").click()
    await expect(t.fac.get_by_text("Antwoord van Anouk")).to_be_visible()
    await expect(t.fac.locator("li", has_text="Stil antwoord")).to_contain_text("anoniem")
    assert "Bram" not in await t.fac.locator("li", has_text="Stil antwoord").inner_text()
    assert await t.screen.get_by_text("Antwoord van Anouk").count() == 0
    await (
        t.fac.locator("li", has_text="Stil antwoord")
        .get_by_role("button", name="Toon op scherm")
        .click()
    )
    await expect(t.screen.get_by_text("Stil antwoord")).to_be_visible()
    assert "Bram" not in await t.screen.locator("main ul").inner_text()  # anonymous stays anonymous
    await t.checkpoint("Reflectie", round_no=round_no)
    for i in range(2, count + 1):
        await t.fac.get_by_role("button", name="Volgende vraag").click()
        await expect(t.screen.get_by_text(f"Vraag {i} van {count}")).to_be_visible()


async def test_a_seven_player_game_played_through_the_pages(
    browser: Browser, web_server: Server
) -> None:
    t = await _seat_everyone(browser, web_server)
    await t.checkpoint("Wachten tot het spel begint")
    await t.fac.get_by_role("button", name="Spel starten").click()
    await t.checkpoint("Opdracht kiezen")
    units, _, _ = await t.truth()
    assert sorted(list(units.values()).count(u) for u in set(units.values())) == [1, 2, 2, 2]

    # round 1
    await _pick(t)
    await t.checkpoint("Kaart lezen")
    await _read_cards(t)
    await t.fac.get_by_role("button", name="Start het overleg").click()
    await t.checkpoint("Overleg")
    phone = t.phones["Chris"]
    await phone.context.set_offline(True)
    await expect(phone.get_by_text("Geen verbinding")).to_be_visible()
    await phone.context.set_offline(False)
    await expect(phone.locator("#status")).to_be_hidden(timeout=10_000)
    _, deal, _ = await t.truth()
    units, _, _ = await t.truth()
    titles = {s.id: s.title for s in load_deck("standaard", "nl").strategies}
    await expect(phone.locator(".strategy .card-title")).to_have_text(titles[deal[units["Chris"]]])
    shown = await phone.locator(".clock").text_content() or ""
    other = await t.phones["Anouk"].locator(".clock").text_content() or ""
    assert shown == other or abs(int(shown[-2:]) - int(other[-2:])) <= 1, (shown, other)
    for page in t.phones.values():  # the warning comes 12 s after the start, however fast we were
        await expect(page.get_by_text("Nog één minuut!")).to_be_visible(timeout=20_000)
    await _decide_and_reflect(t, last=False)
    await t.fac.get_by_role("button", name="Volgende ronde").click()

    # round 2: the open-card round
    await t.checkpoint("Opdracht kiezen", round_no=2)
    await _pick(t)
    await expect(t.phones["Anouk"].get_by_text("open kaart")).to_be_visible()
    units, deal, _ = await t.truth()
    first = next(iter(t.phones))
    await t.phones[first].get_by_role("button", name="Leg mijn kaart open").click()
    for page in [t.screen, *t.phones.values()]:
        await expect(page.get_by_text(STRATEGY_TEXT[deal[units[first]]])).to_be_visible()
    await t.checkpoint("Kaart lezen", round_no=2)
    for _name, page in t.phones.items():
        button = page.get_by_role("button", name="Leg mijn kaart open")
        if await button.count():
            await button.click()
            await expect(button).to_have_count(0)
    await t.fac.get_by_role("button", name="Start het overleg").click()
    await t.checkpoint("Overleg", round_no=2)
    for card in deal.values():  # every card is open now, on every screen
        await expect(t.screen.get_by_text(STRATEGY_TEXT[card])).to_be_visible()
    await t.fac.get_by_role("button", name="Overleg beëindigen").click()
    await _decide_and_reflect(t, last=True)
    await t.fac.get_by_role("button", name="Spel beëindigen").click()
    await t.checkpoint("Afgelopen", round_no=2)
    async with t.fac.expect_download() as info:
        await t.fac.get_by_role("button", name="Verslag downloaden (md)").click()
    report = (await (await info.value).path()).read_text()
    assert PAGE_ERRORS == []
    assert "## Ronde 2 — ronde met open kaarten" in report and "Fatima" in report
    assert "Karten \\<b>in\\</b> Zeeland" in report
