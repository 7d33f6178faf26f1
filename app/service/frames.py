"""State frames: `view()` for every viewer of a broadcast, with each part serialised once per group
of viewers who share it (the shared part per language, the cards per access and language, the
rest per viewer). A property test pins that every frame equals `{"type": "state", ..., "view":
view(state, viewer)}`.
"""

from collections.abc import Callable, Collection

import orjson

from game import Actor, State
from game.view import card_access, own_part, shared_part, units_part


def dumps(data: object) -> bytes:
    return orjson.dumps(data)


def state_frames(
    state: State, now: int, online: Collection[str]
) -> Callable[[Actor, str | None], str]:
    """A frame builder for this moment: call it per viewer (and their language)."""
    heads: dict[str | None, bytes] = {}
    cards: dict[tuple[str | None, str | None], bytes] = {}
    start = b'{"type":"state","version":%d,"server_now":%d,"view":{' % (state.version, now)

    def frame(viewer: Actor, language: str | None) -> str:
        head = heads.get(language)
        if head is None:
            head = heads[language] = start + dumps(shared_part(state, now, online, language))[1:-1]
        access = card_access(state, viewer)
        units = cards.get((access, language))
        if units is None:
            units = cards[access, language] = b',"units":' + dumps(
                units_part(state, access, language)
            )
        own = dumps(own_part(state, viewer, language))
        return b"".join((head, units, b"," if len(own) > 2 else b"", own[1:-1], b"}}")).decode()

    return frame
