"""Every error code the product answers with, and how each transport says it.

Three kinds raise them: the rules (`game.Refusal`, rule codes), the service (`AppError`: tokens,
limits, unknown sessions) and the wire (malformed frames). One table maps each code to an HTTP
status and, where it ends a socket, a WebSocket close code; every other code on a socket is an
`error` frame and the socket stays open.
"""

from dataclasses import dataclass
from typing import Literal

from game import Refusal


@dataclass(frozen=True)
class Code:
    http: int  # the status when it answers an HTTP request
    close: int | None = None  # the close code when it ends a socket; None: an error frame
    meaning: str = ""
    # the pages' string when this close means "no seat here": they stop reconnecting and say it
    # (`CLOSED` in web/static/common.js is written from this: python -m app.wire.asyncapi)
    page: str | None = None


CODES: dict[str, Code] = {
    # the rules (game.Refusal)
    "unknown_command": Code(400, meaning="no such command"),
    "forbidden": Code(403, meaning="wrong role, not your turn, not your unit, bad link"),
    "invalid_phase": Code(409, meaning="not now; the message says when"),
    "invalid_args": Code(400, meaning="names the field"),
    "table_full": Code(409, meaning="12 players sit at the table"),
    "name_taken": Code(409, meaning="someone at the table has this (or a look-alike) name"),
    "game_started": Code(409, meaning="joins are for the lobby"),
    # the service
    "unknown_code": Code(404, meaning="no session has this join code"),
    "not_found": Code(404, 4404, "no such session (or it was deleted)", page="conn.gone"),
    "bad_token": Code(403, 4401, "this token does not open this session", page="conn.badLink"),
    "rate_limited": Code(429, meaning="too many; the message says how long to wait"),
    "too_many_sockets": Code(429, 4429, "too many connections from this address or link"),
    "replaced": Code(
        409, 4409, "a newer connection with the same link took over", page="conn.replaced"
    ),
    "removed": Code(403, 4403, "the facilitator removed this player", page="conn.removed"),
    "seat_moved": Code(
        403, 4411, "the facilitator moved this seat to another device", page="conn.seatMoved"
    ),
    "revoked": Code(
        403, 4412, "the first facilitator revoked this facilitator link", page="conn.revoked"
    ),
    "deleted": Code(410, 4410, "the session was deleted", page="conn.gone"),
    "too_slow": Code(503, 1013, "the client stopped reading; reconnect for a fresh state"),
    "restarting": Code(
        503, 1012, "this server stops (an update): reconnect at once, to any server"
    ),
    "unavailable": Code(503, meaning="the store does not answer"),
    # the wire
    "bad_message": Code(400, meaning="not JSON, not an object, unknown frame type, bad fields"),
    "too_large": Code(413, meaning="frames over 16 KiB"),
    "no_hello": Code(400, 4408, "no hello within 10 seconds"),
    "bad_origin": Code(403, 4406, "a page on another site opened the socket"),
    "bad_host": Code(400, 1008, "the Host header names no address of this server"),
    "method_not_allowed": Code(405, meaning="HTTP only: this path takes another method"),
    "bad_request": Code(400, meaning="HTTP only: a request the framework could not read"),
}

ServiceCode = Literal[
    "unknown_command",
    "unknown_code",
    "not_found",
    "bad_token",
    "forbidden",
    "invalid_args",
    "rate_limited",
    "too_many_sockets",
    "replaced",
    "removed",
    "seat_moved",
    "revoked",
    "deleted",
    "too_slow",
    "restarting",
    "unavailable",
    "bad_message",
    "too_large",
    "no_hello",
    "bad_origin",
]


# a deck's problems travel as a list of {code, card, field, language, limit}
Param = str | int | list[str] | list[dict[str, str | int | None]]


class AppError(Exception):
    """A refusal of the service or the wire (not of the rules)."""

    def __init__(self, code: ServiceCode, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.code: str = code
        self.reason = reason or code
        self.message = message
        self.params: dict[str, Param] = {}


Failure = AppError | Refusal


def http_status(error: Failure) -> int:
    return CODES[error.code].http


def close_code(code: str) -> int:
    """The WebSocket close code of a code that ends a socket."""
    close = CODES[code].close
    if close is None:
        raise ValueError(f"{code!r} does not end a socket")
    return close
