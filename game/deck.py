"""What a session plays with: strategy cards, assignment cards and reflection prompts in one language.

A snapshot of the deck is stored in the session's first event, so a replay never depends on the
card files as they are today.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

STRATEGY_IDS: tuple[str, ...] = (
    "autoriteit",
    "eliminatie",
    "maximaliseren",
    "adequaat",
    "preselectie",
    "consensus",
)
CONSENSUS = "consensus"

Stage = Literal["in-spel", "over-spel", "uit-spel"]
PROMPT_COUNTS: dict[Stage, int] = {"in-spel": 3, "over-spel": 5, "uit-spel": 6}
# The moments a facilitator's run-sheet has a note for: the printed game's cues, and each
# reflection moment.
NOTE_MOMENTS: tuple[str, ...] = (
    "choosing", "reading", "reading-open", "discussing", "deciding", "in-spel", "over-spel",
    "uit-spel",
)  # fmt: skip
PROMPT_IDS: tuple[str, ...] = tuple(
    f"{stage}-{i}" for stage, count in PROMPT_COUNTS.items() for i in range(1, count + 1)
)


class Strategy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    title: str
    text: str


class Opdracht(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    text: str
    custom: bool = False


class Prompt(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    text: str


LANGUAGE_CODE = r"^[a-z]{2,3}$"  # a card language: ISO 639-1 or -3, lower case (de, fr, pap)
CheckoutKind = Literal["scale", "line"]
CHECKOUT_MAX = 5  # a closing check-out stays short: at most this many questions


class CheckoutQuestion(BaseModel):
    """A closing evaluation question, asked on the phones once the game has ended: a 1-5 scale
    (1 = not at all, 5 = very much) or one line of text."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    kind: CheckoutKind
    text: str


class Deck(BaseModel):
    """One deck in one language, as validated by the loader in `cards/`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    # nl or en (the pages' languages), or any other a trainer writes cards in (ISO 639 code)
    language: str = Field(pattern=LANGUAGE_CODE)
    strategies: tuple[Strategy, ...]
    opdrachten: tuple[Opdracht, ...]
    prompts: tuple[Prompt, ...]
    # the trainer's run-sheet: per moment of the game (`NOTE_MOMENTS`), notes for the facilitator
    notes: dict[str, str] = Field(default_factory=dict)
    # the trainer's closing check-out (none in the standard deck)
    checkout: tuple[CheckoutQuestion, ...] = ()

    @property
    def strategy_ids(self) -> tuple[str, ...]:
        """The strategy cards this deck deals (the standard six, or 3 to 6 of them with
        consensus), in the standard order."""
        return tuple(s.id for s in self.strategies)

    def prompt_ids(self, stages: tuple[Stage, ...]) -> tuple[str, ...]:
        """This deck's reflection questions of `stages`, in order (a trainer may drop some)."""
        return tuple(p.id for st in stages for p in self.prompts if p.id.startswith(f"{st}-"))

    def strategy(self, strategy_id: str) -> Strategy:
        return next(s for s in self.strategies if s.id == strategy_id)

    def opdracht(self, opdracht_id: str) -> Opdracht:
        return next(o for o in self.opdrachten if o.id == opdracht_id)

    def prompt(self, prompt_id: str) -> Prompt:
        return next(p for p in self.prompts if p.id == prompt_id)
