"""The room, second pass: six players (six units, every strategy card on the table) play two rounds,
driven over sockets, while the pages look on: the shared screen at 1366×768 and 1920×1080, the
facilitator's laptop, a phone 320 px wide and one with text at 200 %. At every phase the screen's
content fills the projector, no word breaks inside itself, and a screenshot is taken; the open
cards turn once and then stand flat and large, all six in view; the facilitator decides nothing by
default and sees what is destructive; the ending reveals every card, and each phone says how well
its player guessed."""

import re
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.app.server import Server
from tests.app.wire import WireGame, seat
from tests.e2e.conftest import assert_accessible, snap

NAMES = [("Anouk", "Gemeente"), ("Bram", "GGD"), ("Chris", "Gemeente"), ("Dewi", "School"),
         ("Eva", "GGD"), ("Fatima", "School")]  # fmt: skip

# Words split over two lines although they would fit on one (a word wider than its whole line may
# break: nothing else can show it). Hidden text, addresses and closed <details> are left out.
BROKEN_WORDS = """() => {
  const out = [];
  const measure = document.createElement("canvas").getContext("2d");
  const lineWidth = (el) => {
    while (el && getComputedStyle(el).display.startsWith("inline")) el = el.parentElement;
    const s = getComputedStyle(el);
    return el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !el.getClientRects().length || el.closest(".visually-hidden, .link, script, style")) continue;
    for (const m of node.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size < 2) continue;
      const s = getComputedStyle(el);
      measure.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
      const word = s.textTransform === "uppercase" ? m[0].toUpperCase() : m[0];
      const width = measure.measureText(word).width + (parseFloat(s.letterSpacing) || 0) * word.length;
      if (width <= lineWidth(el)) out.push(`${m[0]} (${el.tagName.toLowerCase()}.${el.className})`);
    }
  }
  return out;
}"""

# How much of the viewport the stage's painted content spans: the box around its text and around
# everything with a background, a border or a picture, over the viewport's area.
COVERAGE = """() => {
  const stage = document.querySelector("#app .stage");
  const rects = [];
  const walker = document.createTreeWalker(stage, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim() || node.parentElement.closest(".visually-hidden")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    rects.push(...range.getClientRects());
  }
  for (const el of stage.querySelectorAll("*")) {
    const s = getComputedStyle(el);
    const painted = el.tagName === "svg" || el.tagName === "IMG" || s.backgroundColor !== "rgba(0, 0, 0, 0)"
      || s.backgroundImage !== "none" || (parseFloat(s.borderTopWidth) > 0 && s.borderTopStyle !== "none");
    if (painted && !el.closest(".visually-hidden")) rects.push(el.getBoundingClientRect());
  }
  const seen = rects.filter((r) => r.width > 0 && r.height > 0);
  const left = Math.max(0, Math.min(...seen.map((r) => r.left))), top = Math.max(0, Math.min(...seen.map((r) => r.top)));
  const right = Math.min(innerWidth, Math.max(...seen.map((r) => r.right)));
  const bottom = Math.min(innerHeight, Math.max(...seen.map((r) => r.bottom)));
  return ((right - left) * (bottom - top)) / (innerWidth * innerHeight);
}"""

# What runs below the bottom of a screen that must never scroll (nothing, or the page's height).
BELOW = """() => [...document.querySelectorAll("main *")].filter((e) => e.offsetParent)
  .filter((e) => e.getBoundingClientRect().bottom > innerHeight + 1)
  .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)
  .concat(document.documentElement.scrollHeight > innerHeight + 1 ? ["the page"] : [])"""

OPEN_CARDS = """() => [...document.querySelectorAll(".table-cards .card.strategy")].map((c) => {
  const r = c.getBoundingClientRect();
  const size = (sel) => parseFloat(getComputedStyle(c.querySelector(sel)).fontSize);
  return { transform: getComputedStyle(c).transform, turning: c.getAnimations().length,
    title: size(".card-title"), text: size(".card-text"),
    inView: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight + 1 && r.right <= innerWidth + 1,
    clipped: c.scrollHeight > c.clientHeight + 1 };
})"""


class Room:
    def __init__(self, game: WireGame) -> None:
        self.game = game
        self.screens: dict[str, Page] = {}
        self.phones: dict[str, Page] = {}
        self.fac: Page

    @property
    def screen(self) -> Page:
        return self.screens["1366"]

    def player(self, name: str) -> Any:
        return next(c for c in self.game.players.values() if c.name == name)

    async def look(self, label: str, phase: str) -> None:
        pages = {"facilitator": self.fac, **{f"screen-{k}": p for k, p in self.screens.items()},
                 **{f"phone-{k}": p for k, p in self.phones.items()}}  # fmt: skip
        for page in pages.values():
            await expect(page.locator(".phase")).to_contain_text(phase, timeout=15_000)
        await self.fac.wait_for_timeout(700)  # a card laid open has finished turning
        for who, page in pages.items():
            await snap(page, f"room-{label}-{who}")
            broken = await page.evaluate(BROKEN_WORDS)
            assert broken == [], f"{who} in {label}: words broken inside: {broken}"
        for size, page in self.screens.items():
            below = await page.evaluate(BELOW)
            assert below == [], f"the {size} screen scrolls in {label}: {below}"
        filled = await self.screen.evaluate(COVERAGE)
        assert filled >= 0.6, f"the screen's content spans {filled:.0%} of 1366×768 in {label}"


async def _context(
    browser: Browser, width: int, height: int, seat: str = "", sid: str = ""
) -> BrowserContext:
    ctx = await browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL", bypass_csp=True,
                                    is_mobile=width < 500, has_touch=width < 500)  # fmt: skip
    if seat:
        await ctx.add_init_script(
            f"if (location.protocol === 'http:') localStorage.setItem('tvb:seat:{sid}', '{seat}')"
        )
    return ctx


async def _open(browser: Browser, server: Server, game: WireGame) -> Room:
    room = Room(game)
    s = game.session
    for size, (w, h) in {"1366": (1366, 768), "1920": (1920, 1080)}.items():
        page = await (await _context(browser, w, h)).new_page()
        await page.goto(f"{server.http}/s/{s.id}#{s.token('screen')}")
        room.screens[size] = page
    room.fac = await (await _context(browser, 1280, 900)).new_page()
    await room.fac.goto(f"{server.http}/f/{s.id}#{s.token('facilitator')}")
    for name, width, text in (("Anouk", 320, "100%"), ("Bram", 412, "200%")):
        ctx = await _context(browser, width, 915, s.players[name]["player_token"], s.id)
        page = await ctx.new_page()
        await page.goto(f"{server.http}/p/{s.id}")
        await expect(page.locator("#who")).to_have_text(name)
        await page.evaluate(f"document.documentElement.style.fontSize = '{text}'")
        room.phones[f"{name}-{width}px-{text}"] = page
    return room


async def _facilitator_decides_nothing_by_default(room: Room) -> None:
    fac = room.fac
    await expect(fac.locator("input[name=reached]")).to_have_count(3)
    assert await fac.locator("input[name=reached]:checked").count() == 0
    await fac.get_by_label("Welk besluit heeft de groep genomen?").fill("Naar het museum")
    await fac.get_by_role("button", name="Besluit vastleggen").click()
    await expect(fac.locator("#error")).to_contain_text("Kies eerst of de groep")
    assert room.game.fac.view["decision"] is None  # nothing was recorded on a guess
    await fac.get_by_label("deels").check()
    await fac.get_by_role("button", name="Besluit vastleggen").click()
    await expect(fac.locator("#app").get_by_text("Het besluit is vastgelegd")).to_be_visible()
    # the reflection is the obvious next step; skipping it is not, and says what it skips
    await expect(fac.get_by_role("button", name="Reflectie starten")).to_have_class(
        re.compile("primary")
    )
    skip = fac.get_by_role("button", name="Volgende ronde")
    await expect(skip).not_to_have_class(re.compile("primary"))
    await skip.click()
    await expect(fac.locator(".confirm-q")).to_contain_text(
        "De reflectie van deze ronde wordt dan helemaal overgeslagen."
    )
    await fac.get_by_role("button", name="Annuleren").click()


async def _destructive_buttons_look_it_and_say_what_happens(room: Room) -> None:
    fac = room.fac
    await fac.locator("#app").get_by_text("Meer", exact=True).click()
    remove = fac.get_by_role("button", name="Van de tafel halen")
    end = fac.get_by_role("button", name="Spel afronden")
    for button in (remove, end):
        await expect(button).to_have_class(re.compile("danger-outline"))
    assert await fac.locator("#remove").input_value() == ""  # nobody preselected
    await remove.click()
    await expect(fac.locator("#error")).to_contain_text("Kies eerst een deelnemer.")
    await expect(fac.locator(".confirm-q")).to_have_count(0)
    await fac.locator("#remove").select_option(label="Bram")
    await remove.click()
    await expect(fac.locator(".confirm-q")).to_contain_text("Bram gaat van de tafel")
    await fac.get_by_role("button", name="Annuleren").click()
    await end.click()
    await expect(fac.locator(".confirm-q")).to_contain_text("Het spel stopt na ronde 1 van 2")
    await fac.get_by_role("button", name="Annuleren").click()
    await snap(fac, "room-facilitator-destructive")
    await fac.locator("#app").get_by_text("Meer", exact=True).click()
    assert len(room.game.players) == 6


async def _open_cards_stand_flat_and_large(room: Room, redraw: Any) -> None:
    for size, page in room.screens.items():
        cards = await page.evaluate(OPEN_CARDS)
        assert len(cards) == 6, size
        for card in cards:
            assert card["transform"] == "none" and card["turning"] == 0, (size, card)
            assert card["inView"] and not card["clipped"], (size, card)
            assert card["title"] >= 28 and card["text"] >= 18, (size, card)
    # a new state frame redraws the page (new card elements): the cards do not turn again
    for page in room.screens.values():
        await page.evaluate("window.__card = document.querySelector('.table-cards .card')")
    await redraw()
    for page in room.screens.values():
        await page.wait_for_function(
            "document.querySelector('.table-cards .card') !== window.__card"
        )
        assert [c["turning"] for c in await page.evaluate(OPEN_CARDS)] == [0] * 6
    for page in room.phones.values():
        own = page.locator(".card.strategy").first
        assert (
            await own.evaluate(
                "c => c.getAnimations().length + (getComputedStyle(c).transform !== 'none')"
            )
            == 0
        )


async def test_the_room_can_read_every_phase(browser: Browser, web_server: Server) -> None:
    async with httpx.AsyncClient(base_url=web_server.http) as http:
        game = await seat(web_server, http, NAMES, rounds=2, round_seconds=180)
    room = await _open(browser, web_server, game)
    g = game
    await room.look("0-lobby", "Wachten")
    asked: list[str] = []  # removing someone from the lobby asks first, naming them

    async def no(dialog: Any) -> None:
        asked.append(dialog.message)
        await dialog.dismiss()

    room.fac.once("dialog", no)
    await room.fac.get_by_role("button", name="Anouk verwijderen").click()
    for _ in range(50):
        if asked:
            break
        await room.fac.wait_for_timeout(100)
    assert asked[0].startswith("Anouk uit de sessie halen?")
    await room.fac.wait_for_timeout(300)
    await expect(room.fac.locator("ul.players li", has_text="Anouk")).to_be_visible()
    assert len(g.fac.view["players"]) == 6  # cancelled: nothing happened
    await g.fac.ok("start_game")
    await room.look("1-choosing", "Opdracht kiezen")
    await g.fac.ok("choose_opdracht")
    await room.look("1-reading", "Strategiekaart lezen")
    await expect(
        room.screen.locator("#app").get_by_text("0 van 6 deelnemers begrijpen hun kaart")
    ).to_be_visible()
    units = {u["id"]: u for u in g.fac.view["units"]}
    deal = {uid: u["strategy"]["id"] for uid, u in units.items()}
    for client in g.players.values():
        await client.ok("ready")
    await expect(
        room.screen.locator("#app").get_by_text("6 van 6 deelnemers begrijpen hun kaart")
    ).to_be_visible()
    await g.fac.ok("start_timer")
    await g.fac.ok("pause_timer")
    await room.look("1-discussing", "Overleg")
    await expect(room.fac.get_by_role("button", name="Klok verder laten lopen")).to_be_visible()
    await g.fac.ok("end_discussion")
    await room.look("1-time-up", "Besluit")
    anouk = room.player("Anouk")
    others = [uid for uid in units if uid != anouk.view["me"]["unit"]]
    cards = [s["id"] for s in (await anouk.until(lambda v: v["strategies"]))["strategies"]]
    right = 0
    for i, uid in enumerate(others):  # the first two right, the rest wrong
        card = deal[uid] if i < 2 else next(c for c in cards if c != deal[uid])
        right += card == deal[uid]
        await anouk.ok("guess", unit_id=uid, strategy_id=card)
    await _facilitator_decides_nothing_by_default(room)
    for i, client in enumerate(g.players.values()):
        await client.ok("support", value=("yes", "partly", "no")[i % 3])
    await room.look("1-decision", "Besluit")
    await _destructive_buttons_look_it_and_say_what_happens(room)
    await g.fac.ok("next_prompt")
    await room.look("1-reflection", "Reflectie")
    prompt = g.fac.view["prompt"]["id"]
    for j, client in enumerate(list(g.players.values())[:3]):
        await client.ok(
            "answer", prompt_id=prompt, text=f"Antwoord {j}: we luisterden slecht", anonymous=False
        )
    for answer in (await g.fac.until(lambda v: len(v["answers"]) >= 3))["answers"]:
        await g.fac.ok("show_answer", answer_id=answer["id"])
    await expect(room.screen.locator("ul.wall li")).to_have_count(3)
    size = lambda sel: f"parseFloat(getComputedStyle(document.querySelector('{sel}')).fontSize)"  # noqa: E731
    question, answer = await room.screen.evaluate(
        f"[{size('.card.prompt .card-title')}, {size('ul.wall li')}]"
    )
    assert question > answer, "the question is the largest thing on the screen"
    await room.look("1-reflection-answers", "Reflectie")
    await g.fac.ok("next_round")

    # round 2: the open-card round, all six strategy cards on the table
    await g.fac.ok("choose_opdracht")
    await room.look("2-reading-closed", "Strategiekaart lezen")
    units = {u["id"]: u for u in g.fac.view["units"]}
    for uid, u in units.items():
        await g.players[u["members"][0]].ok("reveal", unit_id=uid)
    await g.fac.until(lambda v: all(u["revealed"] for u in v["units"]))
    await room.look("2-reading-open", "Strategiekaart lezen")

    async def ready() -> None:
        for u in units.values():
            await g.players[u["members"][0]].ok("ready")

    await _open_cards_stand_flat_and_large(room, ready)
    await g.fac.ok("start_timer")
    await g.fac.ok("pause_timer")
    await room.look("2-discussing-open", "Overleg")
    await _open_cards_stand_flat_and_large(room, lambda: g.fac.ok("extend_timer", seconds=60))
    await g.fac.ok("end_discussion")
    await g.fac.ok("record_decision", text="Een wandeling door het park", reached="yes")
    await g.fac.ok("end_game")
    await room.look("3-ended", "Afgelopen")
    await expect(room.screen.locator(".summary-round")).to_have_count(2)
    for rnd in range(2):
        await expect(
            room.screen.locator(".summary-round").nth(rnd).locator(".summary-deal li")
        ).to_have_count(6)
    await expect(
        room.screen.locator("#app").get_by_text("Een wandeling door het park")
    ).to_be_visible()
    phone = room.phones["Anouk-320px-100%"]
    await expect(phone.locator(".mine")).to_contain_text(f"je raadde {right} van 5 goed")
    await expect(phone.locator(".mine")).to_contain_text("Ronde 2")
    for page in (room.screen, phone):
        await assert_accessible(page, "the ending")
    await g.close()
