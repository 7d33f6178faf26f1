"""Thousands of random games, with random (often illegal) commands mixed in, against the rules'
invariants: the dealing rules of docs/RULES.md, secrecy of every player and screen view, the log folding
back to the live state, and refusals that change nothing."""

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game import COMMANDS, FACILITATOR, Actor, Refusal, fold
from game.deck import CONSENSUS, STRATEGY_IDS
from game.events import OpdrachtChosen, StrategiesDealt
from tests.game.play import Play, seat

ROLES = ["facilitator", "player", "screen", "trainer", None]


@st.composite
def tables(draw: st.DrawFn) -> Play:
    players = draw(st.integers(3, 12))
    units = players if players <= 6 else (players + 1) // 2
    ncr_allowed = units < 6
    rounds = draw(st.integers(1, min(6, units + (1 if ncr_allowed else 0))))
    ncr = draw(st.none() | st.integers(1, rounds)) if ncr_allowed else None
    if ncr is None:
        rounds = min(rounds, units)
    orgs = draw(st.lists(st.sampled_from(["", "A", "B", "C"]), min_size=players, max_size=players))
    return Play.new(
        players,
        orgs=orgs,
        seed=draw(st.integers(0, 2**32)),
        rounds=rounds,
        no_consensus_round=ncr,
        open_card_last_round=draw(st.booleans()),
    )


def junk_args(draw: st.DrawFn, t: Play) -> dict[str, Any]:
    ids = [*t.state.players, *t.state.units, "p99", "u9", "", "x" * 50]
    values = st.one_of(
        st.sampled_from(ids),
        st.integers(-2, 8),
        st.sampled_from(["yes", "partly", "no", "maybe", "in-spel-1", "over-spel-1", "keuken"]),
        st.booleans(),
        st.none(),
        st.text(max_size=5),
    )
    keys = st.sampled_from(
        [
            "a",
            "b",
            "player_id",
            "slot",
            "opdracht_id",
            "unit_id",
            "seconds",
            "text",
            "reached",
            "value",
            "prompt_id",
            "anonymous",
            "answer_id",
            "shown",
            "rounds",
            "bogus",
        ]
    )
    return draw(st.dictionaries(keys, values, max_size=3))


def progress(t: Play) -> tuple[Actor, str, dict[str, Any]]:
    """The natural next step of the game, as a facilitator and players would take it."""
    s = t.state
    match s.phase:
        case "lobby":
            return FACILITATOR, "start_game", {}
        case "choosing":
            if s.picker:
                return seat(s.picker), "pick_opdracht", {"slot": 0}
            return FACILITATOR, "choose_opdracht", {}
        case "reading":
            closed = [u for u in s.units.values() if not u.revealed]
            if s.open_card and closed:
                return seat(closed[0].members[0]), "reveal", {"unit_id": closed[0].id}
            return FACILITATOR, "start_timer", {}
        case "discussing":
            return FACILITATOR, "end_discussion", {}
        case "deciding":
            if s.current.decision_text is None:
                return FACILITATOR, "record_decision", {"text": "Besluit", "reached": "partly"}
            return FACILITATOR, "next_prompt", {}
        case "reflecting":
            if s.round < s.settings.rounds:
                return FACILITATOR, "next_round", {}
            return FACILITATOR, "end_game", {}
    raise AssertionError(s.phase)


def check_views_keep_secrets(t: Play) -> None:
    if t.state.phase == "ended":
        return  # the summary shows every card to everyone once the game is over
    secrets = {
        uid: t.state.deck.strategy(u.strategy)
        for uid, u in t.state.units.items()
        if u.strategy and not u.revealed
    }
    viewers = [Actor("screen")] + [seat(pid) for pid in t.state.players]
    for viewer in viewers:
        v = t.view_of(viewer)
        mine = t.state.players[viewer.player_id].unit if viewer.player_id else None
        text = json.dumps(v, ensure_ascii=False)
        for uid, card in secrets.items():
            if uid == mine:
                continue
            for unit in v["units"]:
                if unit["id"] == uid:
                    assert unit["strategy"] is None
            # Titles like "Consensus" are common words; the card's own text never is.
            assert card.text not in text


def check_no_player_holds_a_card_twice(t: Play) -> None:
    """Rule 3 per person: across units (swaps), unless that round's deal says it was relaxed."""
    held: dict[str, set[str]] = {}
    for record in t.state.rounds:
        for uid, card in record.deal.items():
            for member in record.members.get(uid, ()):
                if not record.relaxed:
                    assert card not in held.get(member, set()), (record.number, member, card)
                held.setdefault(member, set()).add(card)


def check_dealing_rules(t: Play) -> None:
    check_no_player_holds_a_card_twice(t)
    ncr = t.state.settings.no_consensus_round
    chosen = [e.opdracht_id for e in t.events if isinstance(e, OpdrachtChosen)]
    assert len(chosen) == len(set(chosen)), "an assignment card was used twice"
    for e in t.events:
        if not isinstance(e, StrategiesDealt):
            continue
        cards = list(e.deal.values())
        assert len(cards) == len(set(cards)), "two units hold the same card"
        assert set(cards) <= set(STRATEGY_IDS)
        if not e.relaxed:
            assert (CONSENSUS in cards) == (e.round != ncr)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(t=tables(), data=st.data())
def test_random_games_keep_every_rule(t: Play, data: st.DataObject) -> None:
    for _ in range(120):
        if t.state.phase == "ended":
            break
        if data.draw(st.booleans(), label="junk?"):
            name = data.draw(st.sampled_from([*COMMANDS, "nope"]), label="name")
            role = data.draw(st.sampled_from(ROLES), label="role")
            pid = data.draw(st.sampled_from([*t.state.players, "p99"]), label="pid")
            actor = Actor(role, pid if role == "player" else None)
            args = junk_args(data.draw, t)
        else:
            actor, name, args = progress(t)
        before, count = t.state, len(t.events)
        try:
            t.do(actor, name, args)
        except Refusal as e:
            assert t.state is before and len(t.events) == count
            assert e.code in {
                "bad_message",
                "unknown_command",
                "forbidden",
                "invalid_phase",
                "invalid_args",
                "table_full",
                "name_taken",
                "game_started",
            }
            assert e.message
        t.now += data.draw(st.integers(0, 400_000), label="time passes")
        for event in t.tick(0):
            assert event.type in ("warning_given", "time_up")
        check_views_keep_secrets(t)
    assert fold(t.events) == t.state
    check_dealing_rules(t)


@settings(max_examples=200, deadline=None)
@given(t=tables())
def test_whole_games_deal_by_the_rules_and_replay_exactly(t: Play) -> None:
    while t.state.phase != "ended":
        actor, name, args = progress(t)
        t.do(actor, name, args)
        assert fold(t.events) == t.state
    check_dealing_rules(t)
    deals = [e for e in t.events if isinstance(e, StrategiesDealt)]
    assert len(deals) == t.state.settings.rounds and not any(d.relaxed for d in deals)


@settings(max_examples=150, deadline=None)
@given(t=tables(), data=st.data())
def test_swaps_between_rounds_never_give_a_player_a_card_twice(
    t: Play, data: st.DataObject
) -> None:
    relaxed = 0
    while t.state.phase != "ended":
        if t.state.phase == "choosing" and t.state.round > 1:
            for _ in range(data.draw(st.integers(0, 2), label="swaps")):
                ids = list(t.state.players)
                a, b = data.draw(st.sampled_from(ids)), data.draw(st.sampled_from(ids))
                if t.state.players[a].unit != t.state.players[b].unit:
                    t.fac("swap_players", {"a": a, "b": b})
        actor, name, args = progress(t)
        t.do(actor, name, args)
    check_dealing_rules(t)
    relaxed += sum(1 for r in t.state.rounds if r.relaxed)
    assert relaxed <= len(t.state.rounds)


@settings(max_examples=150, deadline=None)
@given(t=tables(), data=st.data())
def test_removals_at_any_moment_are_refusals_or_progress_never_a_crash(
    t: Play, data: st.DataObject
) -> None:
    """decide raises nothing but a Refusal, however many players leave and whenever."""
    for _ in range(80):
        if t.state.phase == "ended":
            break
        if t.state.players and data.draw(st.integers(0, 4), label="remove?") == 0:
            gone = data.draw(st.sampled_from(list(t.state.players)), label="who")
            t.fac("remove_player", {"player_id": gone})
        actor, name, args = progress(t)
        if actor.role == "player" and actor.player_id not in t.state.players:
            actor, name, args = FACILITATOR, "end_game", {}
        try:
            t.do(actor, name, args)
        except Refusal as e:
            assert e.reason and e.message
            t.fac("end_game")
        if t.state.phase == "discussing":
            t.tick(t.state.timer.duration_ms)
    assert fold(t.events) == t.state
    check_no_player_holds_a_card_twice(t)
