"""A trainer's deck document: the standard deck as one, a file that goes out and comes back the
same (and deals the same for the same seed), and every invariant the checker holds, one by one."""

import pytest

from cards import DeckError, load_decks
from cards.checks import LIMITS, Problem, problems
from cards.document import (
    CheckoutText,
    DeckDocument,
    DocumentError,
    from_decks,
    read_document,
    to_decks,
    write_document,
)
from game import Settings, create_session, evolve
from game.dealing import deal_round, form_units


def standard() -> DeckDocument:
    return from_decks("mijn-deck", "Mijn deck", load_decks("standaard"))


def test_the_standard_deck_as_a_document_plays_exactly_as_the_files() -> None:
    doc = standard()
    assert problems(doc) == []
    assert {lang: d.model_dump(exclude={"id"}) for lang, d in to_decks(doc).items()} == {
        lang: d.model_dump(exclude={"id"}) for lang, d in load_decks("standaard").items()
    }


def test_a_file_goes_out_and_comes_back_the_same_with_every_awkward_character() -> None:
    doc = standard()
    doc.strategies[0].title["nl"] = 'De "baas" \\ beslist\tnu'
    doc.opdrachten[0].text["en"] = "Line one\nline two — ‘quoted’ ✓"
    again = read_document(write_document(doc))
    assert again == doc


def test_a_deck_downloaded_and_uploaded_elsewhere_deals_the_same_for_the_same_seed() -> None:
    doc = standard()
    doc.strategies = [
        s for s in doc.strategies if s.id in {"autoriteit", "adequaat", "eliminatie", "consensus"}
    ]
    again = to_decks(read_document(write_document(doc)))
    ids = again["nl"].strategy_ids
    players = [(f"p{i}", f"org{i % 3}") for i in range(1, 8)]
    units = form_units(players, 11, len(ids))
    histories = {f"u{i}": () for i in range(len(units))}
    assert deal_round(histories, 1, 3, None, 11, ids) == deal_round(
        histories, 1, 3, None, 11, to_decks(doc)["nl"].strategy_ids
    )
    created = create_session(
        session_id="s", join_code="ABC234", settings=Settings(), decks=again, seed=1,
        time_scale=1.0, token_hashes={"facilitator": "f"}, now=0,
    )  # fmt: skip
    assert evolve(None, created).deck.strategy_ids == (
        "autoriteit",
        "eliminatie",
        "adequaat",
        "consensus",
    )


# Each invariant the checker holds, broken one at a time: the change, and the problem it names.
BROKEN = [
    (lambda d: d.strategies.pop(), Problem("no_consensus", "consensus", "strategies")),
    (
        lambda d: d.strategies.__delitem__(slice(0, 4)),
        Problem("strategy_count", "deck", "strategies"),
    ),
    (lambda d: d.strategies.append(d.strategies[0]), Problem("double", "autoriteit", "id")),
    (
        lambda d: setattr(d.strategies[0], "id", "loting"),
        Problem("unknown_strategy", "loting", "id"),
    ),
    (
        lambda d: d.strategies[1].title.update(en=" "),
        Problem("empty", "eliminatie", "title", "en"),
    ),
    (
        lambda d: d.strategies[1].text.update(nl="x" * 401),
        Problem("too_long", "eliminatie", "text", "nl", LIMITS["strategy"]),
    ),
    (
        lambda d: d.strategies[1].title.update(nl="x" * 31),
        Problem("too_long", "eliminatie", "title", "nl", LIMITS["title"]),
    ),
    (
        lambda d: d.opdrachten.__delitem__(slice(0, 4)),
        Problem("opdracht_count", "deck", "opdrachten", None, 3),
    ),
    (lambda d: d.opdrachten[3].text.pop("en"), Problem("empty", "keuken", "text", "en")),
    (
        lambda d: d.opdrachten[3].text.update(en="x" * 601),
        Problem("too_long", "keuken", "text", "en", LIMITS["opdracht"]),
    ),
    (lambda d: setattr(d.opdrachten[0], "id", "Hoi daar"), Problem("bad_id", "Hoi daar", "id")),
    (lambda d: d.prompts.__delitem__(slice(0, 3)), Problem("no_prompt", "in-spel", "prompts")),
    (
        lambda d: setattr(d.prompts[0], "id", "in-spel-9"),
        Problem("unknown_prompt", "in-spel-9", "id"),
    ),
    (
        lambda d: d.prompts[4].text.update(nl="x" * 251),
        Problem("too_long", "over-spel-2", "text", "nl", LIMITS["prompt"]),
    ),
    (
        lambda d: d.languages.append("Duits"),
        Problem("bad_language", "deck", "languages", "Duits"),
    ),
    (
        lambda d: d.prompts[0].text.update(fr="Bonjour"),
        Problem("unknown_language", "in-spel-1", "text", "fr"),
    ),
    (
        lambda d: d.incomplete.append("nl"),
        Problem("first_incomplete", "deck", "languages", "nl"),
    ),
    (lambda d: setattr(d, "name", "  "), Problem("empty", "deck", "name")),
    (lambda d: setattr(d, "id", "-x"), Problem("bad_id", "deck", "id")),
    (
        lambda d: d.languages.append("de\n"),
        Problem("bad_language", "deck", "languages", "de\n"),
    ),
    (
        lambda d: d.notes.update(pauze={"nl": "Koffie"}),
        Problem("unknown_moment", "pauze", "notes"),
    ),
    (
        lambda d: d.checkout.append(
            CheckoutText(id="mee", kind="line", text={"nl": "x" * 161, "en": "Take away?"})
        ),
        Problem("too_long", "mee", "checkout", "nl", LIMITS["checkout"]),
    ),
]


@pytest.mark.parametrize(("change", "problem"), BROKEN)
def test_each_broken_invariant_is_named_by_card_language_and_field(change, problem) -> None:  # type: ignore[no-untyped-def]
    doc = standard()
    change(doc)
    assert problem in problems(doc)


def test_a_language_marked_incomplete_plays_its_missing_texts_in_the_first_language() -> None:
    doc = standard()
    doc.opdrachten[3].text.pop("en")
    assert problems(doc) != []
    doc.incomplete = ["en"]
    assert problems(doc) == []
    assert to_decks(doc)["en"].opdracht("keuken").text == doc.opdrachten[3].text["nl"]


@pytest.mark.parametrize(
    ("text", "needle"),
    [("id = ", "not valid TOML"), ('id = "x"\nname = "y"\nlanguages = ["nl"]\nkleur = 1', "kleur")],
)
def test_a_file_that_is_no_deck_says_where(text: str, needle: str) -> None:
    with pytest.raises(DocumentError, match=needle):
        read_document(text)


def test_the_repositorys_loader_reads_a_downloaded_deck_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    doc = standard()
    doc.strategies[0].title["nl"] = "De baas"
    (tmp_path / "mijn-deck").mkdir()
    (tmp_path / "mijn-deck" / "deck.toml").write_text(write_document(doc), encoding="utf-8")
    decks = load_decks("mijn-deck", root=tmp_path)
    assert decks["nl"].strategy("autoriteit").title == "De baas"
    assert decks["en"].strategy("autoriteit").title == "Authority"
    doc.strategies.pop()  # no consensus card: refused with the card and field named
    (tmp_path / "kapot").mkdir()
    (tmp_path / "kapot" / "deck.toml").write_text(write_document(doc), encoding="utf-8")
    with pytest.raises(DeckError, match="'consensus' field 'strategies'"):
        load_decks("kapot", root=tmp_path)


def test_the_run_sheet_travels_in_the_file_and_plays_in_each_language() -> None:
    doc = standard()
    doc.notes = {"discussing": {"nl": "Let op wie zwijgt.", "en": ""}, "uit-spel": {"en": "Ask."}}
    again = read_document(write_document(doc))
    assert again.notes == doc.notes and problems(again) == []
    decks = to_decks(again)
    assert decks["nl"].notes == {"discussing": "Let op wie zwijgt."}  # falls back to nl only
    assert decks["en"].notes == {"discussing": "Let op wie zwijgt.", "uit-spel": "Ask."}
    doc.notes["pauze"] = {"nl": "Koffie"}
    doc.notes["deciding"] = {"nl": "x" * 601}
    found = problems(doc)
    assert Problem("unknown_moment", "pauze", "notes") in found
    assert Problem("too_long", "deciding", "notes", "nl", LIMITS["note"]) in found


def test_the_check_out_travels_in_the_file_and_each_broken_question_is_named() -> None:
    doc = standard()
    doc.checkout = [
        CheckoutText(id="nuttig", kind="scale", text={"nl": 'Hoe "nuttig"?', "en": "Useful?"}),
        CheckoutText(id="mee", kind="line", text={"nl": "Wat neem je mee?", "en": "Take away?"}),
    ]
    again = read_document(write_document(doc))
    assert again.checkout == doc.checkout and problems(again) == []
    assert [(q.id, q.kind, q.text) for q in to_decks(again)["en"].checkout] == [
        ("nuttig", "scale", "Useful?"),
        ("mee", "line", "Take away?"),
    ]
    doc.checkout[1].text["en"] = ""
    doc.checkout[0].text["nl"] = "x" * 161
    doc.checkout.append(CheckoutText(id="Mee!", kind="line", text={"nl": "a", "en": "b"}))
    doc.checkout.append(CheckoutText(id="nuttig", kind="scale", text={"nl": "a", "en": "b"}))
    found = problems(doc)
    assert Problem("empty", "mee", "checkout", "en") in found
    assert Problem("too_long", "nuttig", "checkout", "nl", LIMITS["checkout"]) in found
    assert Problem("bad_id", "Mee!", "id") in found and Problem("double", "nuttig", "id") in found
    six = write_document(doc)
    six += '\n[[checkout]]\nid = "zes"\nkind = "scale"\ntext = { nl = "6", en = "6" }\n' * 2
    with pytest.raises(DocumentError, match="checkout"):  # five questions at most
        read_document(six)
    with pytest.raises(DocumentError, match="kind"):
        read_document(write_document(doc).replace('kind = "line"', 'kind = "essay"'))


def test_a_deck_in_another_language_is_checked_and_played_in_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Cards in any language (the pages stay in nl and en): German first, English beside it."""
    doc = standard()
    for card in [*doc.strategies, *doc.opdrachten, *doc.prompts]:
        for texts in (getattr(card, "title", None), card.text):
            if texts is not None:
                texts["de"] = "Auf Deutsch: " + texts.pop("nl")[:200]
    doc.languages = ["de", "en"]
    assert problems(doc) == []
    decks = to_decks(doc)
    assert list(decks) == ["de", "en"] and decks["de"].language == "de"
    assert decks["de"].strategy("consensus").title.startswith("Auf Deutsch: ")
    folder = tmp_path / "duits"
    folder.mkdir()
    (folder / "deck.toml").write_text(write_document(doc), encoding="utf-8")
    assert load_decks("duits", root=tmp_path) == decks  # the repository's loader, every language
    created = create_session(
        session_id="s1", join_code="ABC234", settings=Settings(language="nl"), decks=decks,
        seed=1, time_scale=1.0, token_hashes={"facilitator": "f"}, now=0,
    )  # fmt: skip
    assert evolve(None, created).deck.language == "de"  # no Dutch cards: the deck's first
