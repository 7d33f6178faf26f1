"""The rules of Theater van Besluit as pure functions: no I/O, no clock, no asyncio.

decide(state, actor, name, args, now) -> events   (or raises GameError, changing nothing)
evolve(state, event) -> state                     fold(events) -> state
view(state, viewer, now, connected) -> dict       what one viewer may see
due(state, now) -> events; next_deadline(state)   the timer as deadlines
"""

from game.commands import COMMANDS, FACILITATOR, SOCKET_COMMANDS, Actor, Role
from game.decide import create_session, decide
from game.deck import Deck
from game.errors import GameError
from game.events import Event, parse_event, public_dict, to_json
from game.settings import Settings
from game.state import State, evolve, fold
from game.timer import due, next_deadline
from game.view import common, own, sees, units, view

__all__ = [
    "COMMANDS",
    "FACILITATOR",
    "SOCKET_COMMANDS",
    "Actor",
    "Deck",
    "Event",
    "GameError",
    "Role",
    "Settings",
    "State",
    "common",
    "create_session",
    "decide",
    "due",
    "evolve",
    "fold",
    "next_deadline",
    "own",
    "parse_event",
    "public_dict",
    "sees",
    "to_json",
    "units",
    "view",
]
