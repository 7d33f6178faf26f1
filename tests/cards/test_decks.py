"""The standard deck is the printed game, word for word in Dutch, card for card in English; a
broken deck file is refused with a message naming file, card and field."""

import re
import shutil
from pathlib import Path

import pytest

from cards import DECKS_DIR, DeckError, available_decks, load_deck
from game.deck import PROMPT_IDS, STRATEGY_IDS

SOURCE = (
    Path(__file__).resolve().parents[2] / "cards" / "source" / "theater-van-besluit-spelregels.txt"
)
OPDRACHT_IDS = [
    "vertegenwoordiger",
    "uit-eten",
    "beste-medewerker",
    "keuken",
    "festival",
    "teambuilding",
]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_standard_deck_has_the_contract_ids_in_both_languages() -> None:
    assert available_decks() == ["standaard"]
    for lang in ("nl", "en"):
        deck = load_deck("standaard", lang)
        assert [s.id for s in deck.strategies] == list(STRATEGY_IDS)
        assert [o.id for o in deck.opdrachten] == OPDRACHT_IDS
        assert [p.id for p in deck.prompts] == list(PROMPT_IDS)


def test_dutch_texts_are_verbatim_from_the_printed_game() -> None:
    source = _flat(SOURCE.read_text(encoding="utf-8"))
    deck = load_deck("standaard", "nl")
    for card in [*deck.strategies, *deck.opdrachten, *deck.prompts]:
        assert _flat(card.text) in source, card.id
    for s in deck.strategies:
        assert f"Theater van Besluit {s.title}" in source


def test_english_is_a_translation_not_a_copy() -> None:
    nl, en = load_deck("standaard", "nl"), load_deck("standaard", "en")
    for a, b in zip(
        [*nl.strategies, *nl.opdrachten, *nl.prompts],
        [*en.strategies, *en.opdrachten, *en.prompts],
        strict=True,
    ):
        assert a.id == b.id and a.text != b.text
    assert en.strategy("autoriteit").title == "Authority"


@pytest.fixture
def deck_copy(tmp_path: Path) -> Path:
    shutil.copytree(DECKS_DIR / "standaard", tmp_path / "standaard")
    return tmp_path


def _break(root: Path, lang: str, old: str, new: str) -> None:
    path = root / "standaard" / f"{lang}.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("lang", "old", "new", "expected"),
    [
        (
            "en",
            'title = "Authority"\n',
            "",
            r"en\.toml: strategies card 'autoriteit': field 'title': Field required",
        ),
        (
            "nl",
            'id = "eliminatie"',
            'id = "eliminasie"',
            r"nl\.toml: strategies card 'eliminatie' is missing",
        ),
        (
            "nl",
            'id = "keuken"\ntext = "',
            'id = "keuken"\ncolour = "paars"\ntext = "',
            r"nl\.toml: opdrachten card 'keuken': field 'colour'",
        ),
        (
            "en",
            'id = "festival"',
            'id = "keuken"',
            r"en\.toml: opdrachten card 'keuken': field 'id' is used twice",
        ),
        (
            "nl",
            'id = "uit-spel-6"',
            'id = "uit-spel-7"',
            r"nl\.toml: prompts card 'uit-spel-6' is missing",
        ),
        (
            "nl",
            'text = "Hoe verliep het besluitvormingsproces?"',
            'text = "  "',
            r"prompts card 'over-spel-3': field 'text' is empty",
        ),
        (
            "en",
            'id = "teambuilding"',
            'id = "team building"',
            r"en\.toml: opdrachten card 'team building': field 'id' may hold only",
        ),
        ("en", 'language = "en"', 'language = "fr"', r"en\.toml: field 'language'"),
        ("nl", "[[prompts]]", "[[prompts]", r"nl\.toml: not valid TOML"),
    ],
)
def test_a_broken_deck_is_refused_naming_file_card_and_field(
    deck_copy: Path, lang: str, old: str, new: str, expected: str
) -> None:
    _break(deck_copy, lang, old, new)
    with pytest.raises(DeckError, match=expected):
        load_deck("standaard", "nl", root=deck_copy)


def test_both_languages_must_hold_the_same_assignment_cards(deck_copy: Path) -> None:
    _break(deck_copy, "en", 'id = "festival"', 'id = "feest"')
    with pytest.raises(
        DeckError, match=r"en\.toml: opdrachten card 'feest': field 'id' does not match nl\.toml"
    ):
        load_deck("standaard", "nl", root=deck_copy)


def test_an_unknown_deck_names_the_decks_there_are_but_no_path() -> None:
    with pytest.raises(DeckError, match=r"no such deck; decks here: \['standaard'\]") as info:
        load_deck("kerst", "nl")
    assert str(DECKS_DIR) not in str(info.value) and "/" not in str(info.value)


def test_the_six_questions_uit_het_spel_are_the_magazines_six() -> None:
    nl, en = load_deck("standaard", "nl"), load_deck("standaard", "en")
    five, six = nl.prompt("uit-spel-5").text, nl.prompt("uit-spel-6").text
    assert five.startswith("Zou het in de praktijk helpen") and "Bijvoorbeeld: willen we" in five
    assert six == "Wat is er in dat geval voor nodig om zo’n gesprek met elkaar te voeren?"
    assert (
        en.prompt("uit-spel-6").text
        == "What would it take to have such a conversation with each other?"
    )
    assert "For example: do we want" in en.prompt("uit-spel-5").text


def test_the_english_cards_carry_the_dutch_idioms_faithfully() -> None:
    en = load_deck("standaard", "en")
    assert "behind the scenes at each other's organisations" in en.opdracht("keuken").text
    assert "kitchen" not in en.opdracht("keuken").text
    assert en.prompt("uit-spel-3").text.startswith("Is it a problem when")
    assert "could do with getting to know each other better" in en.opdracht("teambuilding").text
    assert "go-karting" in en.opdracht("teambuilding").text
    assert en.strategy("adequaat").title == "Good enough"
