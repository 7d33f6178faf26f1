"""The wire contract as pydantic models: HTTP bodies and WebSocket frames.

These models validate what arrives and document what leaves: `docs/asyncapi.json` is generated
from them (`python -m app.asyncapi`), FastAPI's OpenAPI from the HTTP ones.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from game.commands import NAME_MAX, ORGANISATION_MAX


class ErrorBody(BaseModel):
    code: str = Field(examples=["unknown_code"])
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class Links(BaseModel):
    join: str
    facilitator: str
    screen: str
    replay: str


class SessionCreatedResponse(BaseModel):
    session_id: str
    join_code: str
    facilitator_token: str
    screen_token: str
    trainer_token: str
    links: Links


class JoinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    join_code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=NAME_MAX)
    organisation: str | None = Field(default=None, max_length=ORGANISATION_MAX)


class JoinResponse(BaseModel):
    session_id: str
    player_id: str
    player_token: str


class Health(BaseModel):
    status: Literal["ok"]
    sessions: int


# --- WebSocket frames: client to server ----------------------------------------------------


class Hello(BaseModel):
    """The first frame. The token is any of the session's tokens; it never goes in a URL."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["hello"]
    token: str = Field(min_length=1, max_length=200)


class Command(BaseModel):
    """A request to change the game. `id` is the client's, echoed in the ack or error."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["command"]
    id: str | int | None = None
    name: str = Field(max_length=40)
    args: dict[str, Any] = Field(default_factory=dict)


class Ping(BaseModel):
    """Ask for the server's time (answered with `pong`), e.g. to correct a phone's clock."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["ping"]
    id: str | int | None = None


# --- WebSocket frames: server to client ----------------------------------------------------


class Welcome(BaseModel):
    type: Literal["welcome"] = "welcome"
    role: Literal["facilitator", "player", "screen", "trainer"]
    player_id: str | None
    session_id: str


class Ack(BaseModel):
    type: Literal["ack"] = "ack"
    id: str | int | None
    version: int = Field(
        description="The state version this command produced (its state came first)."
    )


class Error(BaseModel):
    type: Literal["error"] = "error"
    id: str | int | None = None
    code: str
    message: str


class Pong(BaseModel):
    type: Literal["pong"] = "pong"
    id: str | int | None = None
    server_now: int


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


Phase = Literal["lobby", "choosing", "reading", "discussing", "deciding", "reflecting", "ended"]
Reached = Literal["yes", "partly", "no"]


class PlayerView(_View):
    id: str
    name: str
    organisation: str
    connected: bool
    unit: str | None


class StrategyView(_View):
    id: str
    title: str
    text: str


class UnitView(_View):
    id: str
    members: list[str]
    strategy: StrategyView | None = Field(
        description="Only for the viewer's own unit, the facilitator, the trainer, and revealed units."
    )
    revealed: bool
    ready: bool


class OpdrachtView(_View):
    id: str
    text: str


class TimerView(_View):
    status: Literal["idle", "running", "paused", "expired"]
    duration_ms: int
    remaining_ms: int
    deadline: int | None = Field(
        description="Server time (ms) the discussion ends; count down to it."
    )
    warned: bool = Field(description="The one-minute warning has been given this round.")


class DecisionView(_View):
    text: str
    reached: Reached


class PromptView(_View):
    id: str
    text: str
    index: int = Field(description="1-based")
    count: int = Field(description="3 after rounds before the last; 11 after the last")


class AnswerView(_View):
    id: str
    round: int
    prompt_id: str
    text: str
    anonymous: bool
    author: str | None = Field(description="Name; null when anonymous")
    shown: bool = Field(description="On the shared screen")
    mine: bool | None = Field(default=None, description="Players only: this answer is yours")


class MeView(_View):
    player_id: str
    unit: str | None
    name: str
    support: Reached | None
    is_picker: bool


class DealView(_View):
    unit: str
    members: list[str]
    strategy: str


class RoundLogView(_View):
    round: int
    opdracht: OpdrachtView | None
    chosen_how: Literal["picked", "chosen", "drawn"] | None
    deal: list[DealView]
    relaxed: bool
    discussion_started_at: int | None
    discussion_ended_at: int | None
    discussion_ms: int
    decision: DecisionView | None
    supports: dict[str, Reached]


class View(_View):
    """One viewer's whole view. Fields after `answers` exist only for some roles."""

    session_id: str
    join_code: str
    language: Literal["nl", "en"]
    phase: Phase
    round: int = Field(description="0 in the lobby")
    rounds: int
    open_card: bool = Field(description="This round is the open-card round")
    players: list[PlayerView]
    units: list[UnitView]
    opdracht: OpdrachtView | None
    opdracht_slots: int = Field(description="Face-down assignment cards to pick from (choosing)")
    picker: str | None
    timer: TimerView
    decision: DecisionView | None
    support_counts: dict[Reached, int]
    prompt: PromptView | None
    answers: list[AnswerView] = Field(
        description="Facilitator: this round's; trainer: all; player: own and shown; screen: shown"
    )
    me: MeView | None = Field(default=None, description="Players only")
    supports: dict[str, Reached] | None = Field(default=None, description="Facilitator, trainer")
    settings: dict[str, Any] | None = Field(default=None, description="Facilitator, trainer")
    opdrachten_left: list[OpdrachtView] | None = Field(
        default=None, description="Facilitator, trainer"
    )
    hints: list[str] | None = Field(default=None, description="Facilitator, trainer")
    history: list[RoundLogView] | None = Field(default=None, description="Facilitator, trainer")


class StateFrame(BaseModel):
    """The viewer's whole view after a change. `version` = events in the log so far."""

    type: Literal["state"] = "state"
    version: int
    server_now: int = Field(description="Server time (ms) when sent: correct the phone's clock")
    view: View


CLIENT_FRAMES: tuple[type[BaseModel], ...] = (Hello, Command, Ping)
SERVER_FRAMES: tuple[type[BaseModel], ...] = (Welcome, StateFrame, Ack, Error, Pong)
