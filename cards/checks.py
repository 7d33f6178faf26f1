"""The game's invariants for every deck a trainer writes or uploads, in one place: each problem
names the card, the language and the field, so the page and the API can point at it."""

import re
from dataclasses import dataclass

from cards.document import DeckDocument
from game.deck import (
    CONSENSUS,
    LANGUAGE_CODE,
    NOTE_MOMENTS,
    PROMPT_COUNTS,
    PROMPT_IDS,
    STRATEGY_IDS,
)

MIN_STRATEGIES, MAX_STRATEGIES = 3, 6
MIN_OPDRACHTEN = 3  # a game's default rounds; more rounds need more cards (checked at creation)
# What fits a 320 px phone and the 1366×768 screen (the standard deck's longest: title 13,
# strategy 298, assignment 465, question 205 characters): six strategy cards of 320 laid open
# with a message fill that screen at 13 px type (tests/e2e/test_pages_longest_texts.py).
LIMITS = {
    "title": 30, "strategy": 320, "opdracht": 600, "prompt": 250, "note": 600, "checkout": 160,
}  # fmt: skip
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_LANGUAGE = re.compile(LANGUAGE_CODE)  # cards in any language; the pages speak nl and en


@dataclass(frozen=True)
class Problem:
    code: str  # what is wrong, for the page's sentence: see `docs/PROTOCOL.md`
    card: str  # a card or question id, or "deck"
    field: str  # title, text, strategies, opdrachten, prompts, languages, id, name
    language: str | None = None
    limit: int | None = None


def problems(doc: DeckDocument) -> list[Problem]:
    """Everything that keeps `doc` from being played, first problem first (empty: it plays)."""
    found: list[Problem] = []
    found += _languages(doc)
    if not _ID.match(doc.id):
        found.append(Problem("bad_id", "deck", "id"))
    if not doc.name.strip():
        found.append(Problem("empty", "deck", "name"))
    found += _strategies(doc)
    found += _opdrachten(doc)
    found += _prompts(doc)
    found += _notes(doc)
    found += _checkout(doc)
    return found


def _languages(doc: DeckDocument) -> list[Problem]:
    found = [
        Problem("bad_language", "deck", "languages", lang)
        for lang in doc.languages
        if not _LANGUAGE.fullmatch(lang)
    ]
    if not doc.languages or len(set(doc.languages)) != len(doc.languages):
        found.append(Problem("languages", "deck", "languages"))
    if doc.languages and doc.languages[0] in doc.incomplete:
        found.append(Problem("first_incomplete", "deck", "languages", doc.languages[0]))
    return found


def _texts(
    doc: DeckDocument, card: str, field: str, texts: dict[str, str], kind: str, needed: bool = True
) -> list[Problem]:
    """Each language's text: present (or the language marked incomplete, or `needed` False),
    within its length."""
    found = []
    for lang in doc.languages:
        text = texts.get(lang, "").strip()
        if not text:
            if needed and lang not in doc.incomplete:
                found.append(Problem("empty", card, field, lang))
        elif len(text) > LIMITS[kind]:
            found.append(Problem("too_long", card, field, lang, LIMITS[kind]))
    found += [
        Problem("unknown_language", card, field, lang)
        for lang in texts
        if lang not in doc.languages
    ]
    return found


def _doubles(ids: list[str]) -> list[Problem]:
    return [Problem("double", i, "id") for i in sorted({i for i in ids if ids.count(i) > 1})]


def _strategies(doc: DeckDocument) -> list[Problem]:
    ids = [s.id for s in doc.strategies]
    found = [Problem("unknown_strategy", i, "id") for i in ids if i not in STRATEGY_IDS]
    found += _doubles(ids)
    if CONSENSUS not in ids:  # the dealing rules name it
        found.append(Problem("no_consensus", CONSENSUS, "strategies"))
    if not MIN_STRATEGIES <= len(set(ids)) <= MAX_STRATEGIES:
        found.append(Problem("strategy_count", "deck", "strategies"))
    for s in doc.strategies:
        found += _texts(doc, s.id, "title", s.title, "title")
        found += _texts(doc, s.id, "text", s.text, "strategy")
    return found


def _opdrachten(doc: DeckDocument) -> list[Problem]:
    ids = [o.id for o in doc.opdrachten]
    found = [Problem("bad_id", i, "id") for i in ids if not _ID.match(i)]
    found += _doubles(ids)
    if len(doc.opdrachten) < MIN_OPDRACHTEN:
        found.append(Problem("opdracht_count", "deck", "opdrachten", limit=MIN_OPDRACHTEN))
    for o in doc.opdrachten:
        found += _texts(doc, o.id, "text", o.text, "opdracht")
    return found


def _prompts(doc: DeckDocument) -> list[Problem]:
    ids = [p.id for p in doc.prompts]
    found = [Problem("unknown_prompt", i, "id") for i in ids if i not in PROMPT_IDS]
    found += _doubles(ids)
    for stage in PROMPT_COUNTS:  # every reflection moment keeps at least one question
        if not any(i.startswith(f"{stage}-") for i in ids):
            found.append(Problem("no_prompt", stage, "prompts"))
    for p in doc.prompts:
        found += _texts(doc, p.id, "text", p.text, "prompt")
    return found


def _notes(doc: DeckDocument) -> list[Problem]:
    """The run-sheet is optional: any moment, any language may be left empty."""
    found = [Problem("unknown_moment", m, "notes") for m in doc.notes if m not in NOTE_MOMENTS]
    for moment, texts in doc.notes.items():
        found += _texts(doc, moment, "notes", texts, "note", needed=False)
    return found


def _checkout(doc: DeckDocument) -> list[Problem]:
    """The check-out is optional; each question it has is asked in every language."""
    ids = [c.id for c in doc.checkout]
    found = [Problem("bad_id", i, "id") for i in ids if not _ID.match(i)]
    found += _doubles(ids)
    for c in doc.checkout:
        found += _texts(doc, c.id, "checkout", c.text, "checkout")
    return found
