"""Guessing each other's strategy: who may guess when, that a guess tells nobody anything during
the game, and that the scores at the end count the guesses exactly (a property over random
games, against a count made from the log itself)."""

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game import Actor
from game.deck import STRATEGY_IDS
from game.events import GuessGiven, StrategiesDealt
from tests.game.play import Play, seat
from tests.game.test_properties import progress, tables
from tests.game.test_rules import refused


def after_discussion(players: int = 4, **settings: object) -> Play:
    t = Play.new(players, rounds=2, **settings)  # type: ignore[arg-type]
    t.fac("start_game")
    t.play_round()
    return t


def test_a_unit_guesses_after_the_discussion_and_only_it_sees_the_guess() -> None:
    t = after_discussion()
    other = t.state.players["p2"].unit
    truth = t.state.units[other or ""].strategy
    t.player("p1", "guess", {"unit_id": other, "strategy_id": truth})
    assert t.view_of(seat("p1"))["me"]["guesses"] == {other: truth}
    assert t.view_of(seat("p1"))["strategies"] is not None  # the cards to choose from
    assert t.view_of(seat("p2"))["me"]["guesses"] == {}
    screen = t.view_of(Actor("screen"))
    assert "guesses" not in str(screen) and "guessed" not in screen
    assert t.view_of(Actor("facilitator"))["guessed"] == [t.state.players["p1"].unit]
    t.player("p1", "guess", {"unit_id": other, "strategy_id": None})  # taken back
    assert t.view_of(seat("p1"))["me"]["guesses"] == {}


def test_guessing_is_refused_where_it_makes_no_sense() -> None:
    t = Play.new(4, rounds=1)
    t.fac("start_game")
    t.fac("choose_opdracht")
    other = t.state.players["p2"].unit
    assert refused(
        t, seat("p1"), "guess", {"unit_id": other, "strategy_id": "consensus"}
    ).reason == ("wrong_phase")
    t2 = after_discussion()
    own = t2.state.players["p1"].unit
    assert refused(
        t2, seat("p1"), "guess", {"unit_id": own, "strategy_id": "consensus"}
    ).reason == ("no_such_unit")
    other = t2.state.players["p2"].unit
    assert refused(t2, seat("p1"), "guess", {"unit_id": other, "strategy_id": "x"}).reason == (
        "no_such_strategy"
    )
    off = after_discussion(guessing=False)
    other = off.state.players["p2"].unit
    assert refused(
        off, seat("p1"), "guess", {"unit_id": other, "strategy_id": "consensus"}
    ).reason == ("no_guessing")


def test_the_open_card_round_has_nothing_to_guess() -> None:
    t = Play.new(3, rounds=1)  # the only round is the open-card round
    t.play_game()
    assert t.state.phase == "ended"
    t2 = Play.new(3, rounds=1)
    t2.fac("start_game")
    t2.play_round()
    other = t2.state.players["p2"].unit
    assert refused(
        t2, seat("p1"), "guess", {"unit_id": other, "strategy_id": "consensus"}
    ).reason == ("no_guessing")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=tables(), data=st.data())
def test_the_scores_at_the_end_count_every_last_guess(t: Play, data: st.DataObject) -> None:
    while t.state.phase != "ended":
        if t.state.phase in ("deciding", "reflecting") and not t.state.open_card:
            for _ in range(data.draw(st.integers(0, 6), label="guesses")):
                pid = data.draw(st.sampled_from(list(t.state.players)), label="who")
                unit = data.draw(st.sampled_from(list(t.state.units)), label="unit")
                card = data.draw(st.none() | st.sampled_from(STRATEGY_IDS), label="card")
                if unit != t.state.players[pid].unit:
                    t.player(pid, "guess", {"unit_id": unit, "strategy_id": card})
            for pid, player in t.state.players.items():  # each unit sees its own guesses only
                mine = {u: c for (by, u), c in t.state.current.guesses.items() if by == player.unit}
                assert t.view_of(seat(pid))["me"]["guesses"] == mine
        actor, name, args = progress(t)
        t.do(actor, name, args)
    # the count from the log: the last guess of each unit about each unit, per round
    last: dict[tuple[int, str, str], str | None] = {}
    deals: dict[int, dict[str, str]] = {}
    for e in t.events:
        if isinstance(e, GuessGiven):
            last[e.round, e.by_unit, e.unit_id] = e.strategy_id
        elif isinstance(e, StrategiesDealt):
            deals[e.round] = e.deal
    summary = t.view_of(Actor("screen"))["summary"]
    assert summary is not None
    for r in summary:
        expected = Counter()
        for (rnd, _, unit), card in last.items():
            if rnd == r["round"] and card is not None:
                expected[unit, "of"] += 1
                expected[unit, "right"] += card == deals[rnd][unit]
        for score in r["recognition"]:
            assert score["of"] == expected[score["unit"], "of"]
            assert score["right"] == expected[score["unit"], "right"]
            assert score["strategy"]["id"] == deals[r["round"]][score["unit"]]
        assert {s["unit"] for s in r["recognition"]} == {
            unit for (rnd, _, unit), card in last.items() if rnd == r["round"] and card
        }
