"""A trainer's deck as one document: every strategy card, assignment card and reflection question
in each of the deck's languages. It is what the library stores (one version per save), what a
trainer downloads and uploads (one TOML file, read by `read_document`), and what a session is
created with (`to_decks`, after `cards.checks.problems` found nothing)."""

import tomllib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from game.deck import (
    CHECKOUT_MAX,
    PROMPT_IDS,
    STRATEGY_IDS,
    CheckoutKind,
    CheckoutQuestion,
    Deck,
    Opdracht,
    Prompt,
    Strategy,
)


class StrategyText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=40)
    title: dict[str, str]  # language -> text
    text: dict[str, str]


class CardText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=40)
    text: dict[str, str]


class CheckoutText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=40)
    kind: CheckoutKind = Field(description="scale: 1 to 5; line: one line of text")
    text: dict[str, str]


class DeckDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=40)
    name: str = Field(max_length=80)
    languages: list[str] = Field(max_length=8, description="The first is the deck's own")
    incomplete: list[str] = Field(default=[], description="Languages not translated in full")
    strategies: list[StrategyText] = Field(max_length=12)
    opdrachten: list[CardText] = Field(max_length=60)
    prompts: list[CardText] = Field(max_length=40)
    notes: dict[str, dict[str, str]] = Field(
        default={}, description="The facilitator's run-sheet: moment -> language -> notes"
    )
    checkout: list[CheckoutText] = Field(
        default=[],
        max_length=CHECKOUT_MAX,
        description="Closing questions asked on the phones once the game has ended",
    )


def from_decks(deck_id: str, name: str, decks: dict[str, Deck]) -> DeckDocument:
    """The repository's deck (one `Deck` per language) as one document, to start a trainer's own."""
    languages = list(decks)
    first = decks[languages[0]]

    def texts(pick: Any) -> dict[str, str]:
        return {lang: pick(decks[lang]) for lang in languages}

    return DeckDocument(
        id=deck_id,
        name=name,
        languages=languages,
        strategies=[
            StrategyText(
                id=s.id,
                title=texts(lambda d, i=s.id: d.strategy(i).title),
                text=texts(lambda d, i=s.id: d.strategy(i).text),
            )
            for s in first.strategies
        ],
        opdrachten=[
            CardText(id=o.id, text=texts(lambda d, i=o.id: d.opdracht(i).text))
            for o in first.opdrachten
        ],
        prompts=[
            CardText(id=p.id, text=texts(lambda d, i=p.id: d.prompt(i).text)) for p in first.prompts
        ],
        checkout=[
            CheckoutText(id=c.id, kind=c.kind, text=texts(lambda d, n=n: d.checkout[n].text))
            for n, c in enumerate(first.checkout)
        ],
    )


def to_decks(doc: DeckDocument) -> dict[str, Deck]:
    """One `Deck` per language for a session; a text missing in a language marked incomplete is
    the deck's first language's."""
    first = doc.languages[0]
    strategies = sorted(doc.strategies, key=lambda s: STRATEGY_IDS.index(s.id))
    prompts = sorted(doc.prompts, key=lambda p: PROMPT_IDS.index(p.id))  # the game's order

    def say(texts: dict[str, str], lang: str) -> str:
        return texts.get(lang, "").strip() or texts.get(first, "")

    return {
        lang: Deck(
            id=doc.id,
            language=lang,  # checked: nl or en
            strategies=tuple(
                Strategy(id=s.id, title=say(s.title, lang), text=say(s.text, lang))
                for s in strategies
            ),
            opdrachten=tuple(Opdracht(id=o.id, text=say(o.text, lang)) for o in doc.opdrachten),
            prompts=tuple(Prompt(id=p.id, text=say(p.text, lang)) for p in prompts),
            notes={m: say(n, lang) for m, n in doc.notes.items() if say(n, lang)},
            checkout=tuple(
                CheckoutQuestion(id=c.id, kind=c.kind, text=say(c.text, lang)) for c in doc.checkout
            ),
        )
        for lang in doc.languages
    }


class DocumentError(ValueError):
    """A file that is not a deck document; the message says where."""


def read_document(text: str) -> DeckDocument:
    """A downloaded deck file back into a document (its cards are checked by `cards.checks`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise DocumentError(f"not valid TOML: {e}") from None
    try:
        return DeckDocument.model_validate(data)
    except ValidationError as e:
        errors = e.errors()  # a field we do not know is the likelier slip: named first
        first = next((x for x in errors if x["type"] == "extra_forbidden"), errors[0])
        where = ".".join(str(p) for p in first["loc"]) or "deck"
        raise DocumentError(f"field {where!r}: {first['msg']}") from None


def _string(text: str) -> str:
    """A TOML basic string (escapes per the TOML spec: quote, backslash, control characters)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _table(texts: dict[str, str]) -> str:
    return "{ " + ", ".join(f"{lang} = {_string(t)}" for lang, t in texts.items()) + " }"


def write_document(doc: DeckDocument) -> str:
    """The document as one TOML file: every language of each card side by side."""
    lines = [
        "# Theater van Besluit — a trainer's deck (every language of each card side by side)",
        f"id = {_string(doc.id)}",
        f"name = {_string(doc.name)}",
        f"languages = [{', '.join(_string(lang) for lang in doc.languages)}]",
        f"incomplete = [{', '.join(_string(lang) for lang in doc.incomplete)}]",
    ]
    for s in doc.strategies:
        lines += ["", "[[strategies]]", f"id = {_string(s.id)}"]
        lines += [f"title = {_table(s.title)}", f"text = {_table(s.text)}"]
    for section, cards in (("opdrachten", doc.opdrachten), ("prompts", doc.prompts)):
        for c in cards:
            lines += ["", f"[[{section}]]", f"id = {_string(c.id)}", f"text = {_table(c.text)}"]
    for q in doc.checkout:
        lines += ["", "[[checkout]]", f"id = {_string(q.id)}", f"kind = {_string(q.kind)}"]
        lines.append(f"text = {_table(q.text)}")
    if doc.notes:  # a table after the arrays of tables: TOML keeps it apart
        lines += ["", "[notes]", *(f"{m} = {_table(n)}" for m, n in doc.notes.items())]
    return "\n".join(lines) + "\n"
