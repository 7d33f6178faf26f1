"""A trainer's own deck from the pages, in Chromium: made from the standard deck on the library
page, a strategy card reworded, a card and a question taken out, saved as version 2; a broken
card named at the top and at its field with nothing saved; played by a whole table whose phone and
screen show the reworded card; the file uploaded into a second library from its page. Axe and a
screenshot at each step."""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from cards import load_decks
from cards.checks import Problem
from cards.document import from_decks, write_document
from tests.app.server import Server, Session
from tests.app.test_decks import dutch_only
from tests.cards.test_documents import BROKEN
from tests.e2e.conftest import assert_accessible, open_page, snap

NAMES = ["Anouk", "Bram", "Chris", "Dirk", "Eva"]
NL_STAFF = (Path(__file__).parents[2] / "web" / "static" / "nl-staff.js").read_text("utf-8")
MOMENTS = ("choosing", "reading", "reading-open", "discussing", "deciding", "in-spel", "over-spel",
           "uit-spel")  # fmt: skip


async def deck_session(
    http: httpx.AsyncClient, server: Server, name: str, edit: Any, **settings: Any
) -> Session:
    """A new library's deck `name` (the standard one changed by `edit(document)`), saved as
    version 2, and a session made with it."""
    lib = (await http.post("/api/libraries", json={"label": "Ana"})).json()
    key = {"Authorization": f"Bearer {lib['key']}"}
    base = f"/api/libraries/{lib['library_id']}"
    deck = (await http.post(f"{base}/decks", json={"name": name}, headers=key)).json()
    edit(deck["document"])
    saved = await http.put(f"{base}/decks/{deck['deck_id']}", headers=key,
                           json={"base_version": 1, "document": deck["document"]})  # fmt: skip
    assert saved.status_code == 201, saved.text
    return await library_session(http, server, lib, deck["deck_id"], **settings)


async def library_session(
    http: httpx.AsyncClient, server: Server, lib: dict[str, Any], deck: str, **settings: Any
) -> Session:
    """A session filed in `lib`, made with its deck `deck`."""
    r = await http.post(f"/api/libraries/{lib['library_id']}/sessions",
                        headers={"Authorization": f"Bearer {lib['key']}"},
                        json={"settings": {"deck": deck, **settings}, "label": "Noord"})  # fmt: skip
    assert r.status_code == 201, r.text
    return Session(server, r.json())


async def _note(console: Page, moment: str) -> None:
    """The facilitator's page shows the trainer's note of this moment, and only that one."""
    notes = console.locator("aside.notes")
    await expect(notes).to_contain_text(f"Notitie bij {moment}:")
    await snap(console, f"deck-run-sheet-{moment}")


async def test_a_deck_made_edited_and_played_from_the_pages(
    browser: Browser, web_server: Server
) -> None:
    async with httpx.AsyncClient(base_url=web_server.http) as http:
        lib = (await http.post("/api/libraries", json={"label": "Ana"})).json()
        other = (await http.post("/api/libraries", json={"label": "Bob"})).json()
    page = await open_page(browser, lib["link"], 1280, 900)
    await expect(page.locator("#app").get_by_text("Nog geen eigen kaartensets.")).to_be_visible()
    await page.get_by_label("Naam", exact=True).fill("Buurtteams Delft")
    await page.get_by_role("button", name="Maak kaartenset").click()
    await expect(page.locator(".lead")).to_contain_text("Versie 1")
    assert page.url.endswith(f"/k/{lib['library_id']}/buurtteams-delft")

    await page.locator("#f-autoriteit-title-nl").fill("De deskundige")
    await page.locator("#f-autoriteit-text-nl").fill("Laat de deskundige aan tafel beslissen.")
    await page.locator("#use-maximaliseren").uncheck()
    await page.locator("#ask-in-spel-2").uncheck()
    for moment in MOMENTS:  # the run-sheet: a note of the trainer's for every moment
        await page.locator(f"#f-{moment}-notes-nl").fill(
            f"Notitie bij {moment}: let op wie zwijgt."
        )
    await page.get_by_role("button", name="Opslaan als nieuwe versie").click()
    await expect(page.locator(".lead")).to_contain_text("Versie 2")
    await snap(page, "deck-editor-saved")
    await assert_accessible(page, "the deck editor")

    await page.locator("#f-consensus-title-en").fill("")
    await page.get_by_role("button", name="Opslaan als nieuwe versie").click()
    problems = page.locator("#problems")
    await expect(problems).to_contain_text("Er is 1 probleem; er is niets opgeslagen.")
    await expect(problems).to_contain_text("consensus · titel · English: vul dit in")
    await expect(page.locator("#f-consensus-title-en")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator(".lead")).to_contain_text("Versie 2")  # nothing saved
    await snap(page, "deck-editor-problem")
    await assert_accessible(page, "the deck editor with a problem")

    async with httpx.AsyncClient(base_url=web_server.http) as http:
        s = await library_session(http, web_server, lib, "buurtteams-delft", rounds=1)
        for name in NAMES:
            await s.join(http, name)
        fac = await s.client("facilitator").connect()
        console = await open_page(
            browser, f"{web_server.http}/f/{s.id}#{s.token('facilitator')}", 1280, 900
        )
        holder = None
        await fac.ok("start_game")
        await _note(console, "choosing")
        await fac.ok("choose_opdracht")
        await _note(console, "reading-open")
        for u in fac.view["units"]:
            if u["strategy"]["id"] == "autoriteit":
                holder = next(p["name"] for p in fac.view["players"] if p["id"] in u["members"])
        assert holder is not None, "five players, five cards: the reworded one is dealt"
        phone = await open_page(browser, f"{web_server.http}/p/{s.id}")
        await phone.evaluate(
            "([k, v]) => localStorage.setItem(k, v)",
            [f"tvb:seat:{s.id}", s.players[holder]["player_token"]],
        )
        await phone.reload()
        await expect(phone.locator(".card.strategy").first).to_contain_text("De deskundige")
        await snap(phone, "deck-phone-reworded-card")
        screen = await open_page(
            browser, f"{web_server.http}/s/{s.id}#{s.token('screen')}", 1366, 768
        )
        for u in fac.view["units"]:
            await fac.ok("reveal", unit_id=u["id"])
        await expect(screen.locator("#app").get_by_text("De deskundige").first).to_be_visible()
        await snap(screen, "deck-screen-reworded-card")
        await fac.ok("start_timer")
        await _note(console, "discussing")
        await fac.ok("end_discussion")
        await _note(console, "deciding")
        await fac.ok("record_decision", text="Samen naar het park", reached="yes")
        await fac.ok("next_prompt")
        await _note(console, "over-spel")
        for _ in range(5):
            await fac.ok("next_prompt")
        await _note(console, "uit-spel")
        printed = await open_page(
            browser,
            f"{web_server.http}/print/buurtteams-delft?library={lib['library_id']}",
            1280,
            900,
        )
        await printed.evaluate(
            "([k, v]) => localStorage.setItem(k, v)", [f"tvb:lib:{lib['library_id']}", lib["key"]]
        )
        await printed.reload()
        await expect(printed.locator(".run-sheet")).to_contain_text("Notitie bij uit-spel")
        await expect(printed.locator(".print-card.strategy").first).to_contain_text("De deskundige")
        await snap(printed, "deck-print-with-run-sheet")
        await fac.close()
        file = await http.get(
            f"/api/libraries/{lib['library_id']}/decks/buurtteams-delft/file",
            headers={"Authorization": f"Bearer {lib['key']}"},
        )

    listing = await open_page(browser, lib["link"], 1280, 900)
    await expect(listing.locator("#app").get_by_text("2 versies")).to_be_visible()
    await expect(listing.locator("#app").get_by_text("versie 2: 1 sessie")).to_be_visible()
    elsewhere = await open_page(browser, other["link"], 1280, 900)
    await elsewhere.locator("#deck-file").set_input_files(
        files=[{"name": "deck.toml", "mimeType": "application/toml", "buffer": file.content}]
    )
    await elsewhere.locator("[data-key='upload-deck']").click()
    await expect(elsewhere.locator(".decks strong")).to_have_text("Buurtteams Delft")
    await snap(elsewhere, "deck-library-uploaded")
    await assert_accessible(elsewhere, "a library with an uploaded deck")


async def test_a_phone_reading_english_is_told_once_which_language_the_cards_are_in(
    browser: Browser, web_server: Server
) -> None:
    async with httpx.AsyncClient(base_url=web_server.http) as http:
        s = await deck_session(http, web_server, "Alleen NL", dutch_only)
        seat = await s.join(http, "Anouk")
    phone = await open_page(browser, f"{web_server.http}/j")
    await phone.evaluate(
        "([k, v]) => { localStorage.setItem(k, v); localStorage.setItem('tvb:lang', 'en'); }",
        [f"tvb:seat:{s.id}", seat["player_token"]],
    )
    await phone.goto(f"{web_server.http}/p/{s.id}")
    await expect(phone.locator("#status")).to_have_text(
        "The cards of this game are not in English: you read them in Dutch."
    )
    await snap(phone, "deck-phone-cards-dutch-only")


async def test_a_check_out_written_in_the_editor_is_answered_on_small_phones_and_read_back(
    browser: Browser, web_server: Server
) -> None:
    """Two check-out questions written on the editor page (a score and a line); after the game
    two 320 px phones answer them (anonymous, changed once) and a third player; the facilitator's
    page and the trainer's debrief count them, with no name beside any answer."""
    async with httpx.AsyncClient(base_url=web_server.http) as http:
        lib = (await http.post("/api/libraries", json={"label": "Ana"})).json()
    page = await open_page(browser, lib["link"], 1280, 900)
    await page.get_by_label("Naam", exact=True).fill("Met check-out")
    await page.get_by_role("button", name="Maak kaartenset").click()
    await expect(page.locator(".lead")).to_contain_text("Versie 1")
    await page.get_by_role("button", name="Een check-outvraag toevoegen").click()
    await expect(page.locator("#f-vraag-1-checkout-nl")).to_be_focused()
    await page.locator("#f-vraag-1-checkout-nl").fill("Hoe bruikbaar was dit voor je werk?")
    await page.locator("#f-vraag-1-checkout-en").fill("How useful was this for your work?")
    await page.get_by_role("button", name="Een check-outvraag toevoegen").click()
    await page.locator("#kind-vraag-2").select_option("line")
    await page.locator("#f-vraag-2-checkout-nl").fill("Wat neem je mee naar maandag?")
    await page.get_by_role("button", name="Opslaan als nieuwe versie").click()
    await expect(page.locator("#problems")).to_contain_text(
        "vraag-2 · check-outvraag · English: vul dit in"
    )  # a question is asked in every language of the deck
    await page.locator("#f-vraag-2-checkout-en").fill("What do you take to Monday?")
    await page.get_by_role("button", name="Opslaan als nieuwe versie").click()
    await expect(page.locator(".lead")).to_contain_text("Versie 2")
    await expect(page.locator("#kind-vraag-2")).to_have_value("line")
    await page.locator(".deck-card.checkout").first.scroll_into_view_if_needed()
    await page.screenshot(path="test-artifacts/screenshots/checkout-editor-section.png")
    # at the top: the sticky save bar covers whatever passes beneath it as the page scrolls,
    # and axe counts a button half under it as too small
    await page.evaluate("window.scrollTo(0, 0)")
    await assert_accessible(page, "the deck editor with a check-out")

    async with httpx.AsyncClient(base_url=web_server.http) as http:
        s = await library_session(http, web_server, lib, "met-check-out", rounds=1)
        for name in NAMES[:3]:
            await s.join(http, name)
        fac = await s.client("facilitator").connect()
        third = await s.client(NAMES[2]).connect()
        await fac.ok("start_game")
        await fac.ok("end_game")
        await fac.close()
    phones = []
    for name in NAMES[:2]:
        phone = await open_page(browser, f"{web_server.http}/p/{s.id}", 320, 640)
        await phone.evaluate(
            "([k, v]) => localStorage.setItem(k, v)",
            [f"tvb:seat:{s.id}", s.players[name]["player_token"]],
        )
        await phone.reload()
        await expect(phone.locator(".checkout h2")).to_have_text("Tot slot")
        phones.append(phone)
    first, second = phones
    await first.get_by_role("button", name="4 van 5").click()
    await expect(first.get_by_role("button", name="4 van 5")).to_have_attribute(
        "aria-pressed", "true"
    )
    await first.get_by_label("Wat neem je mee naar maandag?").fill("Eerst vragen, dan besluiten")
    await first.get_by_role("button", name="Versturen").click()
    await expect(first.get_by_role("button", name="Aanpassen")).to_be_visible()
    await second.get_by_role("button", name="2 van 5").click()
    await second.get_by_role("button", name="3 van 5").click()  # changed their mind
    await expect(second.get_by_role("button", name="3 van 5")).to_have_attribute(
        "aria-pressed", "true"
    )
    await third.ok("check_out", answers={"vraag-1": 2})
    await third.close()
    assert await first.evaluate("document.documentElement.scrollWidth") <= 320
    await snap(first, "checkout-phone-320")
    await assert_accessible(first, "a phone with the check-out answered")

    console = await open_page(
        browser, f"{web_server.http}/f/{s.id}#{s.token('facilitator')}", 1280, 900
    )
    results = console.locator(".checkout-results")
    await expect(results).to_contain_text("3 hebben geantwoord (anoniem)")
    await expect(results).to_contain_text("gemiddeld 3 (n = 3) · 1: 0 · 2: 1 · 3: 1 · 4: 1 · 5: 0")
    await expect(results).to_contain_text("Eerst vragen, dan besluiten")
    for name in NAMES:
        await expect(results).not_to_contain_text(name)
    await snap(console, "checkout-facilitator")
    debrief = await open_page(
        browser, f"{web_server.http}/b/{s.id}#{s.token('trainer')}", 1280, 900
    )
    await expect(debrief.locator(".checkout-results")).to_contain_text("gemiddeld 3 (n = 3)")
    await expect(debrief.locator(".debrief-charts")).to_contain_text("Check-out")
    await snap(debrief, "checkout-debrief")
    await page.goto(lib["link"])  # the library: the deck's versions side by side
    await page.locator("#deck").select_option("met-check-out")
    await page.locator("[data-key='filter']").click()
    versions = page.locator(".insights").get_by_text("De versies van de kaartenset naast elkaar")
    await expect(versions).to_be_visible()
    await expect(page.locator(".insights")).to_contain_text("versie 2")
    await snap(page, "checkout-library-versions")


def _dutch(key: str) -> str:
    """A sentence of the staff pages' Dutch catalog."""
    found = re.search(rf'"{re.escape(key)}": "([^"]*)"', NL_STAFF)
    assert found, key
    return found.group(1)


@pytest.mark.parametrize(("change", "problem"), BROKEN, ids=lambda x: getattr(x, "code", ""))
async def test_each_broken_invariant_in_an_uploaded_file_is_named_on_the_page(
    browser: Browser, web_server: Server, change: Any, problem: Problem
) -> None:
    """The library page lists what the checker found in a deck file, each problem where it is
    (card, field, language) and what is wrong, in the trainer's language; nothing is saved."""
    async with httpx.AsyncClient(base_url=web_server.http) as http:
        lib = (await http.post("/api/libraries", json={"label": "Ana"})).json()
    doc = from_decks("proef", "Proef", load_decks("standaard"))
    change(doc)
    page = await open_page(browser, lib["link"], 1280, 900)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.locator("#deck-file").set_input_files(
        files=[{"name": "deck.toml", "mimeType": "application/toml",
                "buffer": write_document(doc).encode()}]
    )  # fmt: skip
    await page.locator("[data-key='upload-deck']").click()
    where = [
        _dutch("deck.wholeDeck") if problem.card == "deck" else problem.card,
        _dutch(f"deck.field.{problem.field}"),
        {"nl": "Nederlands", "en": "English", "fr": "Français"}.get(
            problem.language or "", problem.language
        ),
    ]
    said = _dutch(f"deck.problem.{problem.code}").replace("{limit}", str(problem.limit or ""))
    listed = page.locator("#deck-problems")
    await expect(listed).to_be_focused()  # a keyboard or screen-reader user lands on it
    await expect(
        listed.locator("li", has_text=" · ".join(w for w in where if w) + ": " + said)
    ).to_have_count(1)
    await expect(page.locator("#app").get_by_text("Nog geen eigen kaartensets.")).to_be_visible()
    assert errors == []


async def test_the_run_sheet_follows_each_table_on_the_workshop_console(
    browser: Browser, web_server: Server
) -> None:
    """A workshop played with a library deck: each table's card on the console shows the
    trainer's note for the moment that table is at."""
    notes = {
        "choosing": {"nl": "Laat de tafel zelf kiezen."},
        "reading": {"nl": "Iedereen leest in stilte."},
    }
    async with httpx.AsyncClient(base_url=web_server.http) as http:
        s = await deck_session(
            http, web_server, "Draaiboek", lambda d: d.update(notes=notes), tables=2
        )
        for name in [*NAMES, "Fenna"]:
            await s.join(http, name)
        fac = {"Authorization": f"Bearer {s.token('facilitator')}"}
        formed = await http.post(f"/api/sessions/{s.id}/tables", headers=fac)
        assert formed.status_code == 201, formed.text
        started = await http.post(f"/api/sessions/{s.id}/tables/command", headers=fac,
                                  json={"name": "start_game", "args": {}})  # fmt: skip
        assert started.status_code == 200, started.text
    console = await open_page(browser, s.created["links"]["facilitator"], 1366, 768)
    cards = console.locator(".table-card")
    await expect(cards).to_have_count(2)
    for i in range(2):
        await expect(cards.nth(i).locator("aside.notes")).to_contain_text(
            "Laat de tafel zelf kiezen."
        )
    await console.get_by_role("button", name="Trek aan elke tafel een opdracht").click()
    for i in range(2):
        await expect(cards.nth(i).locator("aside.notes")).to_contain_text(
            "Iedereen leest in stilte."
        )
    await snap(console, "deck-run-sheet-console")
    await assert_accessible(console, "the console with each table's note")


async def test_languages_added_in_the_editor_and_a_phone_reading_cards_in_german(
    browser: Browser, web_server: Server
) -> None:
    """A third and a fourth card language added on the editor page (each starts as not fully
    translated: missing texts play in the first language); made first while incomplete, the
    save is refused at the languages; taken out again. A deck whose first language is German
    plays German cards on a Dutch phone, which is told so once, in Dutch."""
    async with httpx.AsyncClient(base_url=web_server.http) as http:
        lib = (await http.post("/api/libraries", json={"label": "Ana"})).json()
    page = await open_page(browser, lib["link"], 1280, 900)
    await page.get_by_label("Naam", exact=True).fill("Meertalig")
    await page.get_by_role("button", name="Maak kaartenset").click()
    await expect(page.locator(".lead")).to_contain_text("Versie 1")
    for code in ("de", "fr"):
        await page.get_by_label("Nog een taal voor de kaarten").fill(code)
        await page.get_by_role("button", name="Taal toevoegen").click()
    await expect(page.locator("#f-consensus-title-fr")).to_be_focused()
    await page.locator("#f-consensus-title-de").fill("Konsens")
    await page.locator("#f-consensus-title-fr").fill("Consensus")
    await expect(page.get_by_label("Titel · Deutsch").first).to_be_visible()
    await page.get_by_role("button", name="Opslaan als nieuwe versie").click()
    await expect(page.locator(".lead")).to_contain_text("Versie 2")
    await expect(page.locator("#incomplete-de")).to_be_checked()
    await expect(page.locator("#f-consensus-title-de")).to_have_value("Konsens")
    await snap(page, "deck-editor-languages")
    await page.locator("fieldset.languages").screenshot(
        path="test-artifacts/screenshots/deck-editor-languages-section.png"
    )
    await assert_accessible(page, "the deck editor with four languages")
    await page.get_by_role("button", name="Maak Deutsch de eerste taal").click()
    await page.get_by_role("button", name="Opslaan als nieuwe versie").click()
    await expect(page.locator("#problems")).to_contain_text(
        "de kaartenset · talen · Deutsch: de eerste taal moet volledig zijn"
    )
    await expect(page.locator(".lead")).to_contain_text("Versie 2")  # nothing saved
    await page.get_by_role("button", name="Français weghalen").click()
    await page.get_by_role("button", name="Maak Nederlands de eerste taal").click()
    await page.get_by_role("button", name="Opslaan als nieuwe versie").click()
    await expect(page.locator(".lead")).to_contain_text("Versie 3")
    await expect(page.locator("#f-consensus-title-fr")).to_have_count(0)

    async with httpx.AsyncClient(base_url=web_server.http) as http:
        key = {"Authorization": f"Bearer {lib['key']}"}
        base = f"/api/libraries/{lib['library_id']}"
        doc = (await http.get(f"{base}/decks/meertalig", headers=key)).json()["document"]
        for card in [*doc["strategies"], *doc["opdrachten"], *doc["prompts"]]:
            for texts in (card.get("title"), card["text"]):
                if texts:
                    texts["de"] = "Auf Deutsch: " + texts.pop("nl")[:200]
        doc["languages"], doc["incomplete"] = ["de", "en"], []  # no Dutch cards
        saved = await http.put(f"{base}/decks/meertalig", headers=key,
                               json={"base_version": 3, "document": doc})  # fmt: skip
        assert saved.status_code == 201, saved.text
        r = await http.post(f"{base}/sessions", headers=key,
                            json={"settings": {"deck": "meertalig", "language": "nl"}})  # fmt: skip
        s = Session(web_server, r.json())
        seat = await s.join(http, "Anouk")
    phone = await open_page(browser, f"{web_server.http}/j")
    await phone.evaluate(
        "([k, v]) => localStorage.setItem(k, v)", [f"tvb:seat:{s.id}", seat["player_token"]]
    )
    await phone.goto(f"{web_server.http}/p/{s.id}")
    await expect(phone.locator("#status")).to_have_text(
        "De kaarten van dit spel zijn er niet in het Nederlands: je leest ze in het Duits."
    )
