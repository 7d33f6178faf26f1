"""A whole 7-player game (three duos and a solo) played through the pages only: a facilitator's
laptop, the shared screen at 1366×768 and at 1920×1080, seven phones (412×915), one phone 320 px
wide and one with text at 200 %. At every phase: the step and its action and the own card are in
a phone's first screen, the shared screens need no scrolling, no text runs out of its box, no
card leaks, axe finds nothing, every tap is confirmed; and a screenshot per phase per viewer."""

import re
from collections import Counter
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from cards import load_deck
from tests.app.server import Server
from tests.e2e.conftest import assert_accessible, snap
from tests.e2e.test_pages_room import BROKEN_WORDS, OPEN_CARDS

NAMES = [("Anouk", "Gemeente"), ("Bram", "GGD"), ("Chris", "Gemeente"), ("Dewi", "School"),
         ("Eva", "GGD"), ("Fatima", "School"), ("Gijs", "Bibliotheek")]  # fmt: skip
NL = load_deck("standaard", "nl")
EN = load_deck("standaard", "en")
STRATEGY_TEXT = {s.id: s.text for s in NL.strategies}
PAGE_ERRORS: list[str] = []  # uncaught errors and CSP reports in any page of the game
KINDS: Counter[str] = Counter()  # the state frames' kinds the pages got: "state", "patch"

FIRST_SCREEN = """() => {
  const bottom = (el) => el ? el.getBoundingClientRect().bottom : 0;
  const step = document.querySelector("#app .step, #app form.answer");
  const action = document.querySelector("#app .step button, #app form.answer button[type=submit]");
  const own = [...document.querySelectorAll("#app .card.strategy")].find((c) => c.getAttribute("aria-label").startsWith(document.documentElement.lang === "en" ? "Your" : "Jouw"));
  // once played (deciding, reflecting) the own card folds below the one thing to do now
  const folded = document.querySelector("#app details.fold:not([open])");
  return { height: innerHeight, step: bottom(step), action: bottom(action), own: folded ? 0 : bottom(own), hasStep: Boolean(step) };
}"""
OVERFLOWING = """() => [...document.querySelectorAll("header *, main *")]
  .filter((e) => e instanceof HTMLElement && e.offsetParent && !e.closest(".visually-hidden, .timeline ol")
    && getComputedStyle(e).display !== "inline" && e.scrollWidth > e.clientWidth + 1)
  .map((e) => `${e.tagName}.${e.className}: ${e.textContent.slice(0, 40)}`)"""
FITS = """() => ({ page: document.documentElement.scrollHeight <= innerHeight + 1,
  main: [...document.querySelectorAll("main *")].filter((e) => e.offsetParent)
    .every((e) => e.getBoundingClientRect().bottom <= innerHeight + 1) })"""


class Room:
    """Everyone's pages in one game, and the truth to check them against (the trainer's log)."""

    def __init__(self, server: Server, sid: str, token: str) -> None:
        self.server, self.sid, self.token = server, sid, token
        self.fac: Page
        self.screens: dict[str, Page] = {}
        self.phones: dict[str, Page] = {}
        self.narrow: dict[str, Page] = {}  # the same players on a 320 px phone and at 200 % text

    @property
    def screen(self) -> Page:
        return self.screens["1366"]

    async def events(self) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self.server.http) as http:
            r = await http.get(
                f"/api/sessions/{self.sid}/events",
                headers={"Authorization": f"Bearer {self.token}"},
            )
            return r.json()

    async def truth(self) -> tuple[dict[str, str], dict[str, str], set[str]]:
        """(player name -> unit, unit -> this round's card, revealed units), from the log."""
        events = await self.events()
        names = {e["player_id"]: e["name"] for e in events if e["type"] == "player_joined"}
        units: dict[str, str] = {}
        for e in events:
            if e["type"] == "game_started":
                units = {names[m]: u["id"] for u in e["units"] for m in u["members"]}
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
        pages = [("screen", self.screen), *self.phones.items()]
        for name, page in pages:
            if await page.locator(".summary").count():
                continue  # the game is over: the ending shows every card to everyone
            mine = deal.get(units.get(name, ""), None)
            allowed = {mine} | {deal[u] for u in revealed}
            text, dom = await page.inner_text("body"), await page.content()
            for card, words in STRATEGY_TEXT.items():
                if card not in allowed:
                    assert words not in text and words not in dom, f"{name} shows {card}"

    async def checkpoint(self, label: str, phase: str) -> None:
        """Everyone is in `phase`; the room issue's promises hold on every page; screenshots."""
        everyone = [self.fac, *self.screens.values(), *self.phones.values(), *self.narrow.values()]
        for page in everyone:
            await expect(page.locator(".phase")).to_contain_text(phase, timeout=20_000)
        for who, page in [("facilitator", self.fac), *(("screen-" + s, p) for s, p in self.screens.items()),
                          *(("phone-" + n, p) for n, p in self.phones.items()),
                          *(("narrow-" + n, p) for n, p in self.narrow.items())]:  # fmt: skip
            await snap(page, f"{label}-{who}")
        await self.check_secrets()
        for name, page in self.phones.items():
            seen = await page.evaluate(FIRST_SCREEN)
            assert seen["step"] <= seen["height"], f"{name}: the step is below the fold in {label}"
            assert seen["action"] <= seen["height"], f"{name}: the action is below the fold"
            assert seen["own"] <= seen["height"], f"{name}: the own card is below the fold"
        for size, page in self.screens.items():
            fits = await page.evaluate(FITS)
            assert fits == {"page": True, "main": True}, f"screen {size} scrolls in {label}"
        for name, page in self.narrow.items():
            wide = await page.evaluate(OVERFLOWING)
            assert wide == [], f"{name} overflows in {label}: {wide}"
        for page in everyone:  # lines break between words on every page, width and zoom
            broken = await page.evaluate(BROKEN_WORDS)
            assert broken == [], f"{page.url} in {label}: words broken inside: {broken}"
        for who, page in (("facilitator", self.fac), ("screen", self.screen),
                          ("phone", self.phones["Anouk"])):  # fmt: skip
            await assert_accessible(page, f"{who} in {label}")


async def _context(
    browser: Browser, width: int, height: int, mobile: bool = False
) -> BrowserContext:
    ctx = await browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=mobile, has_touch=mobile,
        bypass_csp=True, locale="nl-NL",
    )  # fmt: skip
    ctx.on("weberror", lambda e: PAGE_ERRORS.append(str(e.error)))
    return ctx


async def _page(ctx: BrowserContext, url: str) -> Page:
    page = await ctx.new_page()
    page.on("console", lambda m: PAGE_ERRORS.append(m.text) if m.type == "error" else None)
    page.on("websocket", lambda ws: ws.on("framereceived", _count))
    await page.goto(url)
    return page


def _count(payload: str | bytes) -> None:
    kind = str(payload)[:16]
    KINDS[kind.removeprefix('{"type":"').removesuffix('",')] += 1


async def _seat_everyone(browser: Browser, server: Server) -> Room:
    fac = await _page(await _context(browser, 1280, 900), f"{server.http}/")
    await expect(fac.locator("#app").get_by_text("Theater van Besluit is een spel")).to_be_visible()
    await assert_accessible(fac, "host page")
    await snap(fac, "00-host")
    await fac.get_by_label("Aantal rondes").select_option("2")
    await fac.get_by_label("Minuten per ronde").fill("3")  # 18 s at THEATER_CLOCK_SCALE=10
    await fac.get_by_role("button", name="Sessie aanmaken").click()
    await expect(
        fac.locator("#app").get_by_text("De sessie is klaar")
    ).to_be_visible()  # the links, at creation
    for row in ("Spelbegeleider", "Groot scherm", "Terugkijken (voor de trainer)", "Meedoen"):
        await expect(fac.locator("dt", has_text=row)).to_be_visible()
    await snap(fac, "00-host-links")
    screen_url = await fac.locator("dt:has-text('Groot scherm') + dd a").get_attribute("href")
    await fac.get_by_role("link", name="Naar de spelbegeleiding").click()
    await fac.wait_for_url(re.compile(r"/f/[0-9a-f]{16}$"))  # the token left the address bar
    sid = fac.url.split("/f/")[1]
    token = await fac.evaluate(f"localStorage.getItem('tvb:fac:{sid}')")
    room = Room(server, sid, token)
    room.fac = fac
    code = (await fac.get_by_test_id("join-code").text_content() or "").strip()
    for size, (w, h) in {"1366": (1366, 768), "1920": (1920, 1080)}.items():
        room.screens[size] = await _page(await _context(browser, w, h), screen_url or "")
        await expect(room.screens[size].locator(".code")).to_have_text(code)
        await room.screens[size].wait_for_url(re.compile(r"/s/[0-9a-f]{16}$"))
    for i, (name, org) in enumerate(NAMES):
        page = await _page(
            await _context(browser, 412, 915, mobile=True), f"{server.http}/j/{code}"
        )
        if i == 0:
            await assert_accessible(page, "join page")
            await snap(page, "00-phone-join")
        await page.get_by_label("Je naam").fill(name)
        await page.get_by_label("Organisatie").fill(org)
        await page.get_by_role("button", name="Meedoen").click()
        await expect(page.locator("#app").get_by_text(f"Welkom, {name}!")).to_be_visible()
        await expect(page.locator("#who")).to_have_text(name)  # your name, always in sight
        room.phones[name] = page
    for name, width, text in (("Anouk", 320, "100%"), ("Bram", 412, "200%")):
        seat = await room.phones[name].evaluate(f"localStorage.getItem('tvb:seat:{sid}')")
        ctx = await _context(browser, width, 915, mobile=True)
        await ctx.add_init_script(
            f"if (location.protocol === 'http:') localStorage.setItem('tvb:seat:{sid}', '{seat}')"
        )
        page = await _page(ctx, f"{server.http}/p/{sid}")
        await page.evaluate(f"document.documentElement.style.fontSize = '{text}'")
        room.narrow[f"{name}-{width}px-{text}"] = page
    for name, _ in NAMES:
        await expect(fac.locator("ul.players li.online", has_text=name)).to_be_visible()
        await expect(room.screen.locator("ul.names li", has_text=name)).to_be_visible()
    return room


async def _pick(room: Room) -> None:
    pickers = [
        n
        for n, p in room.phones.items()
        if await p.locator("#app").get_by_text("Kies een opdrachtkaart").count()
    ]
    assert len(pickers) == 1
    for name, page in room.phones.items():
        if name != pickers[0]:
            await expect(
                page.locator("#app").get_by_text(f"{pickers[0]} kiest de opdrachtkaart.")
            ).to_be_visible()
    await expect(
        room.screen.locator("#app").get_by_text(f"{pickers[0]} kiest de opdrachtkaart")
    ).to_be_visible()
    await room.phones[pickers[0]].get_by_role("button", name="Kaart 2").click()


async def _read_cards(room: Room) -> None:
    units, deal, _ = await room.truth()
    titles = {s.id: s.title for s in NL.strategies}
    for name, page in room.phones.items():
        await expect(page.locator(".strategy .card-title").first).to_have_text(
            titles[deal[units[name]]]
        )
    await expect(
        room.screen.locator("#app").get_by_text("0 van 7 deelnemers begrijpen hun kaart")
    ).to_be_visible()
    done: set[str] = set()
    for name, page in room.phones.items():
        if units[name] not in done:
            done.add(units[name])
            await page.get_by_role("button", name="Ik begrijp mijn kaart").click()
    for page in room.phones.values():  # the confirmation, for a duo partner too
        await expect(
            page.locator("#app").get_by_text("Je bent klaar. Wacht tot de spelbegeleider")
        ).to_be_visible()
    await expect(
        room.screen.locator("#app").get_by_text("7 van 7 deelnemers begrijpen hun kaart")
    ).to_be_visible()


async def _decide_and_reflect(room: Room, last: bool) -> None:
    tag = "r2" if last else "r1"
    await expect(room.screen.locator(".times-up")).to_have_text("Tijd is om", timeout=20_000)
    await room.checkpoint(f"{tag}-5-time-up", "Besluit")
    await room.fac.get_by_label("Welk besluit heeft de groep genomen?").fill(
        "Karten <b>in</b> Zeeland"
    )
    await room.fac.get_by_label("deels").check()
    await room.fac.get_by_role("button", name="Besluit vastleggen").click()
    await expect(room.fac.locator("#app").get_by_text("Het besluit is vastgelegd")).to_be_visible()
    for i, page in enumerate(room.phones.values()):
        await expect(
            page.locator("#app").get_by_text("Karten <b>in</b> Zeeland").first
        ).to_be_visible()  # as typed
        value = ("ja", "deels", "nee")[i % 3]
        await page.get_by_role("button", name=value, exact=True).click()
        await expect(
            page.locator("#app").get_by_text(f"Je stem is meegeteld: {value}.")
        ).to_be_visible()
    line = "Achter het besluit: ja 3 · deels 2 · nee 2 · nog niet 0"
    await expect(room.fac.locator("#app").get_by_text(line)).to_be_visible()
    await expect(room.screen.locator("#app").get_by_text(line)).to_be_visible()
    if not last:  # a closed-card round: Anouk guesses every other unit's card; it stays hers
        anouk = room.phones["Anouk"]
        for i, select in enumerate(await anouk.locator(".guesses select").all()):
            await select.select_option(label=["Consensus", "Autoriteit", "Adequaat"][i % 3])
        await expect(anouk.locator(".guesses select").first).to_have_value(
            re.compile("consensus"), timeout=5000
        )
        units, _, _ = await room.truth()
        other = next(n for n in room.phones if units[n] != units["Anouk"])
        assert await room.phones[other].locator(".guesses select").first.input_value() == ""
    await room.checkpoint(f"{tag}-6-decision", "Besluit")
    await room.fac.get_by_role("button", name="Reflectie starten").click()
    count = 11 if last else 3
    await expect(room.screen.locator("#app").get_by_text(f"Vraag 1 van {count}")).to_be_visible()
    for name, anonymous in (("Anouk", False), ("Bram", True)):
        page = room.phones[name]
        await page.get_by_label("Jouw antwoord").fill(
            "Stil antwoord" if anonymous else f"Antwoord van {name}"
        )
        if anonymous:
            await page.get_by_label("Anoniem versturen").check()
        await page.get_by_role("button", name="Antwoord versturen").click()
        sent = "Je antwoord is anoniem verstuurd." if anonymous else "Je antwoord is verstuurd."
        await expect(page.locator("#app").get_by_text(sent)).to_be_visible()
    await expect(room.fac.locator("#app").get_by_text("2 van 7 hebben geantwoord")).to_be_visible()
    await expect(room.fac.locator("#app").get_by_text("Antwoord van Anouk")).to_be_visible()
    await expect(room.fac.locator("li", has_text="Stil antwoord")).to_contain_text("anoniem")
    assert "Bram" not in await room.fac.locator("li", has_text="Stil antwoord").inner_text()
    assert await room.screen.locator("#app").get_by_text("Antwoord van Anouk").count() == 0
    for text in ("Stil antwoord", "Antwoord van Anouk"):
        await room.fac.locator("li", has_text=text).get_by_role("button", name="Op scherm").click()
        await expect(room.screen.locator("#app").get_by_text(text)).to_be_visible()
    assert "Bram" not in await room.screen.locator("ul.wall").inner_text()  # anonymous stays so
    await room.checkpoint(f"{tag}-7-reflection", "Reflectie")
    eva = room.phones["Eva"]
    await eva.get_by_role("button", name="English").click()
    first = "over-spel-1" if last else "in-spel-1"
    await expect(eva.locator("#app").get_by_text(EN.prompt(first).text)).to_be_visible()
    await eva.get_by_role("button", name="Nederlands").click()
    await expect(eva.locator("#app").get_by_text(NL.prompt(first).text)).to_be_visible()
    for i in range(2, count + 1):
        await room.fac.get_by_role("button", name="Volgende vraag").click()
        await expect(
            room.screen.locator("#app").get_by_text(f"Vraag {i} van {count}")
        ).to_be_visible()
        if i == 2:  # what was on the screen for the last question leaves it, everywhere
            for page in [room.screen, *room.phones.values()]:
                await expect(page.locator("#app").get_by_text("Stil antwoord")).to_have_count(0)
            await expect(room.fac.get_by_role("button", name="Van scherm halen")).to_have_count(0)


async def _paused(room: Room, label: str) -> None:
    """Look at the discussion with the clock paused, so looking takes none of the group's time."""
    await room.fac.get_by_role("button", name="Pauzeren").click()
    for page in [room.screen, *room.phones.values()]:
        await expect(page.locator(".paused")).to_have_text("Gepauzeerd")
    await room.checkpoint(label, "Overleg")
    await room.fac.get_by_role("button", name="Klok verder laten lopen").click()
    await expect(room.screen.locator(".paused")).to_have_count(0)


async def _confirm(page: Page, name: str) -> None:
    """A step that cannot be undone asks once more."""
    await page.get_by_role("button", name=name).click()
    await expect(page.locator("#app").get_by_text("Zeker weten?")).to_be_visible()
    await page.get_by_role("button", name=name).click()


@pytest.mark.timeout(360)  # three rounds on their timers, nine pages: 105 s alone on our machine
async def test_a_seven_player_game_played_through_the_pages(
    browser: Browser, web_server: Server
) -> None:
    room = await _seat_everyone(browser, web_server)
    await room.checkpoint("r0-lobby", "Wachten tot het spel begint")
    await room.fac.get_by_role("button", name="Spel starten").click()
    await room.checkpoint("r1-1-choosing", "Opdracht kiezen")
    units, _, _ = await room.truth()
    assert sorted(list(units.values()).count(u) for u in set(units.values())) == [1, 2, 2, 2]

    # round 1
    await _pick(room)
    await room.checkpoint("r1-2-reading", "Strategiekaart lezen")
    eva = room.phones["Eva"]  # Eva reads English: her cards and questions follow
    await eva.get_by_role("button", name="English").click()
    _, deal, _ = await room.truth()
    card = deal[units["Eva"]]
    await expect(eva.locator("#app").get_by_text(EN.strategy(card).text)).to_be_visible()
    assert await eva.locator("#app").get_by_text(NL.strategy(card).text).count() == 0
    await expect(eva.locator(".phase")).to_contain_text("Reading your strategy card")
    await eva.get_by_role("button", name="Nederlands").click()
    await _read_cards(room)
    await room.fac.get_by_role("button", name="Overleg starten").click()
    await _paused(room, "r1-3-discussing")
    phone = room.phones["Chris"]
    await phone.context.set_offline(True)
    await expect(phone.get_by_text("Geen verbinding")).to_be_visible()
    await phone.context.set_offline(False)
    await expect(phone.locator("#status")).to_be_hidden(timeout=10_000)
    titles = {s.id: s.title for s in NL.strategies}
    await expect(phone.locator(".strategy .card-title").first).to_have_text(
        titles[deal[units["Chris"]]]
    )
    for page in [*room.phones.values(), room.screen]:  # the warning, 12 s after the start: what
        # it says stays true (6 s are left at this clock scale: the last seconds, not a minute)
        await expect(page.locator(".warning")).to_have_text("Laatste seconden!", timeout=20_000)
    await _paused(room, "r1-4-warning")
    await _decide_and_reflect(room, last=False)
    await _confirm(room.fac, "Volgende ronde")

    # round 2: the open-card round
    await room.checkpoint("r2-1-choosing", "Opdracht kiezen")
    await _pick(room)
    units, deal, _ = await room.truth()
    await expect(room.fac.get_by_role("button", name="Overleg starten")).to_be_disabled()
    await expect(
        room.fac.locator("#app").get_by_text("Nog dicht:")
    ).to_be_visible()  # why it cannot start yet
    first = next(iter(room.phones))
    await room.phones[first].get_by_role("button", name="Leg mijn kaart open").click()
    await expect(
        room.phones[first].locator("#app").get_by_text("Je kaart ligt open")
    ).to_be_visible()
    for page in [room.screen, *room.phones.values()]:
        await expect(
            page.locator("#app").get_by_text(STRATEGY_TEXT[deal[units[first]]])
        ).to_be_visible()
    await room.checkpoint("r2-2-reading-open", "Strategiekaart lezen")
    for page in room.phones.values():
        button = page.get_by_role("button", name="Leg mijn kaart open")
        if await button.count():
            await button.click()
            await expect(button).to_have_count(0)
    await room.fac.get_by_role("button", name="Overleg starten").click()
    await _paused(room, "r2-3-discussing")
    await expect(room.fac.locator("#error")).to_be_hidden()
    for card_id in deal.values():  # every card open now, side by side on the screen
        await expect(
            room.screen.locator("#app").get_by_text(STRATEGY_TEXT[card_id])
        ).to_be_visible()
    for size, page in room.screens.items():  # flat, large and whole (four cards: larger still)
        for card in await page.evaluate(OPEN_CARDS):
            assert card["transform"] == "none" and card["inView"] and not card["clipped"], size
            assert card["title"] >= 28 and card["text"] >= 18, (size, card)
    await _confirm(room.fac, "Overleg beëindigen")
    await _decide_and_reflect(room, last=True)
    await _confirm(room.fac, "Spel afronden")
    await room.checkpoint("r2-9-ended", "Afgelopen")
    for page in [room.screen, *room.phones.values()]:  # the ending: who held which card
        await expect(page.locator("#app").get_by_text("Zo ging het spel")).to_be_visible()
        await expect(page.locator(".summary-round")).to_have_count(2)
        recognised = page.locator(".summary-round .recognition", has_text="herkend door")
        await expect(recognised.first).to_be_visible()  # Anouk's guesses, scored
    await expect(room.phones["Anouk"].locator(".mine")).to_contain_text("je raadde")
    async with room.fac.expect_download() as info:
        await room.fac.get_by_role("button", name="Verslag (tekst)").click()
    report = (await (await info.value).path()).read_text()
    assert [e for e in PAGE_ERRORS if "favicon" not in e] == []
    assert KINDS["patch"] > 10 * KINDS["state"] > 0, KINDS  # played on patches
    assert "## Ronde 2 — ronde met open kaarten" in report and "Fatima" in report
    assert "Karten \\<b>in\\</b> Zeeland" in report
