"""Commands: what a viewer asks the table to do. `args` are validated here, at the edge of the rules."""

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from game.events import Reached

Role = Literal["facilitator", "player", "screen", "trainer"]

NAME_MAX = 40
ORGANISATION_MAX = 60
DECISION_MAX = 1000
ANSWER_MAX = 2000


@dataclass(frozen=True)
class Actor:
    """Who sends a command: a role, and for players their id. Joins come from nobody yet (`None`)."""

    role: Role | None
    player_id: str | None = None


FACILITATOR = Actor("facilitator")


class _Args(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class NoArgs(_Args):
    pass


class JoinArgs(_Args):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    organisation: str = Field(default="", max_length=ORGANISATION_MAX)
    token_hash: str = Field(min_length=1)


class ConfigureArgs(_Args):
    """Change settings while still in the lobby (e.g. fewer players came than expected)."""

    rounds: int | None = Field(default=None, ge=1, le=6)
    round_seconds: int | None = Field(default=None, ge=60, le=900)
    no_consensus_round: int | None = Field(default=None, ge=0, le=6)  # 0 clears it
    open_card_last_round: bool | None = None


class SwapArgs(_Args):
    a: str
    b: str


class PlayerArgs(_Args):
    player_id: str


class PickArgs(_Args):
    slot: int = Field(ge=0)


class ChooseArgs(_Args):
    opdracht_id: str | None = None


class UnitArgs(_Args):
    unit_id: str


class ExtendArgs(_Args):
    seconds: int = Field(ge=1, le=900)


class DecisionArgs(_Args):
    text: str = Field(min_length=1, max_length=DECISION_MAX)
    reached: Reached


class SupportArgs(_Args):
    value: Reached


class AnswerArgs(_Args):
    prompt_id: str
    text: str = Field(min_length=1, max_length=ANSWER_MAX)
    anonymous: bool = False


class ShowAnswerArgs(_Args):
    answer_id: str
    shown: bool = True


# name -> (roles allowed to send it, args model). `join` arrives over HTTP only.
COMMANDS: dict[str, tuple[frozenset[Role | None], type[_Args]]] = {
    "join": (frozenset({None}), JoinArgs),
    "configure": (frozenset({"facilitator"}), ConfigureArgs),
    "start_game": (frozenset({"facilitator"}), NoArgs),
    "swap_players": (frozenset({"facilitator"}), SwapArgs),
    "set_picker": (frozenset({"facilitator"}), PlayerArgs),
    "pick_opdracht": (frozenset({"player"}), PickArgs),
    "choose_opdracht": (frozenset({"facilitator"}), ChooseArgs),
    "ready": (frozenset({"player"}), NoArgs),
    "reveal": (frozenset({"player", "facilitator"}), UnitArgs),
    "start_timer": (frozenset({"facilitator"}), NoArgs),
    "pause_timer": (frozenset({"facilitator"}), NoArgs),
    "resume_timer": (frozenset({"facilitator"}), NoArgs),
    "extend_timer": (frozenset({"facilitator"}), ExtendArgs),
    "end_discussion": (frozenset({"facilitator"}), NoArgs),
    "record_decision": (frozenset({"facilitator"}), DecisionArgs),
    "support": (frozenset({"player"}), SupportArgs),
    "answer": (frozenset({"player"}), AnswerArgs),
    "show_answer": (frozenset({"facilitator"}), ShowAnswerArgs),
    "next_prompt": (frozenset({"facilitator"}), NoArgs),
    "next_round": (frozenset({"facilitator"}), NoArgs),
    "end_game": (frozenset({"facilitator"}), NoArgs),
    "remove_player": (frozenset({"facilitator"}), PlayerArgs),
}

SOCKET_COMMANDS: tuple[str, ...] = tuple(name for name in COMMANDS if name != "join")
