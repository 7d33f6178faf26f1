"""Who is online at one table, and whether a connected viewer may stay.

Who is online is shown with a little patience: a phone that drops and comes back within a few
seconds never flickers on the other screens, so a reconnecting phone costs the rest of the table
nothing. A viewer's link stops opening the table when the facilitator removes the player, moves
the seat to another device or revokes a co-facilitator's link.
"""

from collections import Counter

from game import Actor, State

CLOSE_REASONS = {
    "removed": "removed from the table",
    "seat_moved": "this seat moved to another device",
    "revoked": "this facilitator link was revoked",
}


def ended(state: State, actor: Actor, token_hash: str) -> str | None:
    """Why a connected viewer's link no longer opens this table, if it does not."""
    if actor.player_id is not None:
        player = state.players.get(actor.player_id)
        if player is None:
            return "removed"
        return "seat_moved" if player.token_hash != token_hash else None
    if actor.facilitator_id is not None:  # a co-facilitator: revoked, or the id reused
        co = state.facilitators.get(actor.facilitator_id)
        if co is None or co.token_hash != token_hash:
            return "revoked"
    return None


class Presence:
    def __init__(self) -> None:
        self.online: Counter[str] = Counter()  # player id -> open seats here
        self.shown: set[str] = set()  # player ids shown as online (with patience)
        self.elsewhere: frozenset[str] = frozenset()  # players online on other servers

    def connected(self) -> frozenset[str] | set[str]:
        return self.shown | self.elsewhere if self.elsewhere else self.shown

    def arrive(self, pid: str) -> bool:
        """A seat of this player opened here; True if they are shown online only now."""
        self.online[pid] += 1
        if pid in self.shown:
            return False
        self.shown.add(pid)
        return True

    def leave(self, pid: str) -> bool:
        """A seat closed; True if it was their last here (the grace before `expire` begins)."""
        self.online[pid] -= 1
        if self.online[pid] > 0:
            return False
        del self.online[pid]
        return True

    def expire(self, pid: str) -> bool:
        """After the grace: True if they are shown offline only now."""
        if pid in self.online or pid not in self.shown:
            return False
        self.shown.discard(pid)
        return True
