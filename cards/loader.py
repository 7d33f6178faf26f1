"""Read and check a deck file. A broken deck is refused with a message naming file, card and field,
so whoever edits card texts learns exactly what to fix."""

import tomllib
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from cards.checks import problems
from cards.document import DocumentError, read_document, to_decks
from game.deck import PROMPT_IDS, STRATEGY_IDS, Deck, Opdracht, Prompt, Strategy

DECKS_DIR = Path(__file__).parent / "decks"
LANGUAGES = ("nl", "en")
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


class DeckError(ValueError):
    """A deck file that cannot be played; the message says where and what."""


def available_decks(root: Path = DECKS_DIR) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir())


Card = TypeVar("Card", Strategy, Opdracht, Prompt)


def _cards(path: Path, data: dict[str, Any], section: str, model: type[Card]) -> list[Card]:
    raw = data.get(section)
    if not isinstance(raw, list) or not raw:
        raise DeckError(f"{path}: section [[{section}]] is missing or empty")
    cards: list[Card] = []
    for i, item in enumerate(raw, 1):
        label = item.get("id") if isinstance(item, dict) else None
        where = f"{path}: {section} card {label or f'#{i}'!r}"
        try:
            card = model.model_validate(item)
        except ValidationError as e:
            first = e.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "card"
            raise DeckError(f"{where}: field {field!r}: {first['msg']}") from None
        if not card.text.strip():
            raise DeckError(f"{where}: field 'text' is empty")
        if not card.id or not set(card.id) <= _ID_CHARS:
            raise DeckError(f"{where}: field 'id' may hold only a-z, 0-9 and '-'")
        cards.append(card)
    ids = [c.id for c in cards]
    doubles = sorted({i for i in ids if ids.count(i) > 1})
    if doubles:
        raise DeckError(f"{path}: {section} card {doubles[0]!r}: field 'id' is used twice")
    return cards


def _expect(path: Path, section: str, got: list[str], want: tuple[str, ...]) -> None:
    missing = [i for i in want if i not in got]
    extra = [i for i in got if i not in want]
    if missing:
        raise DeckError(f"{path}: {section} card {missing[0]!r} is missing (field 'id')")
    if extra:
        raise DeckError(
            f"{path}: {section} card {extra[0]!r}: field 'id' is not one of {list(want)}"
        )


def read_deck_file(path: Path) -> Deck:
    """One language of one deck, checked card by card."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise DeckError(f"{path}: not valid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise DeckError(f"{path}: cannot be read: {e}") from None
    unknown = sorted(set(data) - {"id", "language", "strategies", "opdrachten", "prompts"})
    if unknown:
        raise DeckError(f"{path}: unknown field {unknown[0]!r}")
    if data.get("language") not in LANGUAGES:
        raise DeckError(f"{path}: field 'language' must be one of {list(LANGUAGES)}")
    if data.get("id") != path.parent.name:
        raise DeckError(f"{path}: field 'id' must be the deck's folder name {path.parent.name!r}")
    strategies = _cards(path, data, "strategies", Strategy)
    _expect(path, "strategies", [s.id for s in strategies], STRATEGY_IDS)
    prompts = _cards(path, data, "prompts", Prompt)
    _expect(path, "prompts", [p.id for p in prompts], PROMPT_IDS)
    opdrachten = _cards(path, data, "opdrachten", Opdracht)
    if any(o.custom for o in opdrachten):
        raise DeckError(f"{path}: field 'custom' is for cards added at session creation only")
    by_id = {p.id: p for p in prompts}
    return Deck(
        id=data["id"],
        language=data["language"],
        strategies=tuple(sorted(strategies, key=lambda s: STRATEGY_IDS.index(s.id))),
        opdrachten=tuple(opdrachten),
        prompts=tuple(by_id[i] for i in PROMPT_IDS),
    )


@cache
def _documents(path: Path) -> dict[str, Deck]:
    """A trainer's deck file: the deck in each of its languages (any, not only nl and en)."""
    try:
        doc = read_document(path.read_text(encoding="utf-8"))
    except (DocumentError, OSError, UnicodeDecodeError) as e:
        raise DeckError(f"{path}: {e}") from None
    found = problems(doc)
    if found:
        p = found[0]
        raise DeckError(f"{path}: {p.card!r} field {p.field!r} ({p.language or 'all'}): {p.code}")
    return to_decks(doc)


def _document(path: Path, language: str) -> Deck:
    decks = _documents(path)
    if language not in decks:
        raise DeckError(f"{path}: no {language!r} version; languages: {list(decks)}")
    return decks[language]


def load_decks(deck_id: str, root: Path = DECKS_DIR) -> dict[str, Deck]:
    """The deck in every language it has (a session keeps them all: each viewer reads their own)."""
    if deck_id in available_decks(root) and (root / deck_id / "deck.toml").exists():
        return _documents(root / deck_id / "deck.toml")
    return {lang: load_deck(deck_id, lang, root) for lang in LANGUAGES}


@cache
def load_deck(deck_id: str, language: str, root: Path = DECKS_DIR) -> Deck:
    """The deck in one language; the other languages are checked to hold the same cards."""
    folder = root / deck_id
    if deck_id not in available_decks(root):  # the message names no path: players may see it
        raise DeckError(f"{deck_id[:40]!r}: no such deck; decks here: {available_decks(root)}")
    if (folder / "deck.toml").exists():  # a trainer's deck file, as downloaded from a library
        return _document(folder / "deck.toml", language)
    decks = {lang: read_deck_file(folder / f"{lang}.toml") for lang in LANGUAGES}
    reference = [o.id for o in decks["nl"].opdrachten]
    for lang, deck in decks.items():
        ids = [o.id for o in deck.opdrachten]
        if ids != reference:
            diff = [i for i in ids if i not in reference] + [i for i in reference if i not in ids]
            odd = (
                diff[0] if diff else next(a for a, b in zip(ids, reference, strict=True) if a != b)
            )
            raise DeckError(
                f"{folder / f'{lang}.toml'}: opdrachten card {odd!r}: field 'id' does not match "
                f"nl.toml (same cards in the same order in every language)"
            )
    if language not in decks:
        raise DeckError(f"{folder}: no {language!r} version; languages: {list(LANGUAGES)}")
    return decks[language]
