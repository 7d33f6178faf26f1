"""The pages' qualities apart from a whole game: both languages complete, a strict CSP that the
pages live with, phones 320 px wide with text at 200 %, the trainer's replay, and axe itself."""

import re
from pathlib import Path
from typing import get_args

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from app.wire.pages import PAGES
from game.events import Event
from game.state import Phase
from game.view import Hint
from tests.app.server import Server, new_session
from tests.app.wire import names, play_game, seat
from tests.e2e.conftest import assert_accessible, axe_violations, snap

ROOT = Path(__file__).resolve().parents[2]
EVENT_TYPES = [get_args(m.model_fields["type"].annotation)[0] for m in get_args(get_args(Event)[0])]
WEB = ROOT / "web"


def catalog() -> dict[str, dict[str, str]]:
    """Both languages' strings (a {one, other} pair counts as its two texts joined)."""
    out = {}
    for lang in ("nl", "en"):
        source = "".join(  # the phones' strings, the staff pages', the fallback's and the ending's
            (WEB / "static" / f"{name}.js").read_text(encoding="utf-8")
            for name in (lang, f"{lang}-staff", f"{lang}-stream", f"{lang}-ending")
        )
        pairs = dict(re.findall(r'^  "([\w.]+)": "((?:[^"\\]|\\.)*)",$', source, re.M))
        for key, one, other in re.findall(
            r'^  "([\w.]+)": \{ one: "([^"]*)", other: "([^"]*)" \},$', source, re.M
        ):
            pairs[key] = f"{one} / {other}"
        out[lang] = pairs
    return out


def test_both_languages_have_every_key_with_the_same_placeholders() -> None:
    cat = catalog()
    assert set(cat) == {"nl", "en"} and len(cat["nl"]) > 200
    assert set(cat["nl"]) == set(cat["en"])
    for key, text in cat["nl"].items():
        assert text and cat["en"][key], key
        assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", cat["en"][key])), key


def test_every_string_the_pages_ask_for_is_in_the_catalog() -> None:
    keys = set(catalog()["nl"])
    used: set[str] = set()
    for js in (WEB / "static").glob("*.js"):
        source = js.read_text()
        used |= set(re.findall(r"""\bt\(\s*"([\w.]+)\"""", source))
        used |= set(re.findall(r"""(?:primary|button)\(\s*"([\w.]+)\"""", source))
    used |= set(re.findall(r'data-i18n="([\w.]+)"', (WEB / "page.html").read_text()))
    used |= {heading for heading, _ in PAGES.values()}
    assert used and used <= keys, used - keys
    dynamic = {f"phase.{p}" for p in get_args(Phase)} | {f"fac.screen.{p}" for p in get_args(Phase)}
    dynamic |= {f"fac.cue.{p}" for p in get_args(Phase)} | {"fac.cue.open"}
    dynamic |= {f"reached.{r}" for r in ("yes", "partly", "no")}
    dynamic |= {f"fac.hint.{h}" for h in get_args(Hint)}
    dynamic |= {f"ev.{e}" for e in EVENT_TYPES if e not in ("answer_shown",)}
    dynamic |= {f"export.{f}" for f in ("md", "csv", "json")}
    assert dynamic <= keys, dynamic - keys


def test_every_refusal_a_person_can_meet_is_said_in_words() -> None:
    """The causes COPY.md lists, and what the pages can run into, each with its own sentence."""
    keys = set(catalog()["nl"])
    rules = (ROOT / "game" / "decide.py").read_text() + (ROOT / "game" / "text.py").read_text()
    reasons = set(re.findall(r'Refusal\(\s*"\w+",\s*"(\w+)"', rules))
    reachable = {"too_few_players", "cards_closed", "no_decision", "too_many_rounds",
                 "no_consensus_round_at_six", "same_unit", "removed", "name_taken",
                 "unknown_code", "table_full", "game_started", "rate_limited", "guessing",
                 "empty_text", "anonymity_fixed", "last_round", "nobody_left",
                 "too_few_opdrachten", "no_consensus_round_outside", "not_your_turn",
                 "wrong_phase", "busy", "not_found", "forbidden", "invalid_args",
                 "game_ended", "waiting", "already_seated", "not_a_solo", "held_before",
                 "not_removed", "dealt_since", "unit_full", "claim_used",
                 "first_facilitator_only", "no_such_facilitator", "tables_formed",
                 "table_too_small", "no_such_table", "workshop_lobby", "not_a_workshop",
                 "proposal_changed", "no_guessing", "no_such_strategy", "not_on_paper",
                 "library_key", "library_link", "filed_elsewhere"}  # fmt: skip
    assert {"cards_closed", "no_decision", "too_few_players"} <= reasons
    assert {f"err.{r}" for r in reachable} <= keys, {f"err.{r}" for r in reachable} - keys


def _foreign(text: str, strings: set[str]) -> list[str]:
    """Strings of the other language on the page: a whole line, or inside a line when long."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [s for s in strings if s in lines or (len(s) > 12 and any(s in line for line in lines))]


async def _lobby(server: Server) -> tuple[dict[str, str], dict]:
    async with httpx.AsyncClient(base_url=server.http) as http:
        s = await new_session(server, http, language="en")
        joined = await s.join(http, "Lena", "Gemeente")
    return s.created, joined


async def _phone(
    browser: Browser, server: Server, token: str | None, session_id: str, **options: object
) -> BrowserContext:
    ctx = await browser.new_context(**options)  # type: ignore[arg-type]
    if token:
        await ctx.add_init_script(
            f"if (location.protocol === 'http:') localStorage.setItem('tvb:seat:{session_id}', '{token}')"
        )
    return ctx


async def test_pages_run_under_the_strict_content_security_policy(
    browser: Browser, web_server: Server
) -> None:
    created, joined = await _lobby(web_server)
    sid = created["session_id"]
    urls = {
        "host": "/",
        "join": f"/j/{created['join_code']}",
        "facilitator": f"/f/{sid}#{created['facilitator_token']}",
        "screen": f"/s/{sid}#{created['screen_token']}",
        "player": f"/p/{sid}",
        "replay": f"/r/{sid}#{created['trainer_token']}",
    }
    ctx = await _phone(browser, web_server, joined["player_token"], sid)
    problems: list[str] = []
    ctx.on("weberror", lambda e: problems.append(str(e.error)))
    for name, url in urls.items():
        page = await ctx.new_page()
        page.on(
            "console",
            lambda m, n=name: problems.append(f"{n}: {m.text}") if m.type == "error" else None,
        )
        response = await page.goto(web_server.http + url)
        assert (
            response is not None
            and "script-src 'self'" in response.headers["content-security-policy"]
        )
        await expect(page.locator("#app > *").first).to_be_visible()  # the script ran and drew
        await page.close()
    assert problems == []
    await ctx.close()


async def test_english_pages_show_no_dutch_and_the_switch_turns_them_dutch(
    browser: Browser, web_server: Server
) -> None:
    cat = catalog()
    only = {
        lang: {
            v
            for k, v in cat[lang].items()
            if v != cat["nl" if lang == "en" else "en"][k] and "{" not in v and len(v) > 3
        }
        for lang in cat
    }
    created, joined = await _lobby(web_server)
    sid = created["session_id"]
    ctx = await _phone(browser, web_server, joined["player_token"], sid)
    for url in (
        f"/p/{sid}",
        f"/f/{sid}#{created['facilitator_token']}",
        f"/s/{sid}#{created['screen_token']}",
    ):
        page = await ctx.new_page()
        await page.goto(web_server.http + url)  # the session is English: pages follow it
        await expect(page.locator(".phase")).to_have_text("Waiting for the game to start")
        assert not _foreign(await page.inner_text("body"), only["nl"]), url
        await page.get_by_role("button", name="Nederlands").click()
        await expect(page.locator(".phase")).to_have_text("Wachten tot het spel begint")
        assert not _foreign(await page.inner_text("body"), only["en"]), url
        assert await page.evaluate("document.documentElement.lang") == "nl"
        await page.get_by_role("button", name="English").click()
        await page.close()
    await ctx.close()


@pytest.mark.parametrize("path", ["join", "player"])
async def test_a_phone_320_px_wide_with_text_at_200_percent_needs_no_sideways_scrolling(
    browser: Browser, web_server: Server, path: str
) -> None:
    created, joined = await _lobby(web_server)
    sid = created["session_id"]
    ctx = await _phone(
        browser,
        web_server,
        joined["player_token"],
        sid,
        viewport={"width": 320, "height": 640},
        has_touch=True,
        is_mobile=True,
    )
    page = await ctx.new_page()
    await page.goto(
        web_server.http + (f"/j/{created['join_code']}" if path == "join" else f"/p/{sid}")
    )
    await expect(page.locator("h1")).not_to_be_empty()
    await page.evaluate("document.documentElement.style.fontSize = '200%'")  # lays out at once
    assert await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )
    small = await page.evaluate(
        "[...document.querySelectorAll('button, input, select, a.button')].filter(e => e.offsetParent)"
        ".map(e => e.getBoundingClientRect()).filter(r => r.height < 44 || r.width < 44).length"
    )
    assert small == 0
    await snap(page, f"320px-200pct-{path}")
    await ctx.close()


async def test_a_player_without_a_seat_is_sent_to_join(
    browser: Browser, web_server: Server
) -> None:
    created, _ = await _lobby(web_server)
    ctx = await browser.new_context()
    page = await ctx.new_page()
    await page.goto(f"{web_server.http}/p/{created['session_id']}")
    await page.get_by_role("link", name="Meedoen met een spel").click()
    await expect(page.get_by_label("Code")).to_be_visible()
    await ctx.close()


async def test_a_trainer_replays_a_game_step_by_step_as_anyone(
    browser: Browser, server: Server
) -> None:
    async with httpx.AsyncClient(base_url=server.http) as http:
        g = await seat(server, http, names(3), rounds=2, round_seconds=60)
        await play_game(g)
        await g.close()
        events = (
            await http.get(
                f"/api/sessions/{g.session.id}/events",
                headers={"Authorization": f"Bearer {g.session.token('trainer')}"},
            )
        ).json()
    started = next(i for i, e in enumerate(events, 1) if e["type"] == "game_started")
    dealt = next(i for i, e in enumerate(events, 1) if e["type"] == "strategies_dealt")
    ctx = await browser.new_context(bypass_csp=True)
    page = await ctx.new_page()
    await page.goto(f"{server.http}/r/{g.session.id}#{g.session.token('trainer')}")
    await page.wait_for_url(re.compile(r"/r/[0-9a-f]{16}$"))  # the token left the address bar
    await expect(page.locator("#app").get_by_text(f"Stap 1 van {len(events)}")).to_be_visible()
    timeline = page.locator(".timeline li")
    await expect(timeline).to_have_count(len(events))  # the whole log, in words, with times
    await expect(timeline.nth(started - 1)).to_contain_text("Het spel begint.")
    assert re.match(r"\d\d:\d\d:\d\d ", await timeline.first.inner_text())
    words = await page.locator(".timeline").inner_text()
    assert "support_given" not in words and "staat helemaal achter het besluit" in words
    assert "Vraag: Lukte het om tot een gezamenlijk besluit te komen?" in words
    assert "anoniem: Antwoord 2" in words  # anonymous answers stay anonymous here too
    await page.get_by_role("button", name="Volgende ronde").click()
    await expect(page.locator(".now")).to_have_text("Het spel begint.")
    for step in range(started + 1, dealt + 1):
        await page.get_by_role("button", name="Volgende stap").click()
        await expect(page.locator("#app").get_by_text(f"Stap {step} van")).to_be_visible()
    await expect(page.locator(".now")).to_have_text("De strategiekaarten zijn gedeeld.")
    await expect(page.locator("tbody tr")).to_have_count(3)
    assert await page.locator("tbody td", has_text="verborgen").count() == 0  # the trainer sees all
    await assert_accessible(page, "replay page")
    await snap(page, "replay-trainer")
    await page.get_by_label("Bekijk als").select_option(label="Speler 1")
    await expect(page.locator("tbody td", has_text="verborgen")).to_have_count(2)  # own card only
    await page.get_by_label("Bekijk als").select_option(label="groot scherm")
    await expect(page.locator("tbody td", has_text="verborgen")).to_have_count(3)
    async with page.expect_download() as info:
        await page.get_by_role("button", name="Tabel voor Excel").click()
    assert (await (await info.value).path()).read_text().startswith("\ufeffsoort;ronde")
    await ctx.close()


async def test_axe_reports_a_real_violation(browser: Browser) -> None:
    page = await browser.new_page()
    await page.set_content("<html><body><input type='text'><img src='x.png'></body></html>")
    ids = {v["id"] for v in await axe_violations(page)}
    assert {"image-alt", "label"} <= ids
    await page.close()


async def test_join_problems_are_said_in_the_players_language(
    browser: Browser, web_server: Server
) -> None:
    created, _ = await _lobby(web_server)
    ctx = await browser.new_context()
    page = await ctx.new_page()
    await page.goto(f"{web_server.http}/j/{created['join_code']}")
    await page.get_by_label("Je naam").fill("lena")
    await page.get_by_role("button", name="Meedoen").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "Deze naam is al in gebruik. Zet er bijvoorbeeld de eerste letter van je achternaam achter."
    )
    await page.get_by_label("Code").fill("ZZZZZZ")
    await page.get_by_role("button", name="English").click()
    await page.get_by_role("button", name="Join").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "We don't know this code. Check it with the facilitator."
    )
    await ctx.close()
