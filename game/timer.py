"""The discussion timer as deadlines in the state: what is due at a given time, and when next."""

from game.events import Event, TimeUp, WarningGiven
from game.settings import default_round_seconds
from game.state import State

WARNING_SECONDS = 60


def scaled_ms(state: State, seconds: float) -> int:
    """Game seconds as real milliseconds (`THEATER_CLOCK_SCALE` speeds demos and tests up)."""
    return round(seconds * 1000 / state.time_scale)


def round_duration_ms(state: State) -> int:
    """Fixed when the game started (by the player count then, or the facilitator's setting)."""
    seconds = (
        state.round_seconds
        or state.settings.round_seconds
        or default_round_seconds(len(state.players))
    )
    return scaled_ms(state, seconds)


def remaining_ms(state: State, now: int) -> int:
    timer = state.timer
    if timer.status == "running" and timer.deadline is not None:
        return max(0, timer.deadline - now)
    return timer.remaining_ms


def next_deadline(state: State) -> int | None:
    """When `due` will next have something to say, or None while nothing runs."""
    timer = state.timer
    if state.phase != "discussing" or timer.status != "running" or timer.deadline is None:
        return None
    return timer.deadline if timer.warned else timer.deadline - timer.warn_ms


def due(state: State, now: int) -> list[Event]:
    """The timer events that should have happened by `now`: the one-minute warning, then time-up.

    A warning whose moment passed together with the deadline (say, the server was down) is
    skipped: nobody needs "one minute left" when time is up.
    """
    when = next_deadline(state)
    if when is None or now < when:
        return []
    assert state.timer.deadline is not None
    if now >= state.timer.deadline:
        return [TimeUp(at=now)]
    return [WarningGiven(at=now)]
