"""The longest texts a trainer's deck may hold (`cards.checks.LIMITS`) fit where they are read: on
the 1366×768 shared screen nothing runs past its box or the bottom of the screen (the projector
cannot scroll; type shrinks instead, and stays readable), and a 320 px phone never scrolls
sideways. Names are the longest allowed too, and the facilitator's message."""

from typing import Any

import httpx
from playwright.async_api import Browser, Page

from cards.checks import LIMITS
from game.commands import DECISION_MAX, MESSAGE_MAX, NAME_MAX
from tests.app.server import Server
from tests.e2e.conftest import open_page, snap
from tests.e2e.test_pages_decks import deck_session

MIN_SCREEN_PX = 13.0  # 2 cm tall on a 2 m wide projection of 1366 px: readable at 6-8 m


def _long(words: str, limit: int) -> str:
    """`limit` characters of real words (a long word breaks lines differently from 'xxx')."""
    text = (words + " ") * (limit // len(words) + 1)
    return text[: limit - 1] + "."


async def _fits(page: Page, what: str) -> None:
    """Nothing on the screen is cut off (every line of text lies within the screen and within
    every box that clips it), and no type is smaller than MIN_SCREEN_PX."""
    found = await page.evaluate(
        """() => {
          const cut = [];
          for (const el of document.querySelectorAll('#app p, #app li, #app h2, #app h3')) {
            if (el.closest('.side, .visually-hidden') || !el.textContent.trim()) continue;
            const r = el.getBoundingClientRect();
            if (!r.height) continue;
            let bottom = innerHeight, right = innerWidth;  // and every box that clips it
            for (let a = el.parentElement; a; a = a.parentElement) {
              if (getComputedStyle(a).overflowY === 'visible') continue;
              const box = a.getBoundingClientRect();
              bottom = Math.min(bottom, box.bottom);
              right = Math.min(right, box.right);
            }
            if (r.bottom > bottom + 1 || r.right > right + 1) cut.push(el.textContent.slice(0, 40));
          }
          const sizes = [...document.querySelectorAll('#app .card-text, #app .card-title, #app .decision-text')]
            .filter((el) => !el.closest('.side')).map((el) => parseFloat(getComputedStyle(el).fontSize));
          return { cut, smallest: Math.min(...sizes) };
        }"""
    )
    print(f"{what}: smallest type on the screen {found['smallest']:.1f} px")
    assert found["cut"] == [], f"{what}: cut off: {found['cut']}"
    assert found["smallest"] >= MIN_SCREEN_PX, f"{what}: type of {found['smallest']} px"


async def test_the_longest_texts_fit_the_screen_and_a_small_phone(
    browser: Browser, web_server: Server
) -> None:
    def longest(doc: dict[str, Any]) -> None:
        every = doc["languages"]
        for card in doc["strategies"]:
            card["title"] = {lang: _long("Besluitvorming", LIMITS["title"]) for lang in every}
            card["text"] = {
                lang: _long("Overeenstemming bereiken kost tijd en", LIMITS["strategy"])
                for lang in every
            }
        for card in doc["opdrachten"]:
            card["text"] = {
                lang: _long("De gemeenteraad vraagt jullie advies over", LIMITS["opdracht"])
                for lang in every
            }
        for card in doc["prompts"]:
            card["text"] = {
                lang: _long("Wat heeft je geholpen om samen te beslissen", LIMITS["prompt"])
                for lang in every
            }

    async with httpx.AsyncClient(base_url=web_server.http) as http:
        s = await deck_session(http, web_server, "Lang", longest, rounds=2, guessing=False)
        for i in range(6):  # six units of one: every card on the table in the open round
            await s.join(http, f"{i + 1}{_long('Wilhelmina', NAME_MAX - 1)}"[:NAME_MAX])
        fac = await s.client("facilitator").connect()
        screen = await open_page(
            browser, f"{web_server.http}/s/{s.id}#{s.token('screen')}", 1366, 768
        )
        first = next(iter(s.players))
        phone = await open_page(browser, f"{web_server.http}/p/{s.id}", 320, 640)
        await phone.evaluate(
            "([k, v]) => localStorage.setItem(k, v)",
            [f"tvb:seat:{s.id}", s.players[first]["player_token"]],
        )
        await phone.reload()

        async def both(moment: str) -> None:
            await screen.wait_for_timeout(700)  # a frame, and the card flip's 0.6 s
            await snap(screen, f"longest-screen-{moment}")
            await _fits(screen, moment)
            await snap(phone, f"longest-phone-{moment}")
            assert await phone.evaluate("document.documentElement.scrollWidth") <= 320, moment

        await fac.ok("start_game")
        await fac.ok("choose_opdracht")
        await both("reading")
        await fac.ok("start_timer", anyway=True)
        await both("discussing")
        await fac.ok("end_discussion")
        await fac.ok(
            "record_decision", text=_long("We kiezen samen voor", DECISION_MAX), reached="partly"
        )
        await both("decided")
        await fac.ok("next_prompt")
        await both("reflecting")
        await fac.ok("next_round")
        await fac.ok("choose_opdracht")
        await fac.ok("send_message", text=_long("Lees je kaart hardop voor", MESSAGE_MAX))
        for u in fac.view["units"]:
            await fac.ok("reveal", unit_id=u["id"])
        await both("open-cards")
        await fac.ok("start_timer", anyway=True)
        await both("open-discussing")
        await fac.close()
