"""The wire contract as pydantic models: HTTP bodies and WebSocket frames.

These models validate what arrives and document what leaves: `docs/asyncapi.json` is generated
from them (`python -m app.wire.asyncapi`), FastAPI's OpenAPI from the HTTP ones. The view's shape
is not repeated here: it is `game.view.View`, declared once.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cards.document import DeckDocument
from game import SOCKET_COMMANDS, Settings, View
from game.commands import LABEL_MAX, NAME_MAX, ORGANISATION_MAX

CommandName = Literal[SOCKET_COMMANDS]  # type: ignore[valid-type]
Language = Literal["nl", "en"]


class ErrorBody(BaseModel):
    code: str = Field(examples=["unknown_code"])
    reason: str = Field(description="The cause, for a page to say in the viewer's language")
    message: str = Field(description="An English sentence a facilitator can act on")
    params: dict[str, str | int | list[str] | list[dict[str, str | int | None]]] = Field(
        default_factory=dict,
        description="The message's particulars; a deck's `problems`: {code, card, field, "
        "language, limit} each",
    )


class ErrorResponse(BaseModel):
    error: ErrorBody


class Links(BaseModel):
    join: str
    facilitator: str
    screen: str | None = Field(description="Null only for sessions made before version 0.2")
    replay: str | None = Field(description="Null only for sessions made before version 0.2")


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
    player_id: str | None = Field(description="null while waiting to be let in")
    player_token: str
    waiting: bool = Field(
        default=False,
        description="The table is locked (or the name was removed): the facilitator lets you "
        "in or not; ask GET /api/sessions/{id}/admission with this token",
    )


class Admission(BaseModel):
    status: Literal["waiting", "admitted", "refused"]
    player_id: str | None = None


class ClaimRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    claim: str = Field(min_length=1, max_length=200, description="From the new-device link")


class SeatLink(BaseModel):
    player_id: str
    link: str = Field(description="One-time; the claim rides in the fragment, never sent")
    qr_svg: str = Field(description="The same link as a QR code (SVG), drawn here")


class FacilitatorRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1, max_length=LABEL_MAX, description="e.g. the co-trainer's name")


class FacilitatorLink(BaseModel):
    facilitator_id: str
    label: str
    token: str
    link: str


class TableRef(BaseModel):
    number: int
    session_id: str


class TablesFormedResponse(BaseModel):
    tables: list[TableRef]


class TablesCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: CommandName = Field(description="A facilitator's socket command")
    args: dict[str, Any] = Field(default_factory=dict)


class TableAnswer(BaseModel):
    table: int
    session_id: str
    version: int | None = Field(description="The state version it produced; null when refused")
    error: ErrorBody | None = Field(description="Why this table refused (it may be behind)")


class TablesCommandResponse(BaseModel):
    results: list[TableAnswer]


# --- trainers' libraries -------------------------------------------------------------------


class LibraryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(default="", max_length=LABEL_MAX, description="e.g. the trainer's name")


class LibraryKey(BaseModel):
    library_id: str
    label: str
    key: str = Field(description="The private key: keep it; it opens every session filed here")
    link: str = Field(description="The library page; the key rides in the fragment")


class LibrarySessionRequest(BaseModel):
    """A new session (or workshop) filed in the library at once."""

    model_config = ConfigDict(extra="forbid")
    settings: Settings = Field(default_factory=Settings)
    label: str = Field(default="", max_length=LABEL_MAX, description="group or organisation")


class DeckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80, description="Starts as the standard deck")


class DeckSave(BaseModel):
    """An edited deck: saved as the version after `base_version` (refused if another save came
    first, or if a card breaks a rule: then `error.params.problems` names each)."""

    model_config = ConfigDict(extra="forbid")
    base_version: int = Field(ge=1)
    document: DeckDocument


class DeckVersionOut(BaseModel):
    deck_id: str
    version: int
    name: str
    saved_at: int
    document: DeckDocument


class DeckVersionUse(BaseModel):
    version: int
    saved_at: int
    sessions: list[str] = Field(description="The library's sessions created with this version")


class DeckSummary(BaseModel):
    deck_id: str
    name: str = Field(description="The latest version's name")
    versions: list[DeckVersionUse]


class FileRequest(BaseModel):
    """An existing session filed in the library, proven by its trainer or facilitator token."""

    model_config = ConfigDict(extra="forbid")
    session_id: str = Field(max_length=64)
    token: str = Field(min_length=1, max_length=200)
    label: str = Field(default="", max_length=LABEL_MAX, description="group or organisation")


class LibraryEntry(BaseModel):
    session_id: str
    kind: Literal["session", "workshop", "table"]
    label: str
    owned: bool = Field(
        description="Made in this library or filed with the first facilitator's link: deleting "
        "it here deletes it; otherwise it only leaves the library"
    )
    created_at: int
    updated_at: int
    retention_until: int = Field(description="When the retention sweep deletes it (ms)")
    players: int
    tables: int
    rounds_played: int
    rounds: int
    status: Literal["lobby", "playing", "ended"]
    language: Language
    workshop: str | None = Field(description="A table's workshop")
    table: int | None = Field(description="A table's number in its workshop")


class LibraryListing(BaseModel):
    library_id: str
    label: str
    created_at: int
    retention_days: float
    sessions: list[LibraryEntry]


class FigureRow(BaseModel):
    label: str
    values: list[float | int | None]


class InsightChart(BaseModel):
    id: str
    title: str
    columns: list[str]
    rows: list[FigureRow]
    summary: str = Field(description="The chart in one sentence (its text alternative)")
    svg: str = Field(description="The chart, drawn on the server (no script, no inline style)")


class Insights(BaseModel):
    sessions: int = Field(description="How many sessions (workshop tables each count) it covers")
    charts: list[InsightChart]


class CollectorHealth(BaseModel):
    """The pauses of the server's own garbage collection (app/gcpause.py), since it started."""

    ticks: int = Field(description="Seconds whose new objects were frozen out of later walks")
    walks: int = Field(description="Of those, ticks that walked the new objects first")
    p99_ms: float = Field(description="99th percentile of the ticks' pauses, the last hour")
    max_ms: float = Field(description="The longest of the ticks' pauses")
    full_walks: int = Field(description="Walks of the whole heap")
    full_max_ms: float = Field(description="The longest whole-heap walk's pause")


class Health(BaseModel):
    status: Literal["ok", "draining"] = Field(
        description='"draining" (with status code 503) from a stop signal until the server '
        "exits: a load balancer sends it nothing new"
    )
    sessions: int = Field(description="Live tables held in this server's memory")
    events_read: int = Field(
        description="Events this server has read from the store since it started: loading and "
        "catching up the tables it holds (with several servers, those whose sockets it has, "
        "and those whose timer it takes over), start-up recovery, exports and insights"
    )
    collector: CollectorHealth


# --- WebSocket frames: client to server ----------------------------------------------------


class Hello(BaseModel):
    """The first frame. The token is any of the session's tokens; it never goes in a URL."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["hello"]
    token: str = Field(min_length=1, max_length=200)
    language: Language | None = Field(
        default=None, description="The viewer's language for card texts and questions"
    )


class Command(BaseModel):
    """A request to change the game. `id` is the client's, echoed in the ack or error."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["command"]
    id: str | int | None = None
    name: CommandName
    args: dict[str, Any] = Field(default_factory=dict)


class Ping(BaseModel):
    """Ask for the server's time (answered with `pong`), e.g. to correct a phone's clock."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["ping"]
    id: str | int | None = None


class ChooseLanguage(BaseModel):
    """The viewer switched language: the next state frames carry cards and questions in it."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["language"]
    language: Language


class Resync(BaseModel):
    """The client's view went astray (a patch whose `base` is not the frame it holds): send the
    whole view again (a `state` frame answers it)."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["resync"]


# --- WebSocket frames: server to client ----------------------------------------------------


class Welcome(BaseModel):
    type: Literal["welcome"] = "welcome"
    role: Literal["facilitator", "player", "screen", "trainer"]
    player_id: str | None
    facilitator_id: str | None = Field(
        default=None, description="Facilitators: f1 made the session, f2… were added"
    )
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
    reason: str = Field(description="The cause, for a page to say in the viewer's language")
    message: str
    params: dict[str, str | int | list[str]] = Field(default_factory=dict)


class Pong(BaseModel):
    type: Literal["pong"] = "pong"
    id: str | int | None = None
    server_now: int


class StateFrame(BaseModel):
    """The viewer's whole view after a change. `version` = events in the log so far."""

    type: Literal["state"] = "state"
    version: int
    server_now: int = Field(description="Server time (ms) when sent: correct the phone's clock")
    seq: int = Field(
        description="This frame's number: a connection's frames have rising numbers, with gaps"
    )
    view: View


class PatchFrame(BaseModel):
    """What changed in the viewer's view since frame `base` of this connection: apply `ops` in
    order to the view held after frame `base` to get the view after frame `seq` (> base).
    Each op is `[path, value]` (set the key or list item at `path`, a list of keys and indexes,
    to `value`) or `[path]` (remove that key). A patch whose `base` is not the frame held: send
    `resync`, ignore patches until the `state` frame that answers it."""

    type: Literal["patch"] = "patch"
    version: int
    server_now: int
    seq: int
    base: int
    ops: list[list[Any]]


CLIENT_FRAMES: tuple[type[BaseModel], ...] = (Hello, Command, Ping, ChooseLanguage, Resync)
SERVER_FRAMES: tuple[type[BaseModel], ...] = (Welcome, StateFrame, PatchFrame, Ack, Error, Pong)
