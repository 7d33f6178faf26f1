"""Latecomers, a new phone, restoring a removed player and a second facilitator, as the pure
rules decide them (the wire tests drive the same over sockets)."""

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from game import FACILITATOR, Actor, Refusal, fold
from game.events import GameStarted, PlayerSeated, StrategiesDealt
from tests.game.play import Play, seat
from tests.game.test_properties import (
    check_dealing_rules,
    check_views_keep_secrets,
    progress,
    tables,
)
from tests.game.test_rules import refused

CO = Actor("facilitator", facilitator_id="f2")


def _shapes(t: Play) -> set[str]:
    """How latecomers were seated: as a new unit, or with a player alone (a duo)."""
    known: set[str] = set()
    shapes: set[str] = set()
    for e in t.events:
        if isinstance(e, GameStarted):
            known |= {u.id for u in e.units}
        elif isinstance(e, PlayerSeated):
            shapes.add("duo" if e.unit_id in known else "new unit")
            known.add(e.unit_id)
    return shapes


def test_a_latecomer_waits_without_a_card_and_is_seated_at_the_next_deal() -> None:
    t = Play.new(4, rounds=3)
    t.fac("start_game")
    t.play_round()
    late = t.join("Laat")
    v = t.view_of(seat(late))
    assert v["me"]["unit"] is None and all(u["strategy"] is None for u in v["units"])
    assert refused(t, seat(late), "ready").reason == "wrong_phase"
    t.fac("next_round")
    events = t.fac("choose_opdracht")
    seated = [e for e in events if isinstance(e, PlayerSeated)]
    assert [(e.player_id, e.unit_id) for e in seated] == [(late, "u5")]  # four solos: a fifth
    deal = next(e for e in events if isinstance(e, StrategiesDealt))
    assert "u5" in deal.deal and t.view_of(seat(late))["units"][-1]["strategy"] is not None
    check_dealing_rules(t)


def test_at_six_solos_a_latecomer_makes_a_duo_with_someone_of_another_organisation() -> None:
    t = Play.new(6, orgs=["A", "A", "A", "B", "A", "A"], rounds=2)
    t.fac("start_game")
    t.play_round()
    t.fac("next_round")
    late = t.join("Laat", "A")
    t.fac("choose_opdracht")
    unit = t.state.players[late].unit
    assert unit == t.state.players["p4"].unit  # the one player of organisation B
    assert len(t.state.units) == 6
    check_dealing_rules(t)


def test_a_round_without_consensus_ahead_keeps_a_card_spare() -> None:
    t = Play.new(5, rounds=3, no_consensus_round=3)
    t.fac("start_game")
    late = t.join("Laat")
    t.fac("choose_opdracht")
    assert len(t.state.units) == 5  # not a sixth: round 3 deals five cards without consensus
    assert len(t.state.units[t.state.players[late].unit or ""].members) == 2
    for name in ("B", "C", "D", "E"):
        t.join(name)
    assert refused(t, Actor(None), "join", {"name": "F", "token_hash": "x"}).code == "table_full"


def test_the_facilitator_can_seat_a_latecomer_now_with_a_player_alone() -> None:
    t = Play.new(7)  # three duos and one solo
    t.fac("start_game")
    t.fac("choose_opdracht")
    late = t.join("Laat")
    solo = next(u for u in t.state.units.values() if len(u.members) == 1)
    duo = next(u for u in t.state.units.values() if len(u.members) == 2)
    assert refused(
        t, FACILITATOR, "seat_player", {"player_id": late, "unit_id": duo.id}
    ).reason == ("not_a_solo")
    t.fac("seat_player", {"player_id": late, "unit_id": solo.id})
    mine = t.view_of(seat(late))
    assert mine["me"]["unit"] == solo.id
    assert next(u for u in mine["units"] if u["id"] == solo.id)["strategy"] is not None
    assert t.state.players[late].history == (solo.strategy,)
    assert t.state.current.members[solo.id] == (*solo.members, late)
    check_views_keep_secrets(t)


def test_a_removed_player_comes_back_with_the_same_card_until_the_next_deal() -> None:
    t = Play.new(4, rounds=2)
    t.fac("start_game")
    t.fac("choose_opdracht")
    unit = t.state.players["p2"].unit
    card = t.state.units[unit or ""].strategy
    t.fac("remove_player", {"player_id": "p2"})
    assert unit not in t.state.units
    t.fac("restore_player", {"player_id": "p2"})
    assert t.state.players["p2"].unit == unit and t.state.units[unit or ""].strategy == card
    assert list(t.state.players) == ["p1", "p2", "p3", "p4"]
    t.fac("remove_player", {"player_id": "p2"})
    t.fac("start_timer")
    t.tick(t.state.timer.duration_ms)
    t.fac("record_decision", {"text": "x", "reached": "yes"})
    t.fac("next_round")
    t.fac("choose_opdracht")
    assert refused(t, FACILITATOR, "restore_player", {"player_id": "p2"}).reason == "dealt_since"
    assert refused(t, FACILITATOR, "restore_player", {"player_id": "p1"}).reason == "not_removed"
    assert fold(t.events) == t.state


def test_a_seat_moves_to_a_new_device_once() -> None:
    t = Play.new(3)
    t.fac("reissue_seat", {"player_id": "p1", "claim_hash": "c1"})
    assert t.state.players["p1"].token_hash == ""  # the old phone's token matches nothing now
    t.do(Actor(None), "claim_seat", {"claim_hash": "c1", "token_hash": "new"})
    assert t.state.players["p1"].token_hash == "new"
    again = refused(t, Actor(None), "claim_seat", {"claim_hash": "c1", "token_hash": "other"})
    assert again.reason == "claim_used"


def test_every_facilitator_action_names_its_facilitator_and_only_the_first_adds_others() -> None:
    t = Play.new(3)
    [added] = t.fac("add_facilitator", {"label": "Co", "token_hash": "h"})
    assert added.facilitator == "f1" and t.state.facilitators["f2"].label == "Co"
    [started] = t.do(CO, "start_game")
    assert started.facilitator == "f2"
    [joined] = [e for e in t.events if e.type == "player_joined"][:1]
    assert joined.facilitator is None
    err = refused(t, CO, "add_facilitator", {"label": "X", "token_hash": "y"})
    assert err.reason == "first_facilitator_only"
    t.fac("revoke_facilitator", {"facilitator_id": "f2"})
    assert "f2" not in t.state.facilitators
    err = refused(t, FACILITATOR, "revoke_facilitator", {"facilitator_id": "f2"})
    assert err.reason == "no_such_facilitator"


@pytest.mark.parametrize("command", ["seat_player", "restore_player"])
def test_players_cannot_seat_or_restore(command: str) -> None:
    t = Play.new(3)
    assert refused(t, seat("p1"), command, {"player_id": "p2"}).code == "forbidden"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=tables(), data=st.data())
def test_latecomers_at_random_moments_keep_every_dealing_rule(t: Play, data: st.DataObject) -> None:
    """Joins after the start in every unit shape, some seated at once, some players removed and
    restored: every deal keeps the rules of docs/RULES.md and no view shows a card it should not."""
    late = 0
    for _ in range(200):
        if t.state.phase == "ended":
            break
        move = data.draw(st.integers(0, 9), label="move")
        if move == 0 and t.state.phase != "lobby" and len(t.state.players) < 12:
            late += 1
            org = data.draw(st.sampled_from(["", "A", "B"]), label="org")
            try:
                pid = t.join(f"Laat {late}", org)
            except Refusal as e:
                assert e.code == "table_full"
                continue
            solos = [u.id for u in t.state.units.values() if len(u.members) == 1]
            if solos and data.draw(st.booleans(), label="seat now"):
                try:
                    t.fac("seat_player", {"player_id": pid, "unit_id": solos[0]})
                except Refusal as e:
                    assert e.reason == "held_before"
        elif move == 1 and t.state.phase != "lobby" and len(t.state.players) > 3:
            gone = data.draw(st.sampled_from(list(t.state.players)), label="who")
            t.fac("remove_player", {"player_id": gone})
            if data.draw(st.booleans(), label="undo"):
                t.fac("restore_player", {"player_id": gone})
        actor, name, args = progress(t)
        t.do(actor, name, args)
        if t.state.phase == "discussing":
            t.tick(t.state.timer.duration_ms)
        check_views_keep_secrets(t)
        assert len(t.state.units) <= 6
    seated = [e for e in t.events if isinstance(e, PlayerSeated)]
    event(f"latecomers seated: {min(len(seated), 3)}{'+' if len(seated) > 2 else ''}")
    event(f"latecomer shapes: {sorted(_shapes(t))}")
    assert fold(t.events) == t.state
    check_dealing_rules(t)
