"""A workshop's lobby in the pure rules: the proposal of tables, moves, forming, and what the lobby
refuses; and the restores a training day needs, in their awkward orders."""

from game import FACILITATOR, Actor
from game.tables import proposal
from tests.game.play import Play, seat
from tests.game.test_properties import check_dealing_rules
from tests.game.test_rules import refused


def lobby(players: int, **settings: object) -> Play:
    t = Play.new(**settings)  # type: ignore[arg-type]
    for i in range(players):
        t.join(f"Speler {i + 1}", ["A", "B", "C"][i % 3])
    return t


def test_the_proposal_spreads_organisations_and_evens_the_sizes() -> None:
    t = lobby(25, tables="auto")
    tables = proposal(t.state)
    assert sorted(map(len, tables)) == [8, 8, 9]
    for org in "ABC":
        counts = [sum(t.state.players[p].organisation == org for p in table) for table in tables]
        assert max(counts) - min(counts) <= 1


def test_a_move_that_overfills_a_table_is_refused() -> None:
    t = lobby(24, tables=2)
    full = proposal(t.state)[0]
    other = proposal(t.state)[1][0]
    err = refused(t, FACILITATOR, "move_player", {"player_id": other, "table": 1})
    assert err.reason == "table_full" and len(full) == 12


def test_forming_needs_the_proposal_as_shown_and_then_closes_the_lobby() -> None:
    t = lobby(8, tables=2)
    shown = proposal(t.state)
    stale = [{"session_id": f"s{i}", "players": p[:-1]} for i, p in enumerate(shown)]
    assert refused(t, FACILITATOR, "form_tables", {"tables": stale}).reason == "proposal_changed"
    fresh = [{"session_id": f"s{i}", "players": p} for i, p in enumerate(shown)]
    t.fac("form_tables", {"tables": fresh})
    assert [s.join_code for s in t.state.tables] == ["ABC234-1", "ABC234-2"]
    assert refused(t, Actor(None), "join", {"name": "Laat", "token_hash": "x"}).reason == (
        "tables_formed"
    )
    assert refused(t, FACILITATOR, "configure", {"rounds": 2}).reason == "tables_formed"
    assert refused(t, FACILITATOR, "start_game").reason == "tables_formed"


def test_a_lobby_plays_no_game_and_a_table_forms_no_tables() -> None:
    t = lobby(6, tables=2)
    assert refused(t, FACILITATOR, "start_game").reason == "workshop_lobby"
    one = lobby(6)
    err = refused(one, FACILITATOR, "move_player", {"player_id": "p1", "table": 1})
    assert err.reason == "not_a_workshop"
    # one table: the facilitator is with the players; a call would only change the log
    assert refused(one, seat("p1"), "call_facilitator").reason == "not_at_a_table"


def test_restoring_one_of_a_removed_duo_gives_them_their_unit_alone() -> None:
    t = Play.new(8, rounds=3)  # four duos
    t.fac("start_game")
    t.fac("choose_opdracht")
    a, b = next(iter(t.state.units.values())).members
    t.fac("remove_player", {"player_id": a})
    t.fac("remove_player", {"player_id": b})
    t.fac("restore_player", {"player_id": a})
    unit = t.state.units[t.state.players[a].unit or ""]
    assert unit.members == (a,)
    t.fac("restore_player", {"player_id": b})
    assert t.state.units[unit.id].members == (a, b)
    t.fac("start_timer")
    t.tick(t.state.timer.duration_ms)
    t.fac("record_decision", {"text": "x", "reached": "yes"})
    t.fac("next_round")
    t.play_round()  # the next deal serves the restored duo like any other
    check_dealing_rules(t)


def test_a_restore_in_the_next_round_brings_no_old_card_or_readiness() -> None:
    t = Play.new(4, rounds=2)
    t.fac("start_game")
    t.play_round()
    t.player("p2", "support", {"value": "yes"})
    t.fac("remove_player", {"player_id": "p2"})
    t.fac("next_round")
    t.fac("restore_player", {"player_id": "p2"})
    unit = t.state.units[t.state.players["p2"].unit or ""]
    assert unit.strategy is None and not unit.ready and not unit.revealed


def test_a_co_facilitator_id_given_by_the_workshop_is_kept_and_not_reused() -> None:
    t = Play.new(3)
    t.fac("add_facilitator", {"label": "Co", "token_hash": "h", "facilitator_id": "f3"})
    [again] = t.fac("add_facilitator", {"label": "Next", "token_hash": "i"})
    assert again.facilitator_id == "f4"  # type: ignore[union-attr]
