"""A trainer's own decks over HTTP against a real server: made from the standard deck, edited into
versions (a broken card refused with its card, language and field, nothing saved), played by a
table that sees the edited texts, replayed and exported with the version it played after a later
edit, downloaded and uploaded into another library where the same seed deals the same, and closed
to every other credential."""

from dataclasses import asdict
from typing import Any

import httpx
import pytest

from cards import load_decks
from cards.checks import Problem
from cards.document import from_decks, write_document
from tests.app.server import Server, Session
from tests.app.test_library import bearer, filed_session, library
from tests.app.wire import check_deals, check_no_leaks, play_game, seat
from tests.cards.test_documents import BROKEN

NAMES = [("Anouk", "Gemeente"), ("Bram", "GGD"), ("Chris", "School"), ("Dirk", ""), ("Eva", "")]


async def _deck(http: httpx.AsyncClient, lib: dict[str, Any], name: str) -> dict[str, Any]:
    r = await http.post(
        f"/api/libraries/{lib['library_id']}/decks", json={"name": name}, headers=bearer(lib["key"])
    )
    assert r.status_code == 201, r.text
    return r.json()


async def _save(
    http: httpx.AsyncClient, lib: dict[str, Any], deck: dict[str, Any], base: int
) -> httpx.Response:
    return await http.put(
        f"/api/libraries/{lib['library_id']}/decks/{deck['deck_id']}",
        json={"base_version": base, "document": deck["document"]},
        headers=bearer(lib["key"]),
    )


def dutch_only(doc: dict[str, Any]) -> None:
    """The deck's document with its English taken out: a deck in one language."""
    doc["languages"] = ["nl"]
    for card in [*doc["strategies"], *doc["opdrachten"], *doc["prompts"]]:
        for texts in (card.get("title"), card["text"]):
            if texts:
                texts.pop("en")


def _reword(deck: dict[str, Any]) -> None:
    """A strategy card reworded, one card taken out, a question dropped."""
    doc = deck["document"]
    for card in doc["strategies"]:
        if card["id"] == "autoriteit":
            card["title"]["nl"] = "De deskundige"
            card["text"]["nl"] = "Laat de deskundige aan tafel beslissen."
    doc["strategies"] = [c for c in doc["strategies"] if c["id"] != "maximaliseren"]
    doc["prompts"] = [p for p in doc["prompts"] if p["id"] != "in-spel-2"]


async def _deal(server: Server, http: httpx.AsyncClient, s: Session) -> dict[str, str]:
    """Seat four players, start and draw: unit members -> strategy title (trainer's view)."""
    for name, org in NAMES[:4]:
        await s.join(http, name, org)
    fac = await s.client("facilitator").connect()
    trainer = await s.client("trainer").connect()
    await fac.ok("start_game")
    await fac.ok("choose_opdracht")
    view = await trainer.until(lambda v: v["phase"] == "reading")
    names = {p["id"]: p["name"] for p in view["players"]}
    await fac.close()
    await trainer.close()
    return {
        " & ".join(names[m] for m in u["members"]): u["strategy"]["title"] for u in view["units"]
    }


async def test_a_deck_edited_into_versions_is_played_replayed_and_exported_as_it_was(
    server: Server, http: httpx.AsyncClient
) -> None:
    lib = await library(http, "Ana")
    key, lid = bearer(lib["key"]), lib["library_id"]
    deck = await _deck(http, lib, "Buurtteams Delft")
    assert (deck["deck_id"], deck["version"]) == ("buurtteams-delft", 1)
    _reword(deck)
    deck["document"]["notes"] = {"discussing": {"nl": "Let op wie zwijgt."}}
    saved = await _save(http, lib, deck, 1)
    assert saved.status_code == 201, saved.text
    assert saved.json()["version"] == 2
    again = await _save(http, lib, deck, 1)  # a second tab saving over version 1
    assert again.status_code == 400 and again.json()["error"]["reason"] == "deck_changed"

    s = await filed_session(server, http, lib, "Buurtteam Noord", deck=deck["deck_id"], seed=5,
                            rounds=2, open_card_last_round=False)  # fmt: skip
    for name, org in NAMES:  # five players, five cards: every card of the deck is dealt
        await s.join(http, name, org)
    fac = await s.client("facilitator").connect()
    phones = [await s.client(name).connect() for name, _ in NAMES]
    await fac.ok("start_game")
    await fac.ok("choose_opdracht")
    seen = {}
    for phone in phones:
        view = await phone.until(lambda v: v["phase"] == "reading")
        mine = next(u for u in view["units"] if u["id"] == view["me"]["unit"])
        seen[mine["strategy"]["id"]] = mine["strategy"]["title"]
    assert sorted(seen) == ["adequaat", "autoriteit", "consensus", "eliminatie", "preselectie"]
    assert seen["autoriteit"] == "De deskundige"  # the reworded card, on the phone that holds it
    assert fac.view["settings"]["deck_version"] == 2
    assert fac.view["notes"] == {"discussing": "Let op wie zwijgt."}  # the run-sheet: staff only
    screen = await s.client("screen").connect()
    assert all("notes" not in c.view and "Let op wie" not in str(c.view) for c in [*phones, screen])
    await screen.close()
    for phone in phones:
        await phone.ok("ready")
    await fac.ok("start_timer")
    await fac.ok("end_discussion")
    await fac.ok("record_decision", text="Samen", reached="yes")
    await fac.ok("next_prompt")
    await fac.ok("next_prompt")
    assert fac.view["prompt"]["id"] == "in-spel-3"  # the dropped question is skipped
    trainer = bearer(s.token("trainer"))
    before = (await http.get(f"/api/sessions/{s.id}/replay?version=1", headers=trainer)).json()

    deck2 = (await http.get(f"/api/libraries/{lid}/decks/{deck['deck_id']}", headers=key)).json()
    deck2["document"]["strategies"][0]["title"]["nl"] = "Nog een andere titel"
    assert (await _save(http, lib, deck2, 2)).json()["version"] == 3
    after = (await http.get(f"/api/sessions/{s.id}/replay?version=1", headers=trainer)).json()
    assert after == before  # a later edit leaves the played session as it was
    export = (await http.get(f"/api/sessions/{s.id}/export?format=json", headers=trainer)).json()
    assert export["settings"]["deck_version"] == 2  # every export names the version played
    csv = (await http.get(f"/api/sessions/{s.id}/export?format=csv", headers=trainer)).text
    assert "kaartenset;;buurtteams-delft (versie 2)" in csv
    md = (await http.get(f"/api/sessions/{s.id}/export?format=md", headers=trainer)).text
    assert "Kaartenset: buurtteams-delft (versie 2)" in md
    insights = f"/api/libraries/{lid}/insights?deck={deck['deck_id']}"
    covered = {
        q: (await http.get(f"{insights}{q}", headers=key)).json()["sessions"]
        for q in ("", "&version=2", "&version=1", "&version=3")
    }
    assert covered == {"": 1, "&version=2": 1, "&version=1": 0, "&version=3": 0}
    compared = (await http.get(insights, headers=key)).json()["charts"][0]
    assert compared["id"] == "versions"  # a deck's versions side by side, when no version is chosen
    assert compared["rows"] == [
        {"label": "versie 2", "values": [1, 1, compared["rows"][0]["values"][2], 100.0, None]}
    ]
    chosen = (await http.get(f"{insights}&version=2", headers=key)).json()["charts"]
    assert "versions" not in [c["id"] for c in chosen]
    standard = await http.get(f"/api/libraries/{lid}/insights?deck=standaard", headers=key)
    assert standard.json()["sessions"] == 0
    listing = (await http.get(f"/api/libraries/{lid}/decks", headers=key)).json()
    assert [(v["version"], v["sessions"]) for v in listing[0]["versions"]] == [
        (1, []), (2, [s.id]), (3, []),
    ]  # fmt: skip
    await fac.close()
    for phone in phones:
        await phone.close()


async def test_a_broken_deck_is_refused_with_its_problems_and_nothing_is_saved(
    http: httpx.AsyncClient,
) -> None:
    lib = await library(http, "Ana")
    deck = await _deck(http, lib, "Proef")
    doc = deck["document"]
    doc["strategies"] = [c for c in doc["strategies"] if c["id"] != "consensus"]
    doc["opdrachten"][0]["text"]["en"] = ""
    r = await _save(http, lib, deck, 1)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["reason"] == "deck_problems"
    problems = {
        (p["code"], p["card"], p["field"], p["language"]) for p in error["params"]["problems"]
    }
    assert ("no_consensus", "consensus", "strategies", None) in problems
    assert ("empty", doc["opdrachten"][0]["id"], "text", "en") in problems
    listing = (
        await http.get(f"/api/libraries/{lib['library_id']}/decks", headers=bearer(lib["key"]))
    ).json()
    assert [v["version"] for v in listing[0]["versions"]] == [1]


async def test_a_deck_file_shared_into_another_library_deals_the_same_there(
    server: Server, http: httpx.AsyncClient
) -> None:
    ana, bob = await library(http, "Ana"), await library(http, "Bob")
    deck = await _deck(http, ana, "Raad")
    _reword(deck)
    assert (await _save(http, ana, deck, 1)).status_code == 201
    r = await http.get(
        f"/api/libraries/{ana['library_id']}/decks/{deck['deck_id']}/file?version=2",
        headers=bearer(ana["key"]),
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/toml")
    assert 'filename="raad-v2.toml"' in r.headers["content-disposition"]
    up = await http.post(
        f"/api/libraries/{bob['library_id']}/decks/file", content=r.content,
        headers={**bearer(bob["key"]), "content-type": "application/toml"},
    )  # fmt: skip
    assert up.status_code == 201, up.text
    assert (up.json()["deck_id"], up.json()["version"]) == ("raad", 1)
    assert up.json()["document"] == deck["document"] | {"id": "raad"}
    settings = {"deck": "raad", "seed": 42, "rounds": 2}
    here = await _deal(server, http, await filed_session(server, http, ana, "", **settings))
    there = await _deal(server, http, await filed_session(server, http, bob, "", **settings))
    assert here == there and len(here) == 4
    assert "Maximaliseren" not in here.values()  # the card taken out stays out


async def test_no_other_credential_reaches_a_librarys_decks(
    server: Server, http: httpx.AsyncClient
) -> None:
    ana, bob = await library(http, "Ana"), await library(http, "Bob")
    deck = await _deck(http, ana, "Eigen")
    s = await filed_session(server, http, ana, "")
    seat = await s.join(http, "Anouk")
    base = f"/api/libraries/{ana['library_id']}/decks"
    one = f"{base}/{deck['deck_id']}"
    save = {"base_version": 1, "document": deck["document"]}
    for token in (
        bob["key"],
        s.token("facilitator"),
        s.token("trainer"),
        seat["player_token"],
        None,
    ):
        auth = bearer(token) if token else {}
        answers = [
            await http.get(base, headers=auth),
            await http.post(base, json={"name": "X"}, headers=auth),
            await http.get(one, headers=auth),
            await http.put(one, json=save, headers=auth),
            await http.get(f"{one}/file", headers=auth),
            await http.post(f"{base}/file", content=b'id = "x"', headers=auth),
            await http.post(f"/api/libraries/{ana['library_id']}/sessions", headers=auth,
                            json={"settings": {"deck": deck["deck_id"]}}),
        ]  # fmt: skip
        assert [a.status_code for a in answers] == [403] * len(answers), token
    listing = (await http.get(base, headers=bearer(ana["key"]))).json()
    assert [(d["deck_id"], [v["version"] for v in d["versions"]]) for d in listing] == [
        (deck["deck_id"], [1])
    ]
    r = await http.post(  # a library's deck is played from its library only
        "/api/sessions", json={"deck": deck["deck_id"], "deck_version": 1}
    )
    assert r.status_code == 400 and r.json()["error"]["reason"] == "no_such_deck"


async def test_a_file_that_is_no_deck_or_too_large_is_refused(http: httpx.AsyncClient) -> None:
    lib = await library(http, "Ana")
    url, key = f"/api/libraries/{lib['library_id']}/decks/file", bearer(lib["key"])
    r = await http.post(url, content=b"dit is geen deck", headers=key)
    assert r.status_code == 400 and r.json()["error"]["reason"] == "not_a_deck"
    r = await http.post(url, content=b"x" * (300 * 1024), headers=key)
    assert r.status_code == 413
    r = await http.post(url, content=b"\xff\xfe", headers=key)
    assert r.status_code == 400 and r.json()["error"]["reason"] == "not_a_deck"
    listing = (await http.get(f"/api/libraries/{lib['library_id']}/decks", headers=key)).json()
    assert listing == []


async def test_a_deck_in_one_language_plays_in_it_for_every_viewer(
    server: Server, http: httpx.AsyncClient
) -> None:
    lib = await library(http, "Ana")
    deck = await _deck(http, lib, "Alleen Nederlands")
    dutch_only(deck["document"])
    assert (await _save(http, lib, deck, 1)).status_code == 201
    s = await filed_session(server, http, lib, "", deck=deck["deck_id"], language="en")
    await s.join(http, "Anouk")
    phone = await s.client("Anouk").connect()
    await phone.send_raw('{"type": "language", "language": "en"}')  # the viewer reads English
    view = await phone.until(lambda v: v["language"] == "nl")  # the cards there are, in Dutch
    assert view["language"] == "nl"
    await phone.close()


async def test_a_check_out_is_asked_at_the_end_anonymously_and_reaches_every_export(
    server: Server, http: httpx.AsyncClient
) -> None:
    lib = await library(http, "Ana")
    key, lid = bearer(lib["key"]), lib["library_id"]
    deck = await _deck(http, lib, "Met check-out")
    deck["document"]["checkout"] = [
        {"id": "nuttig", "kind": "scale", "text": {"nl": "Hoe nuttig?", "en": "How useful?"}},
        {"id": "meenemen", "kind": "line", "text": {"nl": "Wat neem je mee?", "en": "Take away?"}},
    ]
    assert (await _save(http, lib, deck, 1)).status_code == 201
    s = await filed_session(server, http, lib, "Check-out", deck=deck["deck_id"], rounds=1)
    for name, org in NAMES[:3]:
        await s.join(http, name, org)
    fac = await s.client("facilitator").connect()
    phones = [await s.client(name).connect() for name, _ in NAMES[:3]]
    screen = await s.client("screen").connect()
    await fac.ok("start_game")
    await fac.ok("end_game")
    asked = await phones[0].until(lambda v: v["phase"] == "ended")
    assert [q["id"] for q in asked["checkout"]["questions"]] == ["nuttig", "meenemen"]
    refused = await phones[0].command("check_out", answers={"nuttig": 9})
    assert refused["type"] == "error" and refused["reason"] == "scale"
    await phones[0].ok("check_out", answers={"nuttig": 4, "meenemen": "Meer luisteren naar Bram"})
    await phones[1].ok("check_out", answers={"nuttig": 2})
    early = await fac.until(lambda v: v["checkout"]["given"] == 2)
    assert early["checkout_results"] == []  # two of three: one could be told from the other
    await phones[0].ok("check_out", answers={"nuttig": 5})  # changed: the line stays
    mine = await phones[0].until(lambda v: v["checkout"]["given"] == 2)
    assert mine["me"]["checkout"] == {"nuttig": 5, "meenemen": "Meer luisteren naar Bram"}
    other = await phones[2].until(lambda v: v["checkout"]["given"] == 2)
    assert other["me"]["checkout"] is None and "checkout_results" not in other
    assert "Meer luisteren" not in str(other) and "checkout_results" not in screen.view
    await phones[2].ok("check_out", answers={"nuttig": 3})
    results = (await fac.until(lambda v: v["checkout"]["given"] == 3))["checkout_results"]
    assert results[0]["counts"] == [0, 1, 1, 0, 1] and results[0]["mean"] == 3.3
    assert results[1]["lines"] == ["Meer luisteren naar Bram"]

    trainer = bearer(s.token("trainer"))
    export = (await http.get(f"/api/sessions/{s.id}/export?format=json", headers=trainer)).json()
    assert export["checkout"] == results and export["checkout_given"] == 3
    given = [e for e in export["events"] if e["type"] == "checked_out"]
    assert len(given) == 4  # no author, no player, no answers in a row: only the counts
    assert all(set(e) <= {"type", "at", "facilitator"} for e in given)
    csv = (await http.get(f"/api/sessions/{s.id}/export?format=csv", headers=trainer)).text
    rows = [line.split(";") for line in csv.splitlines() if line.startswith("check-out")]
    assert sorted(r[12] for r in rows) == ["2", "3", "5", "Meer luisteren naar Bram"]
    assert all(r[5] == "" for r in rows)  # no name in the player column
    md = (await http.get(f"/api/sessions/{s.id}/export?format=md", headers=trainer)).text
    assert "## Check-out (3)" in md and "gemiddeld 3,3 (n = 3)" in md
    insights = (
        await http.get(f"/api/libraries/{lid}/insights?deck={deck['deck_id']}", headers=key)
    ).json()
    figure = next(c for c in insights["charts"] if c["id"] == "checkout")
    assert figure["rows"] == [{"label": "Hoe nuttig?", "values": [3, 3.3, 0, 1, 1, 0, 1]}]
    assert "<svg" in figure["svg"]
    for client in [fac, screen, *phones]:
        await client.close()


@pytest.mark.parametrize(("change", "problem"), BROKEN, ids=lambda x: getattr(x, "code", ""))
async def test_each_broken_invariant_in_an_uploaded_file_is_refused_by_name(
    http: httpx.AsyncClient, change: Any, problem: Problem
) -> None:
    lib = await library(http, "Ana")
    doc = from_decks("proef", "Proef", load_decks("standaard"))
    change(doc)
    r = await http.post(
        f"/api/libraries/{lib['library_id']}/decks/file",
        content=write_document(doc),
        headers={**bearer(lib["key"]), "Content-Type": "application/toml"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["reason"] == "deck_problems"
    assert asdict(problem) in r.json()["error"]["params"]["problems"]
    listing = await http.get(
        f"/api/libraries/{lib['library_id']}/decks", headers=bearer(lib["key"])
    )
    assert listing.json() == []  # nothing saved


async def test_no_phone_or_screen_sees_another_units_reworded_card(
    server: Server, http: httpx.AsyncClient
) -> None:
    """The hidden-card scan over a whole game played with a trainer's deck whose every strategy
    card is reworded: what the frames must not carry is the trainer's texts, not the standard's."""
    lib = await library(http, "Ana")
    deck = await _deck(http, lib, "Eigen woorden")
    texts = {}
    for card in deck["document"]["strategies"]:
        card["text"]["nl"] = texts[card["id"]] = f"Eigen tekst van {card['id']}: zo beslis jij."
    assert (await _save(http, lib, deck, 1)).status_code == 201
    s = await filed_session(server, http, lib, "Scan", deck=deck["deck_id"], rounds=3, seed=11)
    g = await seat(server, http, [(n, o) for n, o in NAMES], session=s)
    await play_game(g)
    check_deals(g)
    assert check_no_leaks(g, texts=texts) > 200
    await g.close()
