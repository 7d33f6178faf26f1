"""The one way the rules say no: a code, a reason a page can put in the viewer's language, and an
English sentence for scripts and logs."""

from typing import Literal

RuleCode = Literal[
    "unknown_command",
    "forbidden",
    "invalid_phase",
    "invalid_args",
    "table_full",
    "name_taken",
    "game_started",
]


class Refusal(Exception):
    """A refused command. Raised by `decide` before anything is returned, so nothing changed.

    `code` is the wire contract's error code (coarse: what kind of no); `reason` names the cause
    (`cards_closed`, `no_decision`, …) and `params` its details, so a page can say in the viewer's
    language what happened and what to do.
    """

    def __init__(
        self, code: RuleCode, reason: str, message: str, **params: str | int | list[str]
    ) -> None:
        super().__init__(message)
        self.code: RuleCode = code
        self.reason = reason
        self.message = message
        self.params = params

    def __repr__(self) -> str:
        return f"Refusal({self.code!r}, {self.reason!r}, {self.message!r})"
