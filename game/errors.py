"""The one way the rules say no: a code from the wire contract and a sentence a facilitator can act on."""

from typing import Literal

ErrorCode = Literal[
    "bad_message",
    "unknown_command",
    "forbidden",
    "invalid_phase",
    "invalid_args",
    "rate_limited",
    "too_large",
    "table_full",
    "name_taken",
    "game_started",
]


class GameError(Exception):
    """A refused command. Raised by `decide`; the state it was given stays untouched."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message

    def __repr__(self) -> str:
        return f"GameError({self.code!r}, {self.message!r})"
