"""Commands: what a viewer asks the table to do. Each is declared once (`Command`: its name, who may
send it, its arguments and the rule that decides it); `game.decide.COMMANDS` is the registry the
server, the docs and the AsyncAPI document all read."""

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from game.errors import Refusal
from game.events import Reached
from game.state import Phase

if TYPE_CHECKING:
    from game.events import Event
    from game.state import State

Role = Literal["facilitator", "player", "screen", "trainer"]

NAME_MAX = 40
ORGANISATION_MAX = 60
DECISION_MAX = 1000
ANSWER_MAX = 2000


@dataclass(frozen=True)
class Actor:
    """Who sends a command or looks: a role, and for players their id. A join comes from nobody yet
    (`role=None`). `answer_key` is derived from a player's own token (never stored): it lets them
    find and edit their anonymous answers, which carry no name in the log."""

    role: Role | None
    player_id: str | None = None
    answer_key: str | None = field(default=None, repr=False, compare=False)
    facilitator_id: str | None = None  # which facilitator; None stands for the first, "f1"


FACILITATOR = Actor("facilitator")
FIRST_FACILITATOR = "f1"
LABEL_MAX = 40
MESSAGE_MAX = 200


@lru_cache(maxsize=4096)  # every broadcast asks again for each player's anonymous answers
def anonymous_author(answer_key: str, round_no: int, prompt_id: str) -> str:
    """The mark an anonymous answer carries: only its author's key can make it again, and it
    differs per question, so even two anonymous answers of one person cannot be linked."""
    return hashlib.sha256(f"{answer_key}:{round_no}:{prompt_id}".encode()).hexdigest()


class Args(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class NoArgs(Args):
    pass


class JoinArgs(Args):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    organisation: str = Field(default="", max_length=ORGANISATION_MAX)
    token_hash: str = Field(min_length=1)
    knock: bool = Field(default=False, description="Ask the facilitator (a locked workshop)")


class LockArgs(Args):
    locked: bool


class KnockArgs(Args):
    knock_id: str = Field(max_length=40)


class ReadingTimeArgs(Args):
    player_id: str | None = Field(default=None, max_length=40, description="null: everyone")
    more: bool = True


class StartTimerArgs(Args):
    anyway: bool = Field(default=False, description="Start although someone given time reads")


class ConfigureArgs(Args):
    """Change settings while still in the lobby (e.g. fewer players came than expected)."""

    rounds: int | None = Field(default=None, ge=1, le=6)
    round_seconds: int | None = Field(default=None, ge=60, le=900)
    no_consensus_round: int | None = Field(default=None, ge=0, le=6, description="0 clears it")
    open_card_last_round: bool | None = None


class ClaimArgs(Args):
    claim_hash: str = Field(min_length=1, max_length=64)
    token_hash: str = Field(min_length=1, max_length=64)


class ReissueArgs(Args):
    player_id: str = Field(max_length=40)
    claim_hash: str = Field(min_length=1, max_length=64)


class SeatArgs(Args):
    player_id: str = Field(max_length=40)
    unit_id: str = Field(max_length=40, description="a unit of one player, who gets a partner")


class AddFacilitatorArgs(Args):
    label: str = Field(min_length=1, max_length=LABEL_MAX)
    token_hash: str = Field(min_length=1, max_length=64)
    facilitator_id: str | None = Field(
        default=None, max_length=40, description="A workshop's id for its tables; else the next"
    )


class FacilitatorArgs(Args):
    facilitator_id: str = Field(max_length=40)


class MoveArgs(Args):
    player_id: str = Field(max_length=40)
    table: int = Field(ge=1, le=8, description="1-based table of the proposal")


class NewTable(Args):
    session_id: str = Field(max_length=40)
    players: tuple[str, ...] = Field(max_length=12, description="as in the proposal")


class FormArgs(Args):
    tables: tuple[NewTable, ...] = Field(min_length=1, max_length=8)


class MessageArgs(Args):
    text: str = Field(default="", max_length=MESSAGE_MAX, description='"" clears the message')


class ReadyArgs(Args):
    unit_id: str | None = Field(
        default=None, max_length=40, description="The facilitator: a unit that plays on paper"
    )


class PaperArgs(Args):
    unit_id: str | None = Field(default=None, max_length=40, description="null: every unit")
    paper: bool = True


class GuessArgs(Args):
    unit_id: str = Field(max_length=40, description="another unit at the table")
    strategy_id: str | None = Field(default=None, max_length=40, description="null takes it back")


class SwapArgs(Args):
    a: str = Field(max_length=40)
    b: str = Field(max_length=40)


class PlayerArgs(Args):
    player_id: str = Field(max_length=40)


class PickArgs(Args):
    slot: int = Field(ge=0, description="0-based among `opdracht_slots` face-down cards")


class ChooseArgs(Args):
    opdracht_id: str | None = Field(default=None, max_length=40, description="omit to draw")


class UnitArgs(Args):
    unit_id: str = Field(max_length=40)


class ExtendArgs(Args):
    seconds: int = Field(ge=1, le=900)


class DecisionArgs(Args):
    text: str = Field(min_length=1, max_length=DECISION_MAX)
    reached: Reached


class SupportArgs(Args):
    value: Reached


class AnswerArgs(Args):
    prompt_id: str = Field(max_length=40)
    text: str = Field(min_length=1, max_length=ANSWER_MAX)
    anonymous: bool = Field(
        default=False, description="fixed at the first answer to a question; nobody sees the name"
    )


CHECKOUT_LINE_MAX = 200


class CheckOutArgs(Args):
    answers: dict[str, StrictInt | StrictStr] = Field(
        min_length=1,
        max_length=5,
        description="question id -> 1 to 5 (a scale question) or one line of text; "
        "a question answered again takes the later answer",
    )


class ShowAnswerArgs(Args):
    answer_id: str = Field(max_length=40)
    shown: bool = True


A = TypeVar("A", bound=Args)

NEWCOMER: frozenset[Role | None] = frozenset({None})
FACILITATOR_ONLY: frozenset[Role | None] = frozenset({"facilitator"})
PLAYER_ONLY: frozenset[Role | None] = frozenset({"player"})


@dataclass(frozen=True)
class Command(Generic[A]):
    """One command, all about it in one place: its wire name, who may send it, its arguments,
    the rule that turns it into events, the phases it fits (checked before the rule runs, and
    the docs' sentence made from them and `note`), its transport, and whether a workshop's
    facilitator sends it to the lobby or to every table at once."""

    name: str
    roles: frozenset[Role | None]
    args: type[A]
    note: str  # when it fits, beyond its phases (or all of it, for a command of any phase)
    rule: "Callable[[State, Actor, A, int], list[Event]]"
    # Commands whose arguments hold a credential the server makes (a token's or a claim's hash)
    # come over HTTP, where the server answers with the secret; everything else over the socket.
    http: bool = False
    phases: tuple[Phase, ...] = ()  # none: the rule itself says when
    doing: str = ""  # "pause the timer": for the refusal in a wrong phase
    workshop: bool = False  # also in a workshop's lobby, before its tables are formed
    table_wide: bool = False  # a workshop's facilitator may send it to every table at once

    @property
    def when(self) -> str:
        """The docs' sentence: its phases, then the note."""
        if not self.phases:
            return self.note
        return "; ".join(filter(None, (", ".join(self.phases), self.note)))

    @property
    def over_socket(self) -> bool:
        return not self.http

    def parse(self, args: Mapping[str, Any] | None) -> A:
        """The arguments as this command's model; refused, naming the field, if they do not fit."""
        try:
            return self.args.model_validate(args or {})
        except ValidationError as e:
            problems = []
            for item in e.errors()[:3]:
                where = ".".join(str(p) for p in item["loc"]) or "args"
                problems.append(f"{where}: {item['msg']}")
            detail = f"Bad arguments for {self.name!r}: " + "; ".join(problems) + "."
            raise Refusal("invalid_args", "bad_args", detail) from None

    def make(self, **fields: Any) -> A:
        """Typed arguments built by the server (checked as the wire's are)."""
        return self.parse(fields)
