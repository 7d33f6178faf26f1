"""Snapshots: a state kept as bytes comes back equal, from any moment of any game, and one made
by other rules (an upgrade), damaged, or asking to make anything but a state's parts is not read
(the store then folds the whole log)."""

import ast
import os
import pickle
from functools import reduce
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import game
from app.stores import snapshot
from game import State, evolve, fold
from game.tables import proposal
from tests.game.play import Play
from tests.game.test_checkout import _ended
from tests.game.test_properties import progress, tables
from tests.game.test_workshops import lobby
from tests.insight_set import plays


def test_guesses_answers_check_outs_and_workshops_come_back_equal() -> None:
    states = [p.state for _, p in plays()]  # guesses, support, reflections, a custom card
    t = _ended(4)
    t.player("p1", "check_out", {"answers": {"nuttig": 4, "meenemen": "Luisteren"}})
    states.append(t.state)
    w = lobby(9, tables=2)
    shown = proposal(w.state)
    w.fac("move_player", {"player_id": shown[0][0], "table": 2})
    w.fac("form_tables", {"tables": [{"session_id": f"s{i}", "players": p}
                                     for i, p in enumerate(proposal(w.state))]})  # fmt: skip
    states.append(w.state)
    for state in states:
        assert state.rounds or state.tables or state.checkouts
        assert snapshot.load(snapshot.dump(state)) == state


def test_a_snapshot_of_other_rules_damaged_or_making_anything_else_is_not_read(
    tmp_path: Path,
) -> None:
    t = Play.new(4)
    t.fac("start_game")
    kept = snapshot.dump(t.state)
    assert snapshot.load(kept) == t.state
    assert snapshot.load(b"0123456789abcdef" + kept[16:]) is None  # an older release's
    assert snapshot.load(kept[:-40]) is None
    assert snapshot.load(kept.replace(b"\nnl\n", b"\nxx\n", 1)) is None

    class Harmful:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return os.system, (f"touch {tmp_path / 'ran'}",)

    head, _, _ = kept.partition(b"\x80\x05")  # the pickled part starts with its protocol
    assert snapshot.load(head + pickle.dumps(Harmful(), protocol=5)) is None
    assert not (tmp_path / "ran").exists()
    # a class itself given attributes (pickle's BUILD on the class State): undone and refused
    rules = b"cgame.state\nState\n" + pickle.dumps((None, {"open_card": True}), 0)[:-1] + b"b."
    assert snapshot.load(head + rules) is None
    assert "open_card" not in vars(State) or isinstance(vars(State)["open_card"], property)
    assert snapshot.load(kept) == t.state and not t.state.open_card


def test_the_fingerprint_covers_every_module_a_state_is_made_of() -> None:
    folder = Path(game.__file__).parent
    todo, seen = ["state"], set()
    while todo:
        name = todo.pop()
        seen.add(name)
        for node in ast.walk(ast.parse((folder / f"{name}.py").read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("game."):
                todo += [m for m in [node.module.removeprefix("game.")] if m not in seen]
    assert {f"{name}.py" for name in seen} == set(snapshot.SHAPED_BY)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=tables(), data=st.data())
def test_a_snapshot_at_any_moment_folded_on_gives_the_same_table(
    t: Play, data: st.DataObject
) -> None:
    steps = data.draw(st.integers(0, 60), label="steps")
    while t.state.phase != "ended" and steps:
        actor, name, args = progress(t)
        if name == "next_prompt" and data.draw(st.booleans(), label="support first?"):
            for unit in list(t.state.units.values()):
                t.player(unit.members[0], "support", {"value": "partly"})
        t.do(actor, name, args)
        t.now += data.draw(st.integers(0, 400_000), label="time passes")
        t.tick(0)
        steps -= 1
    if t.state.phase == "lobby":
        t.fac("start_game")
    cut = data.draw(st.integers(1, len(t.events)), label="snapshot after")
    kept = snapshot.load(snapshot.dump(fold(t.events[:cut])))
    assert kept is not None and kept.version == cut
    assert reduce(evolve, t.events[cut:], kept) == t.state == fold(t.events)
