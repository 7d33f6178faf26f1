"""State and patch frames: `view()` for every viewer of a broadcast, with each part serialised
once per group of viewers who share it (the shared part per language, the cards per access and
language, the rest per viewer), and after a viewer's first full view only what changed.

A patch is computed between two outputs of the same viewer's view parts, never from the state,
so it can hold nothing the viewer's next full view would not; it lists operations
`[path, value]` (set) or `[path]` (remove) that turn the view of frame `base` into the view of
frame `seq`. Frames are numbered per broadcast, not per connection (every connection's numbers
rise, with gaps), so viewers who hold the same frame and see the same change get the very same
frame: it is made once for all of them, and the socket layer frames those bytes once. Where a
patch would be three quarters of the view or more, or the viewer's outbox is backed up (queued
frames may be dropped), the full view goes instead. Property tests pin that every full frame
equals `{"type": "state", ..., "view": view(state, viewer)}` and that the patches applied in
turn give exactly that too.
"""

import itertools
import operator
from collections.abc import Collection
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson

from game import Actor, State
from game.view import (
    ALL_CARDS,
    Kept,
    card_access,
    deck_in,
    keep,
    own_inputs,
    own_part,
    shared_part,
    units_part,
)

Path = list[str | int]
Op = list[Any]  # [path, value] or [path]
_MISSING = object()
NUMBERS = itertools.count(1)  # each broadcast's frame number, rising in this process


def dumps(data: object) -> bytes:
    return orjson.dumps(data)


@dataclass
class Held:
    """What one connection's viewer holds: the number of its last state or patch frame (0:
    none yet), that frame's version and the view parts it was made from (None: the next frame
    is a full one)."""

    seq: int = 0
    version: int = -1
    parts: tuple[Any, Any, Any] | None = None
    own_from: Any = None  # what its own part was made of (`own_inputs`), if it can tell


def _same(now: Any, before: Any) -> bool:
    """Two `own_inputs`: the same objects and equal scalars."""
    if now is None or before is None:
        return False
    return all(map(operator.is_, now[0], before[0])) and now[1] == before[1]


def diff(old: Any, new: Any, path: Path, ops: list[Op]) -> None:
    """The operations that turn `old` into `new`: objects key by key, lists of equal length
    item by item, anything else replaced whole. (Equal items are passed over here, without a
    call and a path each: most of a view is the same from one change to the next.)"""
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        kept = 0
        for key, value in new.items():
            before = old.get(key, _MISSING)
            if before is _MISSING:
                ops.append([[*path, key], value])
                continue
            kept += 1
            if before is not value and before != value:
                diff(before, value, [*path, key], ops)
        if kept < len(old):
            ops.extend([[*path, key]] for key in old if key not in new)
    elif isinstance(old, list | tuple) and isinstance(new, list | tuple) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            if a is not b and a != b:
                diff(a, b, [*path, i], ops)
    else:
        ops.append([path, new])


class Moment:
    """The frames of one broadcast: build one per viewer with `full` or `next`. `kept`: the
    pieces of the table's views at its last broadcast, taken again where what they are made of
    did not change (`game.view.keep`: the units parts, the facilitator's log and settings)."""

    def __init__(
        self, state: State, now: int, online: Collection[str], kept: Kept | None = None
    ) -> None:
        self.state, self.now, self.online = state, now, online
        self.number = next(NUMBERS)
        self.kept: Kept = {} if kept is None else kept
        self.shared: dict[str | None, Any] = {}
        self.units: dict[tuple[str | None, str | None], Any] = {}
        self.encoded: dict[int, bytes] = {}  # id of a part above -> its JSON, made when needed
        self.patches: dict[tuple[int, Any], bytes] = {}  # (id of the old part, group) -> ops
        self.frames: dict[tuple[int, bytes], str] = {}  # (base, ops) -> the patch frame

    def _shared(self, language: str | None) -> Any:
        found = self.shared.get(language)
        if found is None:
            found = self.shared[language] = shared_part(self.state, self.now, self.online, language)
        return found

    def _units(self, access: str | None, language: str | None) -> Any:
        found = self.units.get((access, language))
        if found is None:
            public = None if access in (None, ALL_CARDS) else self._units(None, language)
            found = self.units[access, language] = keep(
                self.kept,
                ("units", access, language),
                (self.state.units, deck_in(self.state, language)),
                partial(units_part, self.state, access, language, public),
            )
        return found

    def _encoded(self, part: Any) -> bytes:
        found = self.encoded.get(id(part))
        if found is None:
            found = self.encoded[id(part)] = dumps(part)
        return found

    def _full(self, viewer: Actor, language: str | None, seq: int, own: Any) -> bytes:
        shared = self._encoded(self._shared(language))[1:-1]
        units = self._encoded(self._units(card_access(self.state, viewer), language))
        own_bytes = dumps(own)
        start = b'{"type":"state","version":%d,"server_now":%d,"seq":%d,"view":{' % (
            self.state.version,
            self.now,
            seq,
        )
        comma = b"," if len(own_bytes) > 2 else b""
        return b"".join((start, shared, b',"units":', units, comma, own_bytes[1:-1], b"}}"))

    def full(self, viewer: Actor, language: str | None, held: Held | None = None) -> str:
        """The viewer's whole view (and, given what the connection holds, the next number)."""
        own = own_part(self.state, viewer, language, self.kept)
        frame = self._full(viewer, language, self.number, own)
        if held is not None:
            access = card_access(self.state, viewer)
            held.seq, held.version = self.number, self.state.version
            held.parts = (self._shared(language), self._units(access, language), own)
            held.own_from = own_inputs(self.state, viewer)
        return frame.decode()

    def _ops(self, old: Any, new: Any, group: Any, path: Path) -> bytes:
        """The operations of one shared part, computed once per group of viewers who hold the
        same old part."""
        key = (id(old), group)
        found = self.patches.get(key)
        if found is None:
            ops: list[Op] = []
            diff(old, new, path, ops)
            found = self.patches[key] = dumps(ops)[1:-1]
        return found

    def next(self, viewer: Actor, language: str | None, held: Held, room: bool) -> str | None:
        """What this connection gets now: a patch against what it holds, the full view (first,
        when backed up, or when a patch would be most of it), or None when nothing it sees
        changed."""
        if held.parts is None or not room:
            return self.full(viewer, language, held)
        access = card_access(self.state, viewer)
        shared, units = self._shared(language), self._units(access, language)
        old_shared, old_units, old_own = held.parts
        made_of = own_inputs(self.state, viewer)
        own_ops: list[Op] = []
        if _same(made_of, held.own_from):  # a player's own part: nothing it is made of changed
            own = old_own
        else:
            own = own_part(self.state, viewer, language, self.kept)
            diff(old_own, own, [], own_ops)
        held.own_from = made_of
        parts = [
            self._ops(old_shared, shared, language, []),
            self._ops(old_units, units, (access, language), ["units"]),
            dumps(own_ops)[1:-1] if own_ops else b"",
        ]
        ops = b",".join(p for p in parts if p)
        if not ops and held.version == self.state.version:
            held.parts = (shared, units, own)
            return None
        held.version, held.parts = self.state.version, (shared, units, own)
        base, held.seq = held.seq, self.number
        if len(ops) > 512:  # a big change: most of the view goes whole (replaced, not patched)
            patch = self._patch(base, ops)
            whole = self._full(viewer, language, self.number, own)
            return (whole if len(whole) * 3 <= len(patch) * 4 else patch).decode()
        # a patch is made of its base and its operations alone: one frame for every viewer
        # who held the same frame and sees the same change
        frame = self.frames.get((base, ops))
        if frame is None:
            frame = self._patch(base, ops).decode()
            if not own_ops:  # (a frame with operations of its own is this viewer's alone)
                self.frames[base, ops] = frame
        return frame

    def _patch(self, base: int, ops: bytes) -> bytes:
        return b'{"type":"patch","version":%d,"server_now":%d,"seq":%d,"base":%d,"ops":[%s]}' % (
            self.state.version,
            self.now,
            self.number,
            base,
            ops,
        )
