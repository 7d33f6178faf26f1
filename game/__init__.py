"""The rules of Theater van Besluit as pure functions: no I/O, no clock, no asyncio.

decide(state, actor, name, args, now) -> events   (or raises Refusal, changing nothing)
evolve(state, event) -> state                     fold(events) -> state
view(state, viewer, now, connected, language)     what one viewer may see (game.view for its parts)
due(state, now) -> events; next_deadline(state)   the timer as deadlines
"""

from game.commands import FACILITATOR, Actor, Command, Role
from game.decide import COMMANDS, SOCKET_COMMANDS, create_session, decide
from game.deck import Deck
from game.errors import Refusal
from game.events import Event, parse_event, public_dict, to_json
from game.settings import Settings
from game.state import State, evolve, fold
from game.timer import due, next_deadline
from game.view import View, view

__all__ = [
    "COMMANDS",
    "FACILITATOR",
    "SOCKET_COMMANDS",
    "Actor",
    "Command",
    "Deck",
    "Event",
    "Refusal",
    "Role",
    "Settings",
    "State",
    "View",
    "create_session",
    "decide",
    "due",
    "evolve",
    "fold",
    "next_deadline",
    "parse_event",
    "public_dict",
    "to_json",
    "view",
]
