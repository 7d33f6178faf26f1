"""The state frame every socket gets is exactly `view()` for that viewer, although the server
serialises its parts once per group of viewers and joins them; and the patches that follow it,
applied in turn as a page applies them, give exactly the viewer's latest `view()` too: over
random games, for every viewer and language."""

import contextlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from app.service.frames import Held, Moment
from game import FACILITATOR, Actor, Refusal, view
from game.view import Kept, keep
from tests.game.play import Play, seat
from tests.game.test_properties import progress, tables
from tests.viewing import Follower


def viewers(t: Play) -> list[Actor]:
    players = [seat(pid) for pid in t.state.players]
    return [FACILITATOR, Actor("screen"), Actor("trainer"), *players, Actor("player", "p1")]


def check_frames(t: Play, online: set[str], kept: Kept) -> None:
    moment = Moment(t.state, t.now, online, kept)
    for actor in viewers(t):
        for language in (None, "nl", "en"):
            sent = json.loads(moment.full(actor, language))
            assert (sent["type"], sent["version"], sent["server_now"]) == (
                "state",
                t.state.version,
                t.now,
            )
            expected = json.loads(json.dumps(view(t.state, actor, t.now, online, language)))
            assert sent["view"] == expected, (actor, language)


@settings(max_examples=60, deadline=None)
@given(t=tables(), data=st.data())
def test_every_frame_is_the_viewers_view(t: Play, data: st.DataObject) -> None:
    kept: Kept = {}  # from frame to frame, as a table keeps them
    while t.state.phase != "ended":
        online = set(data.draw(st.sets(st.sampled_from([*t.state.players, "p99"]))))
        check_frames(t, online, kept)
        actor, name, args = progress(t)
        t.do(actor, name, args)
        if t.state.phase == "reflecting" and t.state.players:
            pid = data.draw(st.sampled_from(list(t.state.players)))
            prompt = t.view_of(FACILITATOR)["prompt"]
            if prompt and data.draw(st.booleans()):
                t.player(
                    pid, "answer", {"prompt_id": prompt["id"], "text": "Ja", "anonymous": True}
                )
    check_frames(t, set(), kept)


def expected(t: Play, actor: Actor, online: set[str], language: str | None) -> object:
    return json.loads(json.dumps(view(t.state, actor, t.now, online, language)))


@settings(max_examples=40, deadline=None)
@given(t=tables(), data=st.data())
def test_patches_applied_in_turn_give_each_viewers_view(t: Play, data: st.DataObject) -> None:
    """Every viewer follows a whole game frame by frame, as a page does; now and then its outbox
    is backed up (the full view goes instead). After each frame it holds exactly its view."""
    followed = [(a, lang, Held(), Follower()) for a in viewers(t) for lang in (None, "en")]
    kept: Kept = {}  # from frame to frame, as a table keeps them

    def frames() -> None:
        online = set(data.draw(st.sets(st.sampled_from([*t.state.players, "p99"]))))
        moment = Moment(t.state, t.now, online, kept)
        for actor, language, held, follower in followed:
            room = data.draw(st.booleans()) or data.draw(st.booleans())  # backed up: 1 in 4
            frame = moment.next(actor, language, held, room)
            if frame is None:  # nothing this viewer sees changed
                assert follower.view == expected(t, actor, online, language)
                continue
            sent = json.loads(frame)
            assert follower.take(sent)["view"] == expected(t, actor, online, language), actor
            assert sent["version"] == t.state.version and sent["server_now"] == t.now

    while True:
        frames()
        if t.state.phase == "ended":
            break
        actor, name, args = progress(t)
        t.do(actor, name, args)
        frames()  # the step alone, then what players did after it in a frame of its own
        by_players(t, data)


def by_players(t: Play, data: st.DataObject) -> None:
    """What players do beside the game's steps: stand behind the decision, guess another unit's
    card and answer the question (their own parts change, which the server may otherwise skip
    building)."""
    prompt = t.view_of(FACILITATOR)["prompt"] if t.state.phase == "reflecting" else None
    for pid in list(t.state.players):  # one kind of change per frame, so none hides another
        with contextlib.suppress(Refusal):  # not now, or not for this player
            if prompt:
                t.player(pid, "answer", {"prompt_id": prompt["id"], "text": "Ja",
                                         "anonymous": data.draw(st.booleans())})  # fmt: skip
            elif data.draw(st.booleans()):
                t.player(pid, "support", {"value": data.draw(st.sampled_from(["yes", "no"]))})
            else:
                unit = data.draw(st.sampled_from(sorted(t.state.units)))
                card = data.draw(st.sampled_from([c.id for c in t.state.deck.strategies]))
                t.player(pid, "guess", {"unit_id": unit, "strategy_id": card})


def test_a_patch_carries_the_change_and_a_change_of_everything_goes_whole() -> None:
    t = Play.new(8)
    t.fac("start_game")
    held, follower = Held(), Follower()
    whole = Moment(t.state, t.now, set()).full(FACILITATOR, None, held)
    follower.take(json.loads(whole))
    patch = Moment(t.state, t.now, {"p3"}).next(FACILITATOR, None, held, room=True)
    assert patch is not None and len(patch) < len(whole) / 10, (len(patch), len(whole))
    frame = json.loads(patch)
    assert frame["type"] == "patch" and frame["ops"] == [[["players", 2, "connected"], True]]
    assert follower.take(frame)["view"] == expected(t, FACILITATOR, {"p3"}, None)
    # the same presence again: nothing this viewer sees changed, so nothing is sent
    assert Moment(t.state, t.now, {"p3"}).next(FACILITATOR, None, held, room=True) is None
    # a patch that would be larger than the view (here: another session's view altogether)
    other = Play.new(2, session_id="s2", seed=3, language="en")
    frame = json.loads(Moment(other.state, t.now, set()).next(FACILITATOR, None, held, True) or "")
    assert frame["type"] == "state" and frame["seq"] > json.loads(patch)["seq"]
    assert follower.take(frame)["view"] == expected(other, FACILITATOR, set(), None)


def test_viewers_who_see_the_same_change_get_one_and_the_same_frame() -> None:
    """A phone coming online changes only what everyone sees: every viewer holding the same
    frame gets the same patch, made once (the socket layer then frames those bytes once)."""
    t = Play.new(8)
    t.fac("start_game")
    everyone = viewers(t)
    held = [Held() for _ in everyone]
    first = Moment(t.state, t.now, set())
    for actor, h in zip(everyone, held, strict=True):
        first.full(actor, None, h)
    moment = Moment(t.state, t.now, {"p3"})
    frames = [
        moment.next(actor, None, h, room=True) for actor, h in zip(everyone, held, strict=True)
    ]
    assert len({id(f) for f in frames}) == 1, "one frame for all"
    assert json.loads(frames[0] or "")["ops"] == [[["players", 2, "connected"], True]]


def test_a_kept_piece_is_taken_again_only_for_the_very_same_inputs() -> None:
    """A guess taken back and given again leaves equal guesses in another order: the
    facilitator's log must follow `view()`'s order, so equal is not enough, only the same."""
    kept: Kept = {}
    first, reordered = {"u2": "c1", "u3": "c2"}, {"u3": "c2", "u2": "c1"}
    assert keep(kept, "log", (first,), lambda: list(first)) == ["u2", "u3"]
    assert keep(kept, "log", (reordered,), lambda: list(reordered)) == ["u3", "u2"]
    assert keep(kept, "log", (reordered,), lambda: ["built again"]) == ["u3", "u2"]
