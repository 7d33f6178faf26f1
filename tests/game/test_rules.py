"""Each command's legal paths and refusals, as a facilitator or player would notice them."""

import pytest

from game import FACILITATOR, Actor, Refusal
from game.deck import CONSENSUS, STRATEGY_IDS
from game.events import StrategiesDealt
from tests.game.play import T0, Play, seat

SCREEN = Actor("screen")


def refused(table: Play, actor: Actor, name: str, args: dict | None = None) -> Refusal:
    before = table.state
    with pytest.raises(Refusal) as info:
        table.do(actor, name, args)
    assert table.state is before
    return info.value


# --- joining -------------------------------------------------------------------------------


def test_players_join_in_order_with_their_organisation() -> None:
    t = Play.new()
    assert t.join("Anna", "Gemeente") == "p1"
    assert t.join("  Bram   de  Vries ") == "p2"
    players = t.view_of(FACILITATOR)["players"]
    assert [(p["name"], p["organisation"]) for p in players] == [
        ("Anna", "Gemeente"),
        ("Bram de Vries", ""),
    ]


def test_a_name_already_at_the_table_is_refused_whatever_its_case() -> None:
    t = Play.new()
    t.join("Anna")
    err = refused(t, Actor(None), "join", {"name": " ANNA ", "token_hash": "x"})
    assert err.code == "name_taken" and "ANNA" in err.message


def test_the_thirteenth_player_is_refused_because_the_table_is_full() -> None:
    t = Play.new(12)
    err = refused(t, Actor(None), "join", {"name": "Dertien", "token_hash": "x"})
    assert err.code == "table_full" and "12" in err.message


def test_nobody_joins_once_the_game_has_ended() -> None:
    t = Play.new(4, rounds=1)
    t.play_game()
    err = refused(t, Actor(None), "join", {"name": "Laat", "token_hash": "x"})
    assert err.code == "game_started" and err.reason == "game_ended"


@pytest.mark.parametrize("name", ["", "   ", "a\x00b", "x" * 41])
def test_an_empty_or_broken_name_is_refused(name: str) -> None:
    t = Play.new()
    assert refused(t, Actor(None), "join", {"name": name, "token_hash": "x"}).code == "invalid_args"


def test_a_socket_client_cannot_join_and_a_player_cannot_start() -> None:
    t = Play.new(3)
    assert refused(t, FACILITATOR, "join", {"name": "X", "token_hash": "x"}).code == "forbidden"
    err = refused(t, seat("p1"), "start_game")
    assert err.code == "forbidden" and "facilitator" in err.message
    assert refused(t, SCREEN, "start_game").code == "forbidden"
    assert refused(t, Actor("trainer"), "end_game").code == "forbidden"


def test_unknown_commands_and_bad_arguments_are_named_in_the_error() -> None:
    t = Play.new(3)
    err = refused(t, FACILITATOR, "launch_rockets")
    assert err.code == "unknown_command" and "launch_rockets" in err.message
    err = refused(t, FACILITATOR, "configure", {"rounds": 9})
    assert err.code == "invalid_args" and "rounds" in err.message
    err = refused(t, FACILITATOR, "start_game", {"surprise": 1})
    assert err.code == "invalid_args" and "surprise" in err.message


# --- settings and start --------------------------------------------------------------------


def test_the_facilitator_can_change_settings_in_the_lobby_only() -> None:
    t = Play.new(3)
    t.fac("configure", {"rounds": 2, "round_seconds": 240})
    assert (t.state.settings.rounds, t.state.settings.round_seconds) == (2, 240)
    t.fac("start_game")
    assert refused(t, FACILITATOR, "configure", {"rounds": 1}).code == "invalid_phase"


def test_a_game_needs_three_players() -> None:
    t = Play.new(2)
    err = refused(t, FACILITATOR, "start_game")
    assert err.code == "invalid_phase" and "3" in err.message


def test_up_to_six_players_everyone_plays_alone() -> None:
    t = Play.new(6)
    t.fac("start_game")
    assert [u.members for u in t.state.units.values()] == [(f"p{i}",) for i in range(1, 7)]


@pytest.mark.parametrize("n", [7, 8, 9, 10, 11, 12])
def test_seven_to_twelve_players_play_in_duos_with_one_solo_for_odd_counts(n: int) -> None:
    t = Play.new(n)
    t.fac("start_game")
    sizes = sorted(len(u.members) for u in t.state.units.values())
    assert len(sizes) == (n + 1) // 2
    assert sizes.count(1) == n % 2 and sizes.count(2) == n // 2
    seated = sorted(m for u in t.state.units.values() for m in u.members)
    assert seated == sorted(t.state.players)


def test_duos_pair_different_organisations_when_they_can() -> None:
    orgs = ["Gemeente", "Gemeente", "GGD", "GGD", "School", "School", "Bibliotheek", "Bibliotheek"]
    for seed in range(20):
        t = Play.new(8, orgs=orgs, seed=seed)
        t.fac("start_game")
        for u in t.state.units.values():
            a, b = (t.state.players[m].organisation for m in u.members)
            assert a != b


def test_a_round_without_consensus_is_refused_with_six_units() -> None:
    t = Play.new(12, no_consensus_round=2)
    err = refused(t, FACILITATOR, "start_game")
    assert err.code == "invalid_args" and "fewer than 6 units" in err.message
    t.fac("configure", {"no_consensus_round": 0})
    t.fac("start_game")
    assert t.state.phase == "choosing"


def test_more_rounds_than_units_can_hold_the_consensus_card_are_refused() -> None:
    t = Play.new(3, rounds=4)
    err = refused(t, FACILITATOR, "start_game")
    assert err.code == "invalid_args" and "3 rounds" in err.message
    t.fac("configure", {"no_consensus_round": 2})
    t.fac("start_game")  # 3 consensus rounds + 1 without: possible


def test_rounds_cannot_outnumber_the_assignment_cards() -> None:
    with pytest.raises(Refusal) as info:
        Play.new(3, rounds=4, no_consensus_round=5)
    assert info.value.code == "invalid_args"


# --- choosing ------------------------------------------------------------------------------


def test_the_picker_rotates_and_only_the_picker_may_pick() -> None:
    t = Play.new(4)
    t.fac("start_game")
    assert t.state.picker == "p1"
    err = refused(t, seat("p2"), "pick_opdracht", {"slot": 0})
    assert err.code == "forbidden" and "Speler 1" in err.message
    t.player("p1", "pick_opdracht", {"slot": 2})
    assert t.state.phase == "reading" and t.state.opdracht is not None
    for uid in t.state.units:
        t.player(t.unit_member(uid), "ready")
    t.fac("start_timer")
    t.fac("end_discussion")
    t.fac("record_decision", {"text": "Karten", "reached": "partly"})
    t.fac("next_round")
    assert t.state.picker == "p2"


def test_a_slot_outside_the_face_down_cards_is_refused() -> None:
    t = Play.new(3)
    t.fac("start_game")
    err = refused(t, seat("p1"), "pick_opdracht", {"slot": 6})
    assert err.code == "invalid_args" and "6 cards" in err.message


def test_the_facilitator_may_choose_a_card_or_draw_one_but_never_one_used_before() -> None:
    t = Play.new(3)
    t.fac("start_game")
    t.fac("set_picker", {"player_id": "p3"})
    assert t.state.picker == "p3"
    t.fac("choose_opdracht", {"opdracht_id": "keuken"})
    assert t.state.opdracht == "keuken"
    t.fac("start_timer")
    t.fac("end_discussion")
    t.fac("record_decision", {"text": "Bij de GGD", "reached": "yes"})
    t.fac("next_round")
    err = refused(t, FACILITATOR, "choose_opdracht", {"opdracht_id": "keuken"})
    assert err.code == "invalid_args" and "already played" in err.message
    assert (
        refused(t, FACILITATOR, "choose_opdracht", {"opdracht_id": "nope"}).code == "invalid_args"
    )
    t.fac("choose_opdracht")
    assert t.state.opdracht not in (None, "keuken")


def test_custom_assignment_cards_join_the_deck() -> None:
    t = Play.new(3, custom_opdrachten=[{"text": "Welke subsidie vragen we aan?"}])
    t.fac("start_game")
    t.fac("choose_opdracht", {"opdracht_id": "eigen-1"})
    assert t.view_of(seat("p1"))["opdracht"] == {
        "id": "eigen-1",
        "text": "Welke subsidie vragen we aan?",
    }


def test_swaps_exchange_two_players_between_units_before_the_deal() -> None:
    t = Play.new(8)
    t.fac("start_game")
    a, b = t.state.units["u1"].members[0], t.state.units["u2"].members[0]
    t.fac("swap_players", {"a": a, "b": b})
    assert b in t.state.units["u1"].members and a in t.state.units["u2"].members
    assert t.state.players[a].unit == "u2"
    mate = t.state.units["u1"].members[1]
    assert refused(t, FACILITATOR, "swap_players", {"a": b, "b": mate}).code == "invalid_args"
    t.fac("choose_opdracht")
    assert refused(t, FACILITATOR, "swap_players", {"a": a, "b": b}).code == "invalid_phase"


# --- reading -------------------------------------------------------------------------------


def test_each_unit_gets_one_card_and_both_duo_members_see_it() -> None:
    t = Play.new(7)
    t.fac("start_game")
    t.fac("choose_opdracht")
    for unit in t.state.units.values():
        for member in unit.members:
            mine = [u for u in t.view_of(seat(member))["units"] if u["strategy"]]
            assert [(u["id"], u["strategy"]["id"]) for u in mine] == [(unit.id, unit.strategy)]


def test_either_duo_member_marks_the_unit_ready_once() -> None:
    t = Play.new(8)
    t.fac("start_game")
    t.fac("choose_opdracht")
    a, b = t.state.units["u1"].members
    assert len(t.player(a, "ready")) == 1
    assert t.player(b, "ready") == []
    assert t.state.units["u1"].ready and not t.state.units["u2"].ready
    assert "not_all_ready" in t.view_of(FACILITATOR)["hints"]


def test_cards_are_laid_open_only_in_the_open_card_round_and_only_by_their_unit() -> None:
    t = Play.new(3, rounds=2)
    t.fac("start_game")
    t.fac("choose_opdracht")
    assert refused(t, seat("p1"), "reveal", {"unit_id": "u1"}).code == "invalid_phase"
    t.fac("start_timer")
    t.fac("end_discussion")
    t.fac("record_decision", {"text": "x", "reached": "no"})
    t.fac("next_round")
    t.fac("choose_opdracht")
    owner = t.unit_member("u1")
    other = t.unit_member("u2")
    assert refused(t, seat(other), "reveal", {"unit_id": "u1"}).code == "forbidden"
    err = refused(t, FACILITATOR, "start_timer")
    assert err.code == "invalid_phase" and "u1" in err.message
    t.player(owner, "reveal", {"unit_id": "u1"})
    seen = {u["id"]: u["strategy"] for u in t.view_of(SCREEN)["units"]}
    assert seen["u1"]["id"] == t.state.units["u1"].strategy and seen["u2"] is None
    t.fac("reveal", {"unit_id": "u2"})
    t.fac("reveal", {"unit_id": "u3"})
    t.fac("start_timer")
    assert t.state.phase == "discussing"


def test_without_the_open_card_setting_the_last_round_stays_closed() -> None:
    t = Play.new(3, rounds=1, open_card_last_round=False)
    t.fac("start_game")
    t.fac("choose_opdracht")
    assert t.view_of(SCREEN)["open_card"] is False
    t.fac("start_timer")  # no reveal needed


# --- timer ---------------------------------------------------------------------------------


def _discussing(players: int, **settings: object) -> Play:
    t = Play.new(players, **settings)  # type: ignore[arg-type]
    t.fac("start_game")
    t.fac("choose_opdracht")
    if t.state.open_card:
        for uid in t.state.units:
            t.fac("reveal", {"unit_id": uid})
    t.fac("start_timer")
    return t


def test_a_round_lasts_three_minutes_up_to_six_players_and_five_from_seven() -> None:
    assert _discussing(6).state.timer.duration_ms == 180_000
    assert _discussing(7).state.timer.duration_ms == 300_000
    assert _discussing(7, round_seconds=600).state.timer.duration_ms == 600_000


def test_everyone_is_warned_once_one_minute_before_the_end_then_time_is_up() -> None:
    t = _discussing(4)
    assert t.tick(119_999) == []
    [warning] = t.tick(1)
    assert warning.type == "warning_given" and t.view_of(SCREEN)["timer"]["warned"]
    assert t.tick(59_999) == []
    [up] = t.tick(1)
    assert up.type == "time_up" and t.state.phase == "deciding"
    assert t.view_of(SCREEN)["timer"]["status"] == "expired"
    assert t.tick(600_000) == []


def test_a_server_that_was_down_past_the_deadline_skips_the_stale_warning() -> None:
    t = _discussing(4)
    [only] = t.tick(500_000)
    assert only.type == "time_up"


def test_pause_keeps_the_remaining_time_and_resume_sets_a_new_deadline() -> None:
    t = _discussing(4)
    t.tick(30_000)
    t.fac("pause_timer")
    assert t.view_of(SCREEN)["timer"] | {} == {
        "status": "paused",
        "duration_ms": 180_000,
        "remaining_ms": 150_000,
        "deadline": None,
        "warned": False,
    }
    t.tick(1_000_000)
    assert t.state.phase == "discussing"
    assert refused(t, FACILITATOR, "pause_timer").code == "invalid_phase"
    t.fac("resume_timer")
    assert t.state.timer.deadline == t.now + 150_000
    assert refused(t, FACILITATOR, "resume_timer").code == "invalid_phase"


def test_extending_moves_the_deadline() -> None:
    t = _discussing(4)
    deadline = t.state.timer.deadline
    t.fac("extend_timer", {"seconds": 90})
    assert t.state.timer.deadline == deadline + 90_000
    assert t.view_of(SCREEN)["timer"]["remaining_ms"] == 270_000


def test_the_facilitator_can_end_the_discussion_early() -> None:
    t = _discussing(4)
    t.tick(100_000)
    t.fac("end_discussion")
    assert t.state.phase == "deciding" and t.state.current.discussion_ms == 100_000
    assert refused(t, FACILITATOR, "end_discussion").code == "invalid_phase"


def test_a_command_after_the_deadline_first_records_time_up() -> None:
    t = _discussing(4)
    t.now += 200_000
    events = t.fac("record_decision", {"text": "Zeilen", "reached": "yes"})
    assert [e.type for e in events] == ["time_up", "decision_recorded"]


def test_the_clock_scale_shortens_rounds_and_the_warning() -> None:
    t = Play.new(4, time_scale=60.0)
    t.fac("start_game")
    t.fac("choose_opdracht")
    t.fac("start_timer")
    assert t.state.timer.duration_ms == 3_000 and t.state.timer.warn_ms == 1_000


# --- deciding and reflecting ---------------------------------------------------------------


def test_decision_support_and_reflection_after_a_round_before_the_last() -> None:
    t = _discussing(4)
    t.fac("end_discussion")
    assert refused(t, FACILITATOR, "next_prompt").code == "invalid_phase"
    t.fac("record_decision", {"text": "Museum", "reached": "partly"})
    t.player("p1", "support", {"value": "yes"})
    t.player("p2", "support", {"value": "no"})
    t.player("p2", "support", {"value": "partly"})
    assert t.view_of(SCREEN)["decision"] == {"text": "Museum", "reached": "partly"}
    assert t.view_of(SCREEN)["support_counts"] == {"yes": 1, "partly": 1}
    assert t.view_of(FACILITATOR)["supports"] == {"p1": "yes", "p2": "partly"}
    assert t.view_of(seat("p2"))["me"]["support"] == "partly"
    seen = []
    for _ in range(3):
        t.fac("next_prompt")
        seen.append(t.view_of(SCREEN)["prompt"])
    assert [(p["id"], p["index"], p["count"]) for p in seen] == [
        ("in-spel-1", 1, 3),
        ("in-spel-2", 2, 3),
        ("in-spel-3", 3, 3),
    ]
    assert seen[0]["text"].startswith("Lukte het om tot een gezamenlijk besluit te komen?")
    err = refused(t, FACILITATOR, "next_prompt")
    assert err.code == "invalid_phase" and "next round" in err.message


def test_after_the_last_round_come_over_het_spel_then_uit_het_spel() -> None:
    t = _discussing(4, rounds=1, language="en")
    t.fac("end_discussion")
    t.fac("record_decision", {"text": "Sailing", "reached": "yes"})
    ids = []
    for _ in range(11):
        t.fac("next_prompt")
        ids.append(t.view_of(SCREEN)["prompt"]["id"])
    assert ids == [f"over-spel-{i}" for i in range(1, 6)] + [f"uit-spel-{i}" for i in range(1, 7)]
    assert t.view_of(SCREEN)["prompt"]["count"] == 11
    assert refused(t, FACILITATOR, "next_round").code == "invalid_phase"
    t.fac("end_game")
    assert t.state.phase == "ended"
    assert refused(t, FACILITATOR, "end_game").code == "invalid_phase"


def test_answers_are_named_or_anonymous_editable_and_shown_by_choice() -> None:
    t = _discussing(4)
    t.fac("end_discussion")
    t.fac("record_decision", {"text": "x", "reached": "yes"})
    t.fac("next_prompt")
    err = refused(t, seat("p1"), "answer", {"prompt_id": "in-spel-2", "text": "te vroeg"})
    assert err.code == "invalid_args"
    t.player("p1", "answer", {"prompt_id": "in-spel-1", "text": "Lastig"})
    t.player("p1", "answer", {"prompt_id": "in-spel-1", "text": "Lastig,\nmaar leuk"})
    t.player("p2", "answer", {"prompt_id": "in-spel-1", "text": "Geheim", "anonymous": True})
    answers = t.view_of(FACILITATOR)["answers"]
    assert [(a["text"], a["author"]) for a in answers] == [
        ("Lastig,\nmaar leuk", "Speler 1"),
        ("Geheim", None),
    ]
    assert t.view_of(SCREEN)["answers"] == []
    assert [a["text"] for a in t.view_of(seat("p3"))["answers"]] == []
    t.fac("show_answer", {"answer_id": answers[1]["id"]})
    assert [(a["text"], a["author"]) for a in t.view_of(SCREEN)["answers"]] == [("Geheim", None)]
    assert [a["text"] for a in t.view_of(seat("p3"))["answers"]] == ["Geheim"]
    assert refused(t, FACILITATOR, "show_answer", {"answer_id": "a99"}).code == "invalid_args"


def test_players_cannot_steer_the_game() -> None:
    t = _discussing(4)
    for name in [
        "pause_timer",
        "end_discussion",
        "extend_timer",
        "next_round",
        "end_game",
        "remove_player",
    ]:
        assert refused(t, seat("p1"), name, {}).code == "forbidden"


def test_commands_in_the_wrong_phase_are_refused_and_say_when_they_fit() -> None:
    t = Play.new(4)
    err = refused(t, FACILITATOR, "start_timer")
    assert err.code == "invalid_phase" and "reading" in err.message and "lobby" in err.message
    assert refused(t, seat("p1"), "ready").code == "invalid_phase"
    assert refused(t, seat("p1"), "support", {"value": "yes"}).code == "invalid_phase"


# --- removing players ----------------------------------------------------------------------


def test_removing_a_duo_member_keeps_the_unit_and_a_solo_unit_leaves_the_deal() -> None:
    t = Play.new(7)
    t.fac("start_game")
    duo = next(u for u in t.state.units.values() if len(u.members) == 2)
    solo = next(u for u in t.state.units.values() if len(u.members) == 1)
    t.fac("remove_player", {"player_id": duo.members[0]})
    t.fac("remove_player", {"player_id": solo.members[0]})
    assert len(t.state.units[duo.id].members) == 1 and solo.id not in t.state.units
    assert refused(t, seat(duo.members[0]), "ready").code == "forbidden"
    [_, dealt] = t.fac("choose_opdracht")
    assert isinstance(dealt, StrategiesDealt) and set(dealt.deal) == set(t.state.units)


def test_a_removed_player_who_tries_the_code_again_waits_for_the_facilitator() -> None:
    t = Play.new(3)
    t.fac("remove_player", {"player_id": "p2"})
    [knock] = t.do(Actor(None), "join", {"name": "speler 2", "token_hash": "again"})
    assert knock.type == "knocked" and knock.returning  # type: ignore[union-attr]
    assert [p["name"] for p in t.view_of(FACILITATOR)["players"]] == ["Speler 1", "Speler 3"]
    waiting = t.view_of(FACILITATOR)["knocking"]
    assert [(k["name"], k["returning"]) for k in waiting] == [("speler 2", True)]
    [joined] = t.fac("admit", {"knock_id": waiting[0]["id"]})
    assert joined.player_id == "p4" and t.state.players["p4"].token_hash == "again"  # type: ignore[union-attr]
    assert t.view_of(FACILITATOR)["knocking"] == []


def test_a_locked_table_lets_newcomers_in_one_by_one_or_turns_them_away() -> None:
    t = Play.new(3)
    t.fac("lock_joining", {"locked": True})
    assert t.view_of(seat("p1"))["locked"] is True
    for name in ("Dirk", "Eva"):
        t.do(Actor(None), "join", {"name": name, "token_hash": f"h-{name}"})
    assert len(t.state.players) == 3
    assert refused(t, Actor(None), "join", {"name": "dirk", "token_hash": "x"}).code == "name_taken"
    assert "knocking" not in t.view_of(seat("p1"))  # players do not see who waits
    dirk, eva = (k["id"] for k in t.view_of(FACILITATOR)["knocking"])
    t.fac("admit", {"knock_id": dirk})
    t.fac("refuse", {"knock_id": eva})
    assert [p.name for p in t.state.players.values()][-1] == "Dirk"
    assert "h-Eva" not in {p.token_hash for p in t.state.players.values()}
    assert refused(t, FACILITATOR, "admit", {"knock_id": eva}).reason == "no_such_knock"
    t.fac("lock_joining", {"locked": False})
    assert t.join("Femke") == "p5"
    assert refused(t, seat("p1"), "lock_joining", {"locked": True}).code == "forbidden"


def test_the_discussion_waits_for_a_player_given_more_time_to_read() -> None:
    t = Play.new(4)
    t.fac("give_reading_time", {"player_id": "p2"})
    assert t.view_of(seat("p2"))["me"]["more_time"] is True
    assert t.view_of(seat("p1"))["me"]["more_time"] is False
    assert t.view_of(FACILITATOR)["given_time"] == ["p2"]
    t.fac("start_game")
    t.fac("choose_opdracht")
    no = refused(t, FACILITATOR, "start_timer")
    assert no.reason == "still_reading" and no.params["names"] == ["Speler 2"]
    t.player("p2", "ready")
    t.fac("start_timer")  # the others may still read: only p2 was given time
    assert t.state.phase == "discussing"


def test_everyone_given_time_the_discussion_waits_for_all_unless_started_anyway() -> None:
    t = Play.new(3, open_card_last_round=False)
    t.fac("start_game")
    t.fac("choose_opdracht")
    t.fac("give_reading_time", {"player_id": None})
    assert t.view_of(seat("p1"))["more_time"] is True
    t.player("p1", "ready")
    no = refused(t, FACILITATOR, "start_timer")
    assert sorted(no.params["names"]) == ["Speler 2", "Speler 3"]
    t.fac("start_timer", {"anyway": True})
    assert t.state.phase == "discussing"


# --- secrecy in views ----------------------------------------------------------------------


def test_players_and_the_screen_see_no_other_units_card_nor_the_no_consensus_round() -> None:
    t = Play.new(5, no_consensus_round=2)
    t.fac("start_game")
    t.fac("choose_opdracht")
    for pid in t.state.players:
        v = t.view_of(seat(pid))
        others = [u for u in v["units"] if u["id"] != v["me"]["unit"]]
        assert all(u["strategy"] is None for u in others)
        assert "settings" not in v and "history" not in v and "supports" not in v
    assert all(u["strategy"] is None for u in t.view_of(SCREEN)["units"])
    facilitator = t.view_of(FACILITATOR)
    assert all(u["strategy"] for u in facilitator["units"])
    assert facilitator["settings"]["no_consensus_round"] == 2
    assert all(u["strategy"] for u in t.view_of(Actor("trainer"))["units"])


def test_consensus_card_is_dealt_every_round_unless_left_out() -> None:
    t = Play.new(5, rounds=4, no_consensus_round=3, open_card_last_round=False)
    t.play_game()
    deals = [e.deal for e in t.events if isinstance(e, StrategiesDealt)]
    assert [CONSENSUS in d.values() for d in deals] == [True, True, False, True]
    for uid in t.state.units:
        held = [d[uid] for d in deals]
        assert len(set(held)) == 4 and set(held) <= set(STRATEGY_IDS)


def test_the_history_gives_trainers_each_round_with_its_deal_and_timings() -> None:
    t = Play.new(4)
    t.play_game()
    history = t.view_of(Actor("trainer"))["history"]
    assert [h["round"] for h in history] == [1, 2, 3]
    assert all(h["decision"]["text"] == f"Besluit {h['round']}" for h in history)
    assert all(h["discussion_ms"] == 180_000 and h["discussion_started_at"] >= T0 for h in history)
    assert all(len(h["deal"]) == 4 for h in history)


# --- the last gaps (issue 10): no card twice for a player, no crash, fixed round length ----


def _to_next_round(t: Play) -> None:
    t.fac("start_timer")
    t.fac("end_discussion")
    t.fac("record_decision", {"text": "x", "reached": "yes"})
    t.fac("next_round")


def test_a_swap_never_gives_a_player_a_strategy_they_held_before() -> None:
    t = Play.new(3, seed=5)
    t.fac("start_game")
    t.fac("choose_opdracht")
    first = t.state.units[t.state.players["p1"].unit or ""].strategy
    _to_next_round(t)
    t.fac("swap_players", {"a": "p1", "b": "p2"})
    [_, dealt] = t.fac("choose_opdracht")
    assert isinstance(dealt, StrategiesDealt) and not dealt.relaxed
    assert dealt.deal[t.state.players["p1"].unit or ""] != first
    for player in t.state.players.values():
        assert len(set(player.history)) == len(player.history), player


def test_removing_everyone_is_refused_with_a_reason_not_a_crash() -> None:
    t = Play.new(3)
    t.fac("start_game")
    t.fac("remove_player", {"player_id": "p1"})
    assert "fewer_than_3_players" in t.view_of(FACILITATOR)["hints"]
    t.fac("remove_player", {"player_id": "p2"})
    t.fac("remove_player", {"player_id": "p3"})
    err = refused(t, FACILITATOR, "choose_opdracht")
    assert (err.code, err.reason) == ("invalid_phase", "nobody_left")
    t.fac("end_game")


def test_the_round_length_is_fixed_when_the_game_starts() -> None:
    t = Play.new(7)
    t.fac("start_game")
    t.fac("remove_player", {"player_id": "p7"})
    t.fac("choose_opdracht")
    t.fac("start_timer")
    assert t.state.timer.duration_ms == 300_000  # 7 at the start: five minutes, still in duos


def test_a_removed_players_support_no_longer_counts() -> None:
    t = _discussing(4)
    t.fac("end_discussion")
    t.fac("record_decision", {"text": "Museum", "reached": "yes"})
    t.player("p1", "support", {"value": "no"})
    t.player("p2", "support", {"value": "yes"})
    t.fac("remove_player", {"player_id": "p1"})
    assert t.view_of(SCREEN)["support_counts"] == {"yes": 1}


def test_support_waits_for_the_decision() -> None:
    t = _discussing(4)
    t.fac("end_discussion")
    err = refused(t, seat("p1"), "support", {"value": "yes"})
    assert (err.code, err.reason) == ("invalid_phase", "no_decision")


def test_removing_the_picker_passes_the_turn_on() -> None:
    t = Play.new(4)
    t.fac("start_game")
    assert t.state.picker == "p1"
    t.fac("remove_player", {"player_id": "p1"})
    assert t.state.picker == "p2"
    t.player("p2", "pick_opdracht", {"slot": 0})
    assert t.state.phase == "reading"


def _reflecting(players: int = 4) -> Play:
    t = _discussing(players)
    t.fac("end_discussion")
    t.fac("record_decision", {"text": "x", "reached": "yes"})
    t.fac("next_prompt")
    return t


def test_shown_answers_leave_the_screen_at_the_next_question_and_after_the_game() -> None:
    t = _reflecting()
    t.player("p1", "answer", {"prompt_id": "in-spel-1", "text": "Lastig"})
    [answer] = t.view_of(FACILITATOR)["answers"]
    t.fac("show_answer", {"answer_id": answer["id"]})
    assert [a["text"] for a in t.view_of(SCREEN)["answers"]] == ["Lastig"]
    t.fac("next_prompt")
    assert t.view_of(SCREEN)["answers"] == []
    assert [a["text"] for a in t.view_of(seat("p2"))["answers"]] == []
    t.fac("end_game")
    err = refused(t, FACILITATOR, "show_answer", {"answer_id": answer["id"]})
    assert err.code == "invalid_phase"


def test_an_anonymous_answer_is_unsigned_in_the_log_yet_its_author_can_edit_it() -> None:
    t = _reflecting()
    [given] = t.player(
        "p2", "answer", {"prompt_id": "in-spel-1", "text": "Geheim", "anonymous": True}
    )
    assert given.player_id is None and "p2" not in given.model_dump_json()
    t.player("p2", "answer", {"prompt_id": "in-spel-1", "text": "Nog geheimer", "anonymous": True})
    [answer] = t.view_of(FACILITATOR)["answers"]
    assert (answer["text"], answer["author"]) == ("Nog geheimer", None)
    assert [a["mine"] for a in t.view_of(seat("p2"))["answers"]] == [True]
    assert t.view_of(seat("p3"))["answers"] == []
    # a facilitator's replay "as p2" has no key of p2's token: nothing points at p2
    assert t.view_of(Actor("player", "p2"))["answers"] == []
    err = refused(
        t, seat("p2"), "answer", {"prompt_id": "in-spel-1", "text": "Ik", "anonymous": False}
    )
    assert err.reason == "anonymity_fixed"


def test_look_alike_and_invisible_names_cannot_share_a_table() -> None:
    t = Play.new()
    t.join("Speler1")
    for twin in ["Speler1\u200b", "Sp\u0435ler1", "\u202eSpeler1", "SPELER1", "Spelerl", "SpelerI"]:
        err = refused(t, Actor(None), "join", {"name": twin, "token_hash": "x"})
        assert err.code == "name_taken", twin
    pid = t.join("Speler\u200b2\u202e")
    assert t.state.players[pid].name == "Speler2"


def test_custom_assignment_cards_are_cleaned_like_names() -> None:
    t = Play.new(3, custom_opdrachten=[{"text": "Welke \u202esubsidie\u200b vragen we aan?"}])
    assert t.state.deck.opdracht("eigen-1").text == "Welke subsidie vragen we aan?"


def test_each_viewer_reads_the_cards_in_their_own_language() -> None:
    t = Play.new(3, custom_opdrachten=[{"text": "Eigen kaart"}])
    t.fac("start_game")
    t.fac("choose_opdracht", {"opdracht_id": "keuken"})
    en, nl = t.view(seat("p1"), "en"), t.view(seat("p1"), "nl")
    assert en["language"] == "en" and "behind the scenes" in en["opdracht"]["text"]
    assert "kijkje in elkaars keuken" in nl["opdracht"]["text"]
    card = t.state.units[t.state.players["p1"].unit or ""].strategy
    mine = {v["language"]: next(u for u in v["units"] if u["strategy"]) for v in (en, nl)}
    assert mine["en"]["strategy"]["id"] == mine["nl"]["strategy"]["id"] == card
    assert mine["en"]["strategy"]["text"] != mine["nl"]["strategy"]["text"]
    left = {o["id"]: o["text"] for o in t.view(FACILITATOR, "en")["opdrachten_left"]}
    assert left["eigen-1"] == "Eigen kaart"


def test_the_ending_shows_everyone_who_held_which_card_and_not_before() -> None:
    t = Play.new(4, rounds=2)
    t.fac("start_game")
    t.play_round("Museum", "partly")
    t.player("p1", "support", {"value": "yes"})
    assert t.view_of(SCREEN)["summary"] is None
    t.fac("next_round")
    t.play_round("Varen")
    t.fac("end_game")
    for viewer in (SCREEN, seat("p2")):
        summary = t.view_of(viewer)["summary"]
        assert [r["round"] for r in summary] == [1, 2]
        first = summary[0]
        assert first["decision"] == {"text": "Museum", "reached": "partly"}
        assert first["support_counts"] == {"yes": 1}
        dealt = {d["unit"]: d["strategy"]["id"] for d in first["deal"]}
        assert dealt == dict(t.state.rounds[0].deal)
        assert [d["names"] for d in first["deal"]] == [
            ["Speler 1"],
            ["Speler 2"],
            ["Speler 3"],
            ["Speler 4"],
        ]
        assert summary[1]["open_card"] and not first["open_card"]
