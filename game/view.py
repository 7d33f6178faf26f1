"""view(state, viewer, now, connected) -> dict: the only way anything leaves a session.

A view is `common` (the same for everyone), `units` (the same for everyone who `sees` the same
cards) and `own` (the rest that depends on who looks): a broadcast builds each part once.

Secrecy lives here and nowhere else: a unit's strategy goes to that unit's members, the
facilitator and the trainer, and to everyone once the unit laid it open in the open-card round.
"""

from collections import Counter
from collections.abc import Collection
from typing import Any

from game.commands import Actor
from game.deck import Opdracht
from game.prompts import prompt_ids
from game.state import Answer, RoundRecord, State, Unit
from game.timer import remaining_ms

HINT_FEW_PLAYERS = "fewer_than_6_players"
HINT_NO_PICKER = "no_picker"
HINT_NOT_ALL_READY = "not_all_ready"


def _sees_all(viewer: Actor) -> bool:
    return viewer.role in ("facilitator", "trainer")


def _strategy(state: State, strategy_id: str | None) -> dict[str, str] | None:
    if strategy_id is None:
        return None
    card = state.deck.strategy(strategy_id)
    return {"id": card.id, "title": card.title, "text": card.text}


ALL_CARDS = "*"


def sees(state: State, viewer: Actor) -> str | None:
    """Whose closed cards `viewer` may see: all of them (facilitator, trainer), their own unit's
    (a player), or none (the screen, a player without a unit yet)."""
    if _sees_all(viewer):
        return ALL_CARDS
    me = state.players.get(viewer.player_id or "") if viewer.role == "player" else None
    return me.unit if me else None


def units(state: State, seen: str | None) -> list[dict[str, Any]]:
    return [_unit(state, u, seen) for u in state.units.values()]


def _unit(state: State, unit: Unit, seen: str | None) -> dict[str, Any]:
    visible = seen == ALL_CARDS or unit.revealed or unit.id == seen
    return {
        "id": unit.id,
        "members": list(unit.members),
        "strategy": _strategy(state, unit.strategy) if visible else None,
        "revealed": unit.revealed,
        "ready": unit.ready,
    }


def _answer(state: State, answer: Answer, with_author: bool) -> dict[str, Any]:
    author = state.players.get(answer.player_id)
    named = with_author and not answer.anonymous
    return {
        "id": answer.id,
        "round": answer.round,
        "prompt_id": answer.prompt_id,
        "text": answer.text,
        "anonymous": answer.anonymous,
        "author": (author.name if author else None) if named else None,
        "shown": answer.shown,
    }


def _round_log(state: State, record: RoundRecord) -> dict[str, Any]:
    """A past or current round as a trainer and the facilitator see it."""
    opdracht = state.deck.opdracht(record.opdracht_id) if record.opdracht_id else None
    return {
        "round": record.number,
        "opdracht": {"id": opdracht.id, "text": opdracht.text} if opdracht else None,
        "chosen_how": record.chosen_how,
        "deal": [
            {"unit": uid, "members": list(record.members.get(uid, ())), "strategy": sid}
            for uid, sid in record.deal.items()
        ],
        "relaxed": record.relaxed,
        "discussion_started_at": record.discussion_started_at,
        "discussion_ended_at": record.discussion_ended_at,
        "discussion_ms": record.discussion_ms,
        "decision": (
            {"text": record.decision_text, "reached": record.reached}
            if record.decision_text is not None
            else None
        ),
        "supports": dict(record.supports),
    }


def view(state: State, viewer: Actor, now: int, connected: Collection[str] = ()) -> dict[str, Any]:
    """Everything `viewer` may know at `now`. `connected` lists the player ids online now."""
    return {
        **common(state, now, connected),
        "units": units(state, sees(state, viewer)),
        **own(state, viewer),
    }


def common(state: State, now: int, connected: Collection[str] = ()) -> dict[str, Any]:
    """The part of the view that is the same for every viewer: a broadcast builds it once."""
    timer = state.timer
    record = state.rounds[-1] if state.rounds else None
    prompts = prompt_ids(state.round, state.settings.rounds) if state.round else ()
    prompt = None
    if state.phase == "reflecting" and state.prompt_index:
        card = state.deck.prompt(prompts[state.prompt_index - 1])
        prompt = {
            "id": card.id,
            "text": card.text,
            "index": state.prompt_index,
            "count": len(prompts),
        }
    supports = record.supports if record else {}
    decision = None
    if record and record.decision_text is not None:
        decision = {"text": record.decision_text, "reached": record.reached}
    opdracht = state.deck.opdracht(state.opdracht) if state.opdracht else None
    return {
        "session_id": state.session_id,
        "join_code": state.join_code,
        "language": state.settings.language,
        "phase": state.phase,
        "round": state.round,
        "rounds": state.settings.rounds,
        "open_card": state.open_card,
        "players": [
            {
                "id": p.id,
                "name": p.name,
                "organisation": p.organisation,
                "connected": p.id in connected,
                "unit": p.unit,
            }
            for p in state.players.values()
        ],
        "opdracht": {"id": opdracht.id, "text": opdracht.text} if opdracht else None,
        "opdracht_slots": len(_remaining(state)) if state.phase == "choosing" else 0,
        "picker": state.picker,
        "timer": {
            "status": timer.status,
            "duration_ms": timer.duration_ms,
            "remaining_ms": remaining_ms(state, now),
            "deadline": timer.deadline,
            "warned": timer.warned,
        },
        "decision": decision,
        "support_counts": {v: n for v, n in Counter(supports.values()).items()},
        "prompt": prompt,
    }


def own(state: State, viewer: Actor) -> dict[str, Any]:
    """What else depends on who looks: answers, `me` for a player, the log for the facilitator."""
    me = state.players.get(viewer.player_id or "") if viewer.role == "player" else None
    out: dict[str, Any] = {}
    answers = [a for a in state.answers.values() if a.round == state.round]
    record = state.rounds[-1] if state.rounds else None
    supports = dict(record.supports) if record else {}
    if _sees_all(viewer):
        out["supports"] = supports
        out["settings"] = state.settings.model_dump(mode="json", exclude={"seed"})
        out["opdrachten_left"] = [{"id": o.id, "text": o.text} for o in _remaining(state)]
        out["hints"] = _hints(state)
        out["history"] = [_round_log(state, r) for r in state.rounds]
        pool = state.answers.values() if viewer.role == "trainer" else answers
        out["answers"] = [_answer(state, a, with_author=True) for a in pool]
    elif me is not None:
        mine = [a for a in state.answers.values() if a.player_id == me.id]
        shown = [a for a in answers if a.shown and a.player_id != me.id]
        out["answers"] = [
            {**_answer(state, a, with_author=True), "mine": a.player_id == me.id}
            for a in [*mine, *shown]
        ]
        out["me"] = {
            "player_id": me.id,
            "unit": me.unit,
            "name": me.name,
            "support": supports.get(me.id),
            "is_picker": state.picker == me.id,
        }
    else:
        out["answers"] = [_answer(state, a, with_author=True) for a in answers if a.shown]
    return out


def _remaining(state: State) -> list[Opdracht]:
    return [o for o in state.deck.opdrachten if o.id not in state.used_opdrachten]


def _hints(state: State) -> list[str]:
    """Nudges for the facilitator only; the pages turn them into sentences."""
    hints = []
    if state.phase == "lobby" and len(state.players) < 6:
        hints.append(HINT_FEW_PLAYERS)
    if state.phase == "choosing" and state.picker is None:
        hints.append(HINT_NO_PICKER)
    if state.phase == "reading" and not all(u.ready for u in state.units.values()):
        hints.append(HINT_NOT_ALL_READY)
    return hints
