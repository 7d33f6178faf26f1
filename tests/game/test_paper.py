"""When phones fail: a unit (or the whole table) plays on paper. The game goes on, the server
keeps the timer and the log, and the facilitator says when a paper unit is ready."""

from game import FACILITATOR, fold
from tests.game.play import Play, seat
from tests.game.test_properties import check_dealing_rules
from tests.game.test_rules import refused


def test_a_paper_unit_plays_a_whole_round() -> None:
    t = Play.new(4, rounds=2)
    t.fac("start_game")
    paper = t.state.players["p2"].unit or ""
    t.fac("set_paper", {"unit_id": paper})
    t.fac("choose_opdracht")
    assert refused(t, FACILITATOR, "ready", {"unit_id": t.state.players["p1"].unit}).reason == (
        "not_on_paper"
    )
    for pid in ("p1", "p3", "p4"):
        t.player(pid, "ready")
    assert "not_all_ready" in t.view_of(FACILITATOR)["hints"]
    t.fac("ready", {"unit_id": paper})
    assert all(u["ready"] for u in t.view_of(FACILITATOR)["units"])
    assert next(u for u in t.view_of(seat("p1"))["units"] if u["id"] == paper)["paper"] is True
    t.fac("start_timer")
    t.tick(t.state.timer.duration_ms)
    assert t.state.phase == "deciding"  # the server's timer ran for everyone
    t.fac("record_decision", {"text": "Samen", "reached": "yes"})
    t.fac("next_round")
    assert t.state.units[paper].paper  # still on paper in the next round
    t.fac("set_paper", {"unit_id": None, "paper": False})  # the phones are back
    assert not any(u.paper for u in t.state.units.values())
    t.play_round()
    assert fold(t.events) == t.state
    check_dealing_rules(t)


def test_paper_is_for_the_game_only() -> None:
    t = Play.new(3)
    assert refused(t, FACILITATOR, "set_paper", {"unit_id": None}).reason == "wrong_phase"
    t.fac("start_game")
    assert refused(t, FACILITATOR, "set_paper", {"unit_id": "u9"}).reason == "no_such_unit"
    assert refused(t, seat("p1"), "set_paper", {"unit_id": None}).code == "forbidden"
