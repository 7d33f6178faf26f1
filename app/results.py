"""What the service's use cases answer: plain values, shared by the service, the library and
the wire (which turns them into the protocol's models)."""

from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from app.errors import Failure
from game import Event, Role

E = TypeVar("E", bound=Event)


class Outcome(NamedTuple):
    """What a command did to its table: its events and the version the table reached."""

    events: list[Event]
    version: int

    def one(self, kind: type[E]) -> E:
        """The event of this kind the command caused (the rules promise exactly one)."""
        return next(e for e in self.events if isinstance(e, kind))


@dataclass(frozen=True)
class Created:
    session_id: str
    join_code: str
    tokens: dict[Role, str]
    workshop: bool = False


@dataclass(frozen=True)
class TableResult:
    """One table's answer to a command sent to every table of a workshop."""

    table: int
    session_id: str
    version: int | None = None
    error: Failure | None = None


@dataclass(frozen=True)
class Joined:
    session_id: str
    player_id: str | None  # None while waiting for the facilitator (a locked table)
    player_token: str


@dataclass(frozen=True)
class Reissued:
    player_id: str
    claim: str  # one-time: exchanged for a new player token by the new device


@dataclass(frozen=True)
class CoFacilitatorLink:
    facilitator_id: str
    label: str
    token: str
    workshop: bool = False
