"""Events: the truth of a session. A command becomes events; the state is their fold.

Every event carries `at`, the server time (ms) it was decided at. Events are stored as JSON
(`to_json` / `parse_event`) and never change once written.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from game.deck import Deck
from game.settings import Settings

Reached = Literal["yes", "partly", "no"]
ChosenHow = Literal["picked", "chosen", "drawn"]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    at: int
    # Which facilitator took this action ("f1" made the session, "f2"… were added); None for
    # what players did, the timer, and logs written before co-facilitators existed.
    facilitator: str | None = None


class SessionCreated(_Event):
    type: Literal["session_created"] = "session_created"
    session_id: str
    join_code: str
    settings: Settings
    seed: int
    time_scale: float = Field(gt=0)
    deck: Deck  # in the session's language, with the facilitator's own cards
    translations: dict[str, Deck] = {}  # the same cards in the deck's other languages
    # sha256 hex of the facilitator, screen and trainer tokens; never leaves the server.
    token_hashes: dict[str, str]
    # A workshop's table: its workshop (the session players join by code) and its number.
    parent: str | None = None
    table: int | None = None
    workshop_code: str | None = None


class SettingsChanged(_Event):
    type: Literal["settings_changed"] = "settings_changed"
    settings: Settings


class PlayerJoined(_Event):
    type: Literal["player_joined"] = "player_joined"
    player_id: str
    name: str
    organisation: str
    token_hash: str
    knock_id: str | None = None  # admitted by the facilitator after asking to join


class JoiningLocked(_Event):
    """The facilitator closed (or opened) the table: a newcomer asks to join and waits."""

    type: Literal["joining_locked"] = "joining_locked"
    locked: bool


class Knocked(_Event):
    """Someone asked to join a locked table, or a removed player's name came back."""

    type: Literal["knocked"] = "knocked"
    knock_id: str
    name: str
    organisation: str
    token_hash: str
    returning: bool = False


class KnockRefused(_Event):
    type: Literal["knock_refused"] = "knock_refused"
    knock_id: str


class ReadingTimeGiven(_Event):
    """More time to read: the discussion waits for this player (or, `player_id` None, all)."""

    type: Literal["reading_time_given"] = "reading_time_given"
    player_id: str | None
    more: bool


class PlayerRemoved(_Event):
    type: Literal["player_removed"] = "player_removed"
    player_id: str


class PlayerRestored(_Event):
    """A removed player back in the same seat and unit (with the same card, if any)."""

    type: Literal["player_restored"] = "player_restored"
    player_id: str


class PlayerSeated(_Event):
    """A player who joined after the start takes a place: in an existing unit, or as a new unit
    (`unit_id` not at the table yet)."""

    type: Literal["player_seated"] = "player_seated"
    player_id: str
    unit_id: str


class SeatReissued(_Event):
    """The facilitator moved a player's seat to a new device: the old token stops working; the
    one-time claim (only its hash is here) gives the new device a token of its own."""

    type: Literal["seat_reissued"] = "seat_reissued"
    player_id: str
    claim_hash: str


class SeatClaimed(_Event):
    type: Literal["seat_claimed"] = "seat_claimed"
    player_id: str
    token_hash: str


class TableSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    number: int
    session_id: str
    join_code: str
    players: tuple[str, ...]  # the workshop's player ids, seated at this table in this order


class PlayerMoved(_Event):
    """The facilitator moves a player to another table of the workshop's proposal."""

    type: Literal["player_moved"] = "player_moved"
    player_id: str
    table: int


class TablesFormed(_Event):
    type: Literal["tables_formed"] = "tables_formed"
    tables: tuple[TableSpec, ...]


class FacilitatorCalled(_Event):
    type: Literal["facilitator_called"] = "facilitator_called"
    player_id: str


class CallAnswered(_Event):
    type: Literal["call_answered"] = "call_answered"


class MessageSent(_Event):
    """A short message from the facilitator on every phone and screen of the table ("" clears)."""

    type: Literal["message_sent"] = "message_sent"
    text: str


class FacilitatorAdded(_Event):
    type: Literal["facilitator_added"] = "facilitator_added"
    facilitator_id: str
    label: str
    token_hash: str


class FacilitatorRevoked(_Event):
    type: Literal["facilitator_revoked"] = "facilitator_revoked"
    facilitator_id: str


class UnitSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    members: tuple[str, ...]


class GameStarted(_Event):
    type: Literal["game_started"] = "game_started"
    units: tuple[UnitSpec, ...]
    picker: str | None


class PlayersSwapped(_Event):
    type: Literal["players_swapped"] = "players_swapped"
    a: str
    b: str


class PickerSet(_Event):
    type: Literal["picker_set"] = "picker_set"
    player_id: str


class OpdrachtChosen(_Event):
    type: Literal["opdracht_chosen"] = "opdracht_chosen"
    round: int
    opdracht_id: str
    by: str | None  # the picking player, or None when the facilitator chose or drew
    how: ChosenHow


class StrategiesDealt(_Event):
    type: Literal["strategies_dealt"] = "strategies_dealt"
    round: int
    deal: dict[str, str]  # unit id -> strategy id
    # True only when a removal left no deal that keeps every rule; see game/dealing.py.
    relaxed: bool = False


class UnitReady(_Event):
    type: Literal["unit_ready"] = "unit_ready"
    unit_id: str
    player_id: str


class UnitOnPaper(_Event):
    """A unit plays on paper (its phones failed): the facilitator says when it is ready."""

    type: Literal["unit_on_paper"] = "unit_on_paper"
    unit_id: str
    paper: bool


class CardRevealed(_Event):
    type: Literal["card_revealed"] = "card_revealed"
    unit_id: str
    by: str | None  # player id, or None for the facilitator


class TimerStarted(_Event):
    type: Literal["timer_started"] = "timer_started"
    duration_ms: int
    deadline: int
    warn_ms: int  # the warning fires this long before the deadline


class TimerPaused(_Event):
    type: Literal["timer_paused"] = "timer_paused"
    remaining_ms: int


class TimerResumed(_Event):
    type: Literal["timer_resumed"] = "timer_resumed"
    deadline: int


class TimerExtended(_Event):
    type: Literal["timer_extended"] = "timer_extended"
    by_ms: int


class WarningGiven(_Event):
    type: Literal["warning_given"] = "warning_given"


class TimeUp(_Event):
    type: Literal["time_up"] = "time_up"


class DiscussionEnded(_Event):
    type: Literal["discussion_ended"] = "discussion_ended"
    remaining_ms: int


class DecisionRecorded(_Event):
    type: Literal["decision_recorded"] = "decision_recorded"
    text: str
    reached: Reached


class SupportGiven(_Event):
    type: Literal["support_given"] = "support_given"
    player_id: str
    value: Reached


class PromptShown(_Event):
    type: Literal["prompt_shown"] = "prompt_shown"
    index: int  # 1-based within this round's reflection


class AnswerGiven(_Event):
    """A named answer carries its author's id; an anonymous one only `author`, a mark that its
    author's own token can make again (to edit it) and nothing else can tie to a person."""

    type: Literal["answer_given"] = "answer_given"
    answer_id: str
    player_id: str | None
    prompt_id: str
    text: str
    anonymous: bool
    author: str | None = None


class GuessGiven(_Event):
    """A unit's guess of another unit's strategy this round (None: taken back). Told to nobody
    but the guessing unit until the game has ended."""

    type: Literal["guess_given"] = "guess_given"
    round: int
    by_unit: str
    unit_id: str
    strategy_id: str | None
    player_id: str


class AnswerShown(_Event):
    type: Literal["answer_shown"] = "answer_shown"
    answer_id: str
    shown: bool


class CheckedOut(_Event):
    """A player's closing check-out, anonymous: `author` is a mark only their own token can make
    again (to change the answers), never their id. Question id -> 1-5 or a line of text."""

    type: Literal["checked_out"] = "checked_out"
    author: str
    answers: dict[str, int | str]


class RoundStarted(_Event):
    type: Literal["round_started"] = "round_started"
    round: int
    picker: str | None


class GameEnded(_Event):
    type: Literal["game_ended"] = "game_ended"


Event = Annotated[
    SessionCreated
    | SettingsChanged
    | PlayerJoined
    | JoiningLocked
    | Knocked
    | KnockRefused
    | ReadingTimeGiven
    | PlayerRemoved
    | PlayerRestored
    | PlayerSeated
    | SeatReissued
    | SeatClaimed
    | FacilitatorAdded
    | FacilitatorRevoked
    | PlayerMoved
    | TablesFormed
    | FacilitatorCalled
    | CallAnswered
    | MessageSent
    | GameStarted
    | PlayersSwapped
    | PickerSet
    | OpdrachtChosen
    | StrategiesDealt
    | UnitReady
    | CardRevealed
    | UnitOnPaper
    | TimerStarted
    | TimerPaused
    | TimerResumed
    | TimerExtended
    | WarningGiven
    | TimeUp
    | DiscussionEnded
    | DecisionRecorded
    | SupportGiven
    | PromptShown
    | AnswerGiven
    | AnswerShown
    | GuessGiven
    | RoundStarted
    | GameEnded
    | CheckedOut,
    Field(discriminator="type"),
]

_adapter: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(data: str | bytes | dict[str, Any]) -> Event:
    """Read one stored event (JSON text or a dict)."""
    if isinstance(data, dict):
        return _adapter.validate_python(data)
    return _adapter.validate_json(data)


def to_json(event: Event) -> str:
    """Stored form; `facilitator` only when a facilitator acted, so old logs read the same."""
    return event.model_dump_json(exclude=None if event.facilitator else {"facilitator"})


SECRET_FIELDS = {"token_hashes", "token_hash", "claim_hash", "author"}


def public_dict(event: Event) -> dict[str, Any]:
    """An event as a trainer's download shows it: without credentials or anonymous marks."""
    data = event.model_dump(mode="json", exclude=SECRET_FIELDS)
    if isinstance(event, CheckedOut):  # one player's answers in a row, in time: only the counts
        data.pop("answers")  # (the check-out's results) say what was answered
    if isinstance(event, AnswerGiven) and event.anonymous:
        data["player_id"] = None  # logs written before answers were stored unsigned
    return data
