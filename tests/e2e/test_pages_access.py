"""Screen readers and keyboards, in a real Chromium. A whole round played with the keyboard alone
(Tab, Shift+Tab, Enter, Space and typing; no clicks, no focus() calls) on a phone, the
facilitator's page and a workshop's console: every stop has a visible focus ring, a state frame
never drops the focus into nothing while its control is still there, and Tab always comes back
to the header's language button (no trap); the focus order is printed. The phone's accessibility
tree per phase (saved under test-artifacts/aria/, the path printed) names the phase, the step
and its action, the own card and the assignment, in that order. The live region says the
one-minute warning, the time-up and a card laid open by another unit once each. And what the
room's screen shows that is not secret is on the phone too."""

import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.app.server import Client, Server
from tests.app.wire import WireGame, seat
from tests.e2e.conftest import ROOT, snap

NAMES = [("Anouk", "Gemeente"), ("Bram", "GGD"), ("Chris", "School")]
ARIA = ROOT / "test-artifacts" / "aria"
MESSAGE = "Nog vijf minuten, dan plenair"

# Installed before any page script: where the focus fell at a re-render of #app (`__lost`: to
# <body> while the focused control is drawn again; `__gone`: with its control; not counted once
# the focus left the page by Tab, as it does past the last control), and what the
# live regions said (`__said`): #live, #status and #error as their text changes, and any
# role=status/alert drawn afresh by a render (`inserted-…`).
WATCH = """
window.__lost = []; window.__gone = []; window.__said = [];
document.addEventListener("DOMContentLoaded", () => {
  const app = document.getElementById("app");
  const keyOf = (el) => (el && el.dataset && (el.dataset.key || el.id)) || null;
  let last = null;
  document.addEventListener("focusin", (e) => { last = keyOf(e.target); });
  // the focus left the page by Tab (its control still there once the event is over, unlike a
  // control a render removed): a render after that drops nothing
  document.addEventListener("focusout", (e) => {
    if (e.relatedTarget === null) queueMicrotask(() => { if (e.target.isConnected) last = null; });
  });
  if (app) new MutationObserver(() => {
    const active = document.activeElement;
    if (!last || (active && active !== document.body)) return;
    const again = app.querySelector(`[data-key="${CSS.escape(last)}"]`)
      || document.getElementById(last);
    (again ? window.__lost : window.__gone).push(last);
    last = null;
  }).observe(app, { childList: true });
  const say = (where, text) => {
    text = (text || "").replace(/\\s+/g, " ").trim();
    if (text) window.__said.push({ where, text, at: Date.now() });
  };
  for (const id of ["live", "status", "error"]) {
    const el = document.getElementById(id);
    if (!el) continue;
    new MutationObserver(() => { if (id === "live" || !el.hidden) say(id, el.textContent); })
      .observe(el, { childList: true, characterData: true, subtree: true, attributes: true,
        attributeFilter: ["hidden"] });
  }
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) {
      if (!(n instanceof Element)) continue;
      for (const el of [n, ...n.querySelectorAll("[role=status], [role=alert]")]) {
        const role = el.getAttribute("role");
        if (!["status", "alert"].includes(role) || ["live", "status", "error"].includes(el.id)) {
          continue;
        }
        say(`inserted-${role}`, el.innerText || el.textContent);
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
});
"""

# The focused element: what a screen reader would call it, and whether it shows a focus ring.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const labels = [...(el.labels || [])].map((l) => l.textContent).join(" ");
  const text = (x) => (x || "").replace(/\\s+/g, " ").trim();
  const content = el.tagName === "SELECT" ? "" : el.textContent;  // not every option
  const name = text(el.getAttribute("aria-label") || labels || content || el.value);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0
    ? `outline ${s.outlineWidth} ${s.outlineStyle} ${s.outlineColor}` : "";
  const shadow = s.boxShadow !== "none" ? `box-shadow ${s.boxShadow}` : "";
  const r = el.getBoundingClientRect();
  return { tag: el.tagName.toLowerCase(), role: el.getAttribute("role") || el.type || "",
    key: el.dataset.key || el.id || "", name, ring: outline || shadow,
    focusVisible: el.matches(":focus-visible"), inApp: Boolean(el.closest("#app")),
    shown: r.width > 1 && r.height > 1 && !el.closest(".visually-hidden") };
}"""


def _describe(el: dict[str, Any] | None) -> str:
    if el is None:
        return "∅ (out of the page)"
    kind = el["tag"] if el["tag"] != "input" else f"input[{el['role']}]"
    return f"{kind} {el['name'][:48]!r}"


class Keyboard:
    """One person at one page with a keyboard only: Tab to a control by its name, press it."""

    def __init__(self, page: Page, who: str) -> None:
        self.page, self.who = page, who
        self.unkeyed: set[str] = set()

    async def focused(self) -> dict[str, Any] | None:
        return await self.page.evaluate(FOCUSED)

    async def _stop(self, key: str) -> dict[str, Any] | None:
        await self.page.keyboard.press(key)
        el = await self.focused()
        if el is not None:
            assert el["shown"], f"{self.who}: the focus is on something unseen: {el}"
            assert el["ring"] and el["focusVisible"], f"{self.who}: no visible focus on {el}"
            if el["inApp"] and not el["key"]:
                self.unkeyed.add(_describe(el))
        return el

    async def to(self, name: str | re.Pattern[str], back: bool = False, limit: int = 60) -> None:
        """Tab (or Shift+Tab) until the focused control is called `name` (exactly, or matching
        the pattern); fails with what it passed: the focus order."""
        passed: list[str] = []
        for _ in range(limit):
            el = await self._stop("Shift+Tab" if back else "Tab")
            passed.append(_describe(el))
            if el is not None and (
                name.search(el["name"]) if isinstance(name, re.Pattern) else el["name"] == name
            ):
                keys = f"{'⇧' if back else ''}Tab ×{len(passed)}"
                print(f"  [{self.who}] {keys}: {' → '.join(passed)}")
                return
        raise AssertionError(f"{self.who}: {name!r} not reached in {limit} presses: {passed}")

    async def press(self, key: str) -> None:
        await self.page.keyboard.press(key)

    async def type(self, text: str) -> None:
        await self.page.keyboard.type(text)

    async def on(self, key: str) -> None:
        """The focus is (still) on the control named `key` (its data-key or id)."""
        el = await self.focused()
        assert el is not None, f"{self.who}: the focus fell into nothing (was on {key})"
        assert el["key"] == key, f"{self.who}: the focus moved from {key} to {el}"
        assert el["ring"] and el["focusVisible"], f"{self.who}: no visible focus on {el}"

    async def cycle(self, label: str, limit: int = 120) -> list[str]:
        """No trap: Tab comes back to the language button; then once around the whole page, the
        focus order printed."""
        for _ in range(limit):
            el = await self._stop("Tab")
            if el is not None and el["key"] == "lang":
                break
        else:
            raise AssertionError(f"{self.who}: Tab never came back to the language button")
        order = [_describe(await self.focused())]
        for _ in range(limit):
            el = await self._stop("Tab")
            if el is not None and el["key"] == "lang":
                break
            order.append(_describe(el))
        else:
            raise AssertionError(f"{self.who}: a trap: {order}")
        print(f"  [{self.who}] focus order, {label}: {' → '.join(order)}")
        return order

    async def lost(self) -> None:
        """No re-render ever dropped the focus while its control was still drawn."""
        lost = await self.page.evaluate("window.__lost")
        gone = await self.page.evaluate("window.__gone")
        if gone:
            print(f"  [{self.who}] the focus left with its control (gone): {gone}")
        assert lost == [], f"{self.who}: a re-render dropped the focus from {lost}"
        if self.unkeyed:
            print(f"  [{self.who}] no key or id, a re-render loses the focus: {self.unkeyed}")
        assert self.unkeyed == set(), (
            f"{self.who}: a re-render would lose the focus on {self.unkeyed}"
        )


async def _page(browser: Browser, url: str, width: int, height: int, **seat: str) -> Page:
    ctx = await browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL")
    await ctx.add_init_script(WATCH)
    for key, value in seat.items():
        await ctx.add_init_script(
            f"if (location.protocol === 'http:') localStorage.setItem('{key}', '{value}')"
        )
    page = await ctx.new_page()
    await page.goto(url)
    return page


async def _table(server: Server, **settings: Any) -> WireGame:
    async with httpx.AsyncClient(base_url=server.http) as http:
        return await seat(server, http, NAMES, **settings)


def _by_name(g: WireGame, name: str) -> Client:
    return next(c for c in g.players.values() if c.name == name)


async def _phone(browser: Browser, server: Server, g: WireGame, name: str) -> Page:
    s = g.session
    token = s.players[name]["player_token"]
    page = await _page(browser, f"{server.http}/p/{s.id}", 412, 915, **{f"tvb:seat:{s.id}": token})
    await expect(page.locator("#who")).to_have_text(name)
    return page


# 1. A whole round with the keyboard alone ---------------------------------------------------


@pytest.mark.timeout(240)
async def test_the_facilitator_plays_a_round_with_the_keyboard_alone(
    browser: Browser, web_server: Server
) -> None:
    g = await _table(web_server, rounds=1, open_card_last_round=False, round_seconds=120)
    s = g.session
    fac = await _page(browser, f"{web_server.http}/f/{s.id}#{s.token('facilitator')}", 1280, 900)
    kb = Keyboard(fac, "facilitator")
    phase = fac.locator(".phase")
    await expect(phase).to_contain_text("Wachten tot het spel begint")
    await expect(fac.locator("details.links-box")).to_have_count(1)
    await kb.cycle("lobby")
    await kb.to("Instellingen van deze tafel")
    await kb.press("Enter")
    settings = fac.locator("details[data-key='settings']")
    await expect(settings).to_have_attribute("open", "")
    await g.fac.ok("configure", rounds=1, round_seconds=600)  # a frame while she looks
    await expect(fac.locator("#set-minutes")).to_have_value("10")
    await expect(settings).to_have_attribute("open", "")
    await kb.on("settings-summary")
    await kb.to("Spel starten", back=True)
    await kb.press("Enter")
    await expect(phase).to_contain_text("Opdracht kiezen")
    await kb.cycle("choosing")
    await kb.to("Willekeurige opdrachtkaart trekken")
    await kb.press("Enter")
    await expect(phase).to_contain_text("Strategiekaart lezen")
    await kb.to("Overleg starten")
    for client in g.players.values():  # frames while the facilitator waits on the button
        await client.ok("ready")
    await expect(
        fac.locator("#app").get_by_text("3 van 3 deelnemers begrijpen hun kaart")
    ).to_be_visible()
    await kb.on("fac.startTimer")
    await kb.press("Enter")
    await expect(phase).to_contain_text("Overleg")
    await kb.cycle("discussing")
    await kb.to("Pauzeren")
    await kb.press("Enter")
    await expect(fac.locator(".paused")).to_have_text("Gepauzeerd")
    await kb.on("pause")  # the same button says "resume" now, and keeps the focus
    await kb.press("Space")
    await expect(fac.locator(".paused")).to_have_count(0)
    await kb.on("pause")
    await kb.to("Overleg beëindigen")
    await kb.press("Enter")
    await expect(fac.locator("#app").get_by_text("Zeker weten?")).to_be_visible()
    await kb.on("end-discussion-yes")  # the question takes the focus to its answer
    await kb.press("Enter")
    await expect(phase).to_contain_text("Besluit")
    await kb.to("Welk besluit heeft de groep genomen?")
    await kb.type("Karten in Zeeland")
    await kb.to("ja")
    await kb.press("Space")
    await kb.to("Besluit vastleggen")
    await kb.press("Enter")
    await expect(fac.locator("#app").get_by_text("Het besluit is vastgelegd")).to_be_visible()
    await kb.on("record")
    for client, value in zip(g.players.values(), ("yes", "partly", "no"), strict=True):
        await client.ok("support", value=value)
    await expect(
        fac.locator("#app").get_by_text("Achter het besluit: ja 1 · deels 1 · nee 1")
    ).to_be_visible()
    await kb.on("record")
    await kb.cycle("deciding")
    await kb.to("Reflectie starten")
    await kb.press("Enter")
    await expect(phase).to_contain_text("Reflectie")
    prompt = (await g.fac.until(lambda v: v["prompt"] is not None))["prompt"]
    await _by_name(g, "Bram").ok("answer", prompt_id=prompt["id"], text="Antwoord van Bram")
    await expect(fac.locator("#app").get_by_text("Antwoord van Bram")).to_be_visible()
    await kb.to("Op scherm")
    await kb.press("Enter")
    await expect(fac.get_by_role("button", name="Van scherm halen")).to_be_visible()
    await kb.on(f"show-{(await g.fac.until(lambda v: v['answers']))['answers'][0]['id']}")
    await _by_name(g, "Chris").ok("answer", prompt_id=prompt["id"], text="Stil", anonymous=True)
    await expect(fac.locator("#app").get_by_text("2 van 3 hebben geantwoord")).to_be_visible()
    await kb.to("Volgende vraag")
    await kb.press("Enter")
    await expect(fac.locator("#app").get_by_text(re.compile(r"Vraag 2 van \d+"))).to_be_visible()
    await kb.on("fac.nextPrompt")
    await kb.cycle("reflecting")
    await kb.to("Spel afronden")
    await kb.press("Enter")
    await expect(fac.locator("#app").get_by_text("Zeker weten?")).to_be_visible()
    await kb.on("end-game-yes")
    await kb.press("Enter")
    await expect(phase).to_contain_text("Afgelopen")
    await kb.cycle("ended")
    await kb.lost()
    await snap(fac, "access-keyboard-facilitator-ended")
    await g.close()
    await fac.context.close()


@pytest.mark.timeout(240)
async def test_a_player_plays_a_round_with_the_keyboard_alone(
    browser: Browser, web_server: Server
) -> None:
    g = await _table(web_server, rounds=1, open_card_last_round=False, round_seconds=600)
    phone = await _phone(browser, web_server, g, "Anouk")  # the first to join: she picks
    kb = Keyboard(phone, "phone")
    bram, chris = _by_name(g, "Bram"), _by_name(g, "Chris")
    phase = phone.locator(".phase")
    await expect(phase).to_contain_text("Wachten tot het spel begint")
    await kb.cycle("lobby")  # it ends on the language button: to English and back
    await kb.press("Enter")
    await expect(phase).to_contain_text("Waiting")
    await kb.on("lang")
    await kb.press("Enter")
    await expect(phase).to_contain_text("Wachten tot het spel begint")
    await kb.on("lang")
    await g.fac.ok("start_game")
    await expect(phase).to_contain_text("Opdracht kiezen")
    await kb.cycle("choosing, her turn to pick")
    await kb.to("Kaart 2")
    await kb.press("Enter")
    await expect(phase).to_contain_text("Strategiekaart lezen")
    await kb.cycle("reading")
    more = re.compile("Lees de hele opdracht$")
    await kb.to(more)
    await kb.press("Enter")  # the whole assignment, opened from its summary
    await expect(phone.locator(".opdracht details")).to_have_attribute("open", "")
    await bram.ok("ready")  # a frame while she reads: she stays where she is
    await expect(phone.locator(".opdracht details")).to_have_attribute("open", "")
    await kb.on("more-opdracht-summary")
    await kb.to("Ik begrijp mijn kaart")
    await kb.press("Enter")
    await expect(
        phone.locator("#app").get_by_text("Je bent klaar. Wacht tot de spelbegeleider")
    ).to_be_visible()
    await chris.ok("ready")
    await g.fac.ok("start_timer")
    await expect(phase).to_contain_text("Overleg")
    await kb.cycle("discussing")
    await kb.to(more)
    await g.fac.ok("send_message", text=MESSAGE)  # a frame while she reads the assignment
    await expect(phone.locator(".message")).to_contain_text(MESSAGE)
    await kb.on("more-opdracht-summary")
    await g.fac.ok("end_discussion")
    await expect(phase).to_contain_text("Besluit")
    await g.fac.ok("record_decision", text="Karten in Zeeland", reached="partly")
    await expect(phone.locator("#app").get_by_text("Karten in Zeeland")).to_be_visible()
    await kb.to("ja")
    await kb.press("Enter")
    await expect(phone.locator("#app").get_by_text("Je stem is meegeteld: ja.")).to_be_visible()
    await kb.on("support-yes")
    await bram.ok("support", value="no")  # someone else's vote redraws the page
    await expect(
        phone.locator("#app").get_by_text("Achter het besluit: ja 1 · deels 0 · nee 1")
    ).to_be_visible()
    await kb.on("support-yes")
    await kb.to("deels")
    await kb.press("Space")
    await expect(phone.locator("#app").get_by_text("Je stem is meegeteld: deels.")).to_be_visible()
    await kb.on("support-partly")
    await kb.cycle("deciding")
    await g.fac.ok("next_prompt")
    await expect(phase).to_contain_text("Reflectie")
    prompt = (await g.fac.until(lambda v: v["prompt"] is not None))["prompt"]
    field = f"answer-1-{prompt['id']}"
    await kb.to("Jouw antwoord")
    await kb.type("Ik zocht de expert")
    await bram.ok("answer", prompt_id=prompt["id"], text="Antwoord van Bram")
    shown = (await g.fac.until(lambda v: v["answers"]))["answers"][0]["id"]
    await g.fac.ok("show_answer", answer_id=shown)  # a frame while she types
    await expect(phone.locator("#app").get_by_text("Antwoord van Bram")).to_be_visible()
    await kb.on(field)
    await expect(phone.locator(f"#{field}")).to_have_value("Ik zocht de expert")
    await kb.type(", en zij vond het goed.")
    await kb.to("Antwoord versturen")
    await kb.press("Enter")
    await expect(phone.locator("#app").get_by_text("Je antwoord is verstuurd.")).to_be_visible()
    await kb.on("send")
    await kb.cycle("reflecting")
    await g.fac.ok("end_game")
    await expect(phase).to_contain_text("Afgelopen")
    await kb.cycle("ended")
    await kb.lost()
    await g.close()
    await phone.context.close()


@pytest.mark.timeout(240)
async def test_a_workshop_console_runs_its_tables_with_the_keyboard_alone(
    browser: Browser, web_server: Server
) -> None:
    async with httpx.AsyncClient(base_url=web_server.http) as http:
        settings = {"tables": 2, "rounds": 1, "open_card_last_round": False, "round_seconds": 600}
        created = (await http.post("/api/sessions", json=settings)).json()
        seats = {}
        for i, org in enumerate(["Gemeente", "GGD", "School"] * 2 + ["Bibliotheek"]):
            name = f"Deelnemer {i + 1}"
            seats[name] = (await http.post("/api/join", json={
                "join_code": created["join_code"], "name": name, "organisation": org,
            })).json()  # fmt: skip
    console = await _page(browser, created["links"]["facilitator"], 1366, 768)
    kb = Keyboard(console, "console")
    await expect(console.locator(".table-card")).to_have_count(2)
    await expect(console.locator("details.links-box")).to_have_count(1)
    await kb.cycle("lobby")
    move = console.locator(".table-card").first.locator("[data-key$='-btn']").first
    key = await move.get_attribute("data-key") or ""
    who = re.sub(
        r"^Verplaats (.+) naar Tafel 2$", r"\1", await move.get_attribute("aria-label") or ""
    )
    await kb.to(f"Verplaats {who} naar Tafel 2")
    await kb.press("Enter")  # moved to table 2: the focus goes along, on the way back
    await expect(console.locator(".table-card").nth(1)).to_contain_text(who)
    await kb.on(key)
    await kb.to("Tafels indelen", back=True)
    await kb.press("Enter")
    await expect(console.locator("[data-key='console.startAll']")).to_be_visible()
    await kb.cycle("tables formed")
    together = console.locator(".together .counter")
    for name, key, shows in (("Start elk spel", "console.startAll", "Opdracht kiezen"),
                             ("Trek aan elke tafel een opdracht", "console.drawAll", "lezen"),
                             ("Start elk overleg", "console.timersAll", "Overleg")):  # fmt: skip
        await kb.to(name)
        await kb.press("Enter")
        await expect(together).to_contain_text("Gelukt aan 2 van de 2 tafels")
        await expect(console.locator(".table-card .phase", has_text=shows)).to_have_count(2)
        await kb.on(key)  # the tables' frames redrew the console: the focus stayed
    await expect(console.locator(".table-clock")).to_have_count(2)
    await kb.to("+1 minuut aan elke tafel")
    await kb.press("Enter")
    await expect(together).to_contain_text("Gelukt aan 2 van de 2 tafels")
    await kb.on("console.extendAll")
    await kb.to("Bericht op elke telefoon en elk scherm")
    await kb.type(MESSAGE)
    await kb.press("Enter")
    await expect(console.locator("#message")).to_have_value("")
    await kb.on("message")
    caller, seat_ = next(iter(seats.items()))  # a phone calls from its table
    lobby = await Client(web_server, created["session_id"], seat_["player_token"]).connect()
    mine = next(t for t in lobby.view["workshop"]["tables"] if seat_["player_id"] in t["players"])
    await lobby.close()
    call = await Client(web_server, mine["session_id"], seat_["player_token"], caller).connect()
    called = mine["number"]
    await call.ok("call_facilitator")
    await expect(console.locator(".table-card.calling")).to_have_count(1)
    await kb.to("+1 minuut aan elke tafel", back=True)  # the tables' frames redraw the console
    await kb.press("Enter")
    await expect(together).to_contain_text("Gelukt aan 2 van de 2 tafels")
    await kb.to("Ik kom eraan")
    await kb.press("Enter")
    await expect(console.locator(".table-card.calling")).to_have_count(0)
    said = _said(await console.evaluate("window.__said"), "roept je naar deze tafel")
    assert len(said) == 1, f"the call, said once to a screen reader: {said}"
    await kb.to(f"Tafel {called} openen")
    async with console.context.expect_page() as opened:
        await kb.press("Enter")
    table_page = await opened.value
    await expect(table_page.locator(".phase")).to_contain_text(f"Tafel {called}")
    await table_page.close()
    await kb.cycle("tables discussing")
    await kb.to("Rond elk spel af")
    await kb.press("Enter")
    await expect(console.locator("#app").get_by_text("Zeker weten?")).to_be_visible()
    await kb.on("end-all-yes")
    await kb.press("Enter")
    await expect(console.locator(".table-card .phase", has_text="Afgelopen")).to_have_count(2)
    await kb.cycle("ended")
    await kb.lost()
    await call.close()
    await console.context.close()


# 2. The phone's accessibility tree, phase by phase -------------------------------------------


async def _aria(page: Page, name: str) -> list[str]:
    """The page's accessibility tree as Playwright writes it (YAML), saved and printed."""
    ARIA.mkdir(parents=True, exist_ok=True)
    tree = await page.locator("body").aria_snapshot()
    path = ARIA / f"{name}.yaml"
    path.write_text(tree + "\n")
    print(f"  aria snapshot: {path}")
    return tree.splitlines()


def _in_order(lines: list[str], phase: str, *wanted: str | re.Pattern[str]) -> None:
    """Each wanted line (a substring, or a pattern) is in the tree, after the one before."""
    at = -1
    for want in wanted:
        found = [
            i for i, line in enumerate(lines)
            if (want.search(line) if isinstance(want, re.Pattern) else want in line)
        ]  # fmt: skip
        assert found, f"{phase}: no {want!r} in\n" + "\n".join(lines)
        after = [i for i in found if i > at]
        assert after, f"{phase}: {want!r} (line {found[0]}) comes before line {at}:\n" + "\n".join(
            lines
        )
        at = after[0]


def _first_sentence(text: str) -> str:
    return re.match(r"^.*?[.?!](\s|$)", text).group(0).strip()  # type: ignore[union-attr]


@pytest.mark.timeout(180)
async def test_every_phase_of_the_phone_reads_in_order_to_a_screen_reader(
    browser: Browser, web_server: Server
) -> None:
    """The phone's order (player.js, at its top): the phase line, then what to do now and its
    one action, then the own strategy card, then the assignment; once the discussion is over
    the own card folds away below the step (its title in the fold's summary)."""
    g = await _table(web_server, rounds=1, open_card_last_round=False, round_seconds=600)
    anouk, bram = _by_name(g, "Anouk"), _by_name(g, "Bram")
    phone = await _phone(browser, web_server, g, "Anouk")
    other = await _phone(browser, web_server, g, "Bram")
    phase = phone.locator(".phase")
    await expect(phase).to_contain_text("Wachten tot het spel begint")
    _in_order(await _aria(phone, "lobby"), "lobby",
              "paragraph: Wachten tot het spel begint",
              'heading "Welkom, Anouk!" [level=2]',
              "Wacht tot de spelbegeleider het spel start.")  # fmt: skip

    await g.fac.ok("start_game")
    await expect(phase).to_contain_text("Opdracht kiezen")
    await expect(other.locator(".phase")).to_contain_text("Opdracht kiezen")
    _in_order(await _aria(phone, "choosing-picker"), "choosing, the picker",
              "paragraph: Opdracht kiezen · Ronde 1 van 1",
              'heading "Kies een opdrachtkaart en lees hem hardop voor." [level=2]',
              'button "Kaart 1"', 'button "Kaart 6"')  # fmt: skip
    _in_order(await _aria(other, "choosing"), "choosing, not the picker",
              "paragraph: Opdracht kiezen · Ronde 1 van 1",
              'heading "Anouk kiest de opdrachtkaart." [level=2]')  # fmt: skip
    await other.context.close()

    await anouk.ok("pick_opdracht", slot=0)
    v = await anouk.until(lambda v: v["phase"] == "reading")
    title = next(u for u in v["units"] if u["id"] == v["me"]["unit"])["strategy"]["title"]
    assignment = _first_sentence(v["opdracht"]["text"])
    own = f'region "Jouw strategiekaart: {title}"'
    card = ('region "Opdrachtkaart"', assignment)
    await expect(phase).to_contain_text("Strategiekaart lezen")
    _in_order(await _aria(phone, "reading"), "reading",
              "paragraph: Strategiekaart lezen · Ronde 1 van 1",
              'heading "Lees je strategiekaart. Begrijp je hem?" [level=2]',
              'button "Ik begrijp mijn kaart"', own, f"paragraph: {title}", *card)  # fmt: skip

    for client in g.players.values():
        await client.ok("ready")
    await g.fac.ok("start_timer")
    await expect(phase).to_contain_text("Overleg")
    lines = await _aria(phone, "discussing")
    _in_order(lines, "discussing", "paragraph: Overleg · Ronde 1 van 1",
              re.compile(r'timer "Resterende tijd"'), re.compile(r"\b\d+:[0-5]\d\b"),
              'heading "Overleg met de groep en speel je strategie." [level=2]',
              own, *card)  # fmt: skip

    await g.fac.ok("end_discussion")
    await expect(phase).to_contain_text("Besluit")
    fold = f"Jouw strategiekaart: {title}"
    _in_order(await _aria(phone, "deciding-time-up"), "deciding, the time is up",
              "paragraph: Besluit · Ronde 1 van 1",
              'heading "De tijd is om. Vertel de spelbegeleider samen welk besluit jullie hebben'
              ' genomen." [level=2]', fold, *card)  # fmt: skip
    await g.fac.ok("record_decision", text="Karten in Zeeland", reached="partly")
    await bram.ok("support", value="yes")
    await expect(phone.locator("#app").get_by_text("Achter het besluit: ja 1")).to_be_visible()
    _in_order(await _aria(phone, "deciding"), "deciding",
              "paragraph: Besluit · Ronde 1 van 1", "Karten in Zeeland",
              "Gezamenlijk besluit bereikt: deels", "Achter het besluit: ja 1",
              'heading "Sta je achter dit besluit?" [level=2]', 'button "ja"', 'button "deels"',
              'button "nee"', 'heading "Wie had welke strategie?"', 'combobox "Bram"', fold,
              *card)  # fmt: skip

    await g.fac.ok("next_prompt")
    await expect(phase).to_contain_text("Reflectie")
    prompt = (await g.fac.until(lambda v: v["prompt"] is not None))["prompt"]
    await bram.ok("answer", prompt_id=prompt["id"], text="Antwoord van Bram")
    shown = (await g.fac.until(lambda v: v["answers"]))["answers"][0]["id"]
    await g.fac.ok("show_answer", answer_id=shown)
    await expect(phone.locator("#app").get_by_text("Antwoord van Bram")).to_be_visible()
    _in_order(await _aria(phone, "reflecting"), "reflecting",
              "paragraph: Reflectie · Ronde 1 van 1",
              f'region "Vraag 1 van {prompt["count"]}"', prompt["text"],
              'textbox "Jouw antwoord"', 'button "Antwoord versturen"', fold, *card,
              'heading "Op het grote scherm"', "Antwoord van Bram")  # fmt: skip

    await g.fac.ok("end_game")
    await expect(phase).to_contain_text("Afgelopen")
    await expect(phone.locator(".summary")).to_be_visible()  # the ending loads when it comes
    _in_order(await _aria(phone, "ended"), "ended", "paragraph: Afgelopen · Ronde 1 van 1",
              'heading "Het spel is afgelopen. Dank je wel voor het meespelen!" [level=2]',
              'text: "Ronde 1:"', f"strong: {title}", 'heading "Zo ging het spel"')  # fmt: skip
    await g.close()
    await phone.context.close()


# 3. Said once: the live regions ----------------------------------------------------------------


def _said(said: list[dict[str, Any]], *words: str) -> list[str]:
    return [f"{s['where']}: {s['text']}" for s in said if all(w in s["text"] for w in words)]


@pytest.mark.timeout(180)
async def test_the_phone_says_the_warning_the_time_up_and_each_card_laid_open_once(
    browser: Browser, web_server: Server
) -> None:
    """What the live regions say during the open-card round (the last, here the only one),
    through re-renders on the way (a message, a pause, votes): the one-minute warning once, the
    time-up once, and each card another unit lays open once, with its names and its title."""
    g = await _table(web_server, rounds=1, round_seconds=120)  # 12 s, warned at 6 s
    anouk = _by_name(g, "Anouk")
    phone = await _phone(browser, web_server, g, "Anouk")
    await g.fac.ok("start_game")
    await anouk.ok("pick_opdracht", slot=0)
    v = await g.fac.until(lambda v: v["phase"] == "reading")
    name = {p["id"]: p["name"] for p in v["players"]}
    mine = next(u for u in v["units"] if anouk.view["me"]["player_id"] in u["members"])
    others = [u for u in v["units"] if u["id"] != mine["id"]]
    for unit in [*others, mine]:
        await g.players[unit["members"][0]].ok("ready")
        await g.players[unit["members"][0]].ok("reveal", unit_id=unit["id"])
        await expect(phone.locator("#app").get_by_text(unit["strategy"]["text"])).to_be_visible()
    await g.fac.ok("start_timer")
    await expect(phone.locator(".warning")).to_be_visible(timeout=15_000)
    await g.fac.ok("send_message", text=MESSAGE)  # re-renders while warned
    await expect(phone.locator(".message")).to_contain_text(MESSAGE)
    await g.fac.ok("pause_timer")
    await expect(phone.locator(".paused")).to_be_visible()
    await g.fac.ok("resume_timer")
    await expect(phone.locator(".phase")).to_contain_text("Besluit", timeout=20_000)
    await g.fac.ok("record_decision", text="Karten in Zeeland", reached="yes")
    for client in g.players.values():
        await client.ok("support", value="yes")
    await expect(phone.locator("#app").get_by_text("Achter het besluit: ja 3")).to_be_visible()
    await phone.wait_for_timeout(300)
    said = await phone.evaluate("window.__said")
    print("  said on the phone:")
    for s in said:
        print(f"    {s['where']}: {s['text']}")
    repeated = sorted({s["text"] for s in said if s["where"].startswith("inserted")})
    for text in repeated:
        n = sum(s["text"] == text for s in said)
        print(f"    drawn afresh as a live region {n}× (a render each): {text}")
    assert len(_said(said, "Nog één minuut!")) == 1, _said(said, "Nog één minuut!")
    assert len(_said(said, "Tijd is om")) == 1, _said(said, "Tijd is om")
    for unit in others:
        names = " & ".join(name[m] for m in unit["members"])
        title = unit["strategy"]["title"]
        heard = _said(said, names, title)
        assert len(heard) == 1, (
            f"{names} laid {title} open: said {len(heard)}× (once wanted, with the names and "
            f"the title) in {[s['where'] + ': ' + s['text'] for s in said]}"
        )
    await g.close()
    await phone.context.close()


# 4. What the room's screen shows is on the phone too ------------------------------------------

# Each visible text on the page, as its own words (an element's own text nodes), and what
# card it is on. Screen-only by design, left out: the join panel (QR and code), the face-down
# seats of cards still closed, and what is hidden from assistive technology (the ring, the
# support bar: the support line says the same).
SCREEN_TEXTS = """() => {
  const norm = (x) => (x || "").replace(/\\s+/g, " ").trim();
  const own = (el) => norm([...el.childNodes].filter((n) => n.nodeType === 3)
    .map((n) => n.textContent).join(""));
  const items = [];
  for (const el of document.querySelectorAll("main *")) {
    if (el.closest("[aria-hidden=true], .visually-hidden, .join-panel, .seat")) continue;
    if (!el.checkVisibility()) continue;
    const text = own(el);
    const card = el.closest(".card.strategy");
    if (text) items.push({ text, cls: String(el.className || el.tagName.toLowerCase()),
      card: card ? norm(card.querySelector(".card-title")?.textContent) : "" });
  }
  return items;
}"""
# Everything on the phone, shown or one tap away (a fold, the rest of the assignment).
PHONE_TEXTS = """() => {
  const norm = (x) => (x || "").replace(/\\s+/g, " ").trim();
  const texts = new Set();
  for (const el of document.querySelectorAll("main *")) {
    texts.add(norm(el.textContent));
    texts.add(norm([...el.childNodes].filter((n) => n.nodeType === 3)
      .map((n) => n.textContent).join("")));
  }
  return { texts: [...texts], whole: norm(document.querySelector("main").textContent) };
}"""


async def _screen_on_phone(screen: Page, phone: Page, own: str, label: str) -> None:
    items = await screen.evaluate(SCREEN_TEXTS)
    there = await phone.evaluate(PHONE_TEXTS)
    texts = set(there["texts"])
    missing = []
    for item in items:
        text = item["text"]
        if item["card"] == own and "card-kind" in item["cls"]:
            text = "Jouw strategiekaart"  # the screen names whose card; the phone says "yours"
        if text in texts or (len(text) > 30 and text in there["whole"]):
            continue
        missing.append(item)
    print(f"  {label}: the screen's texts: {' | '.join(i['text'][:40] for i in items)}")
    print(f"  {label}: {len(items)} on the screen, all on the phone but {missing}")
    assert missing == [], f"{label}: on the screen, not on the phone: {missing}"


@pytest.mark.timeout(180)
async def test_what_the_screen_shows_is_on_the_phone_too(
    browser: Browser, web_server: Server
) -> None:
    g = await _table(web_server, rounds=1, round_seconds=600)  # the open-card round
    s = g.session
    anouk = _by_name(g, "Anouk")
    screen = await _page(browser, f"{web_server.http}/s/{s.id}#{s.token('screen')}", 1366, 768)
    phone = await _phone(browser, web_server, g, "Anouk")
    await g.fac.ok("send_message", text=MESSAGE)
    await g.fac.ok("start_game")
    await anouk.ok("pick_opdracht", slot=0)
    v = await g.fac.until(lambda v: v["phase"] == "reading")
    mine = next(u for u in v["units"] if anouk.view["me"]["player_id"] in u["members"])
    own = mine["strategy"]["title"]
    others = [u for u in v["units"] if u["id"] != mine["id"]]
    first = others[0]
    await g.players[first["members"][0]].ok("reveal", unit_id=first["id"])
    for page in (screen, phone):
        await expect(page.locator("#app").get_by_text(first["strategy"]["text"])).to_be_visible()
        await expect(page.locator(".message")).to_contain_text(MESSAGE)
    await _screen_on_phone(screen, phone, own, "reading, one card laid open")

    for unit in v["units"]:
        await g.players[unit["members"][0]].ok("ready")
        if unit["id"] != first["id"]:
            await g.players[unit["members"][0]].ok("reveal", unit_id=unit["id"])
    await g.fac.ok("start_timer")
    await g.fac.ok("pause_timer")  # the clock holds still: the same on both
    for page in (screen, phone):
        await expect(page.locator(".paused")).to_be_visible()
        for unit in v["units"]:
            await expect(page.locator("#app").get_by_text(unit["strategy"]["text"])).to_have_count(
                1
            )
    await snap(screen, "access-screen-open-cards")
    await _screen_on_phone(screen, phone, own, "discussing, every card open")

    await g.fac.ok("end_discussion")
    await g.fac.ok("record_decision", text="Karten in Zeeland", reached="partly")
    for client, value in zip(g.players.values(), ("yes", "partly", "no"), strict=True):
        await client.ok("support", value=value)
    line = "Achter het besluit: ja 1 · deels 1 · nee 1 · nog niet 0"
    for page in (screen, phone):
        await expect(page.locator("#app").get_by_text(line)).to_be_visible()
    await _screen_on_phone(screen, phone, own, "deciding, the decision")

    await g.fac.ok("next_prompt")
    prompt = (await g.fac.until(lambda v: v["prompt"] is not None))["prompt"]
    bram, chris = _by_name(g, "Bram"), _by_name(g, "Chris")
    await bram.ok("answer", prompt_id=prompt["id"], text="Antwoord van Bram")
    await chris.ok("answer", prompt_id=prompt["id"], text="Een stil antwoord", anonymous=True)
    for answer in (await g.fac.until(lambda v: len(v["answers"]) == 2))["answers"]:
        await g.fac.ok("show_answer", answer_id=answer["id"])
    for page in (screen, phone):
        await expect(page.locator("#app").get_by_text("Een stil antwoord")).to_be_visible()
    await snap(screen, "access-screen-answers")
    await _screen_on_phone(screen, phone, own, "reflecting, two answers shown")
    await g.close()
    await screen.context.close()
    await phone.context.close()
