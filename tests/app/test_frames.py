"""The state frame every socket gets is exactly `view()` for that viewer, although the server
serialises its parts once per group of viewers and joins them: over random games, for every
viewer and language."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from app.service.frames import state_frames
from game import FACILITATOR, Actor, view
from tests.game.play import Play, seat
from tests.game.test_properties import progress, tables


def viewers(t: Play) -> list[Actor]:
    players = [seat(pid) for pid in t.state.players]
    return [FACILITATOR, Actor("screen"), Actor("trainer"), *players, Actor("player", "p1")]


def check_frames(t: Play, online: set[str]) -> None:
    frame = state_frames(t.state, t.now, online)
    for actor in viewers(t):
        for language in (None, "nl", "en"):
            sent = json.loads(frame(actor, language))
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
    while t.state.phase != "ended":
        online = set(data.draw(st.sets(st.sampled_from([*t.state.players, "p99"]))))
        check_frames(t, online)
        actor, name, args = progress(t)
        t.do(actor, name, args)
        if t.state.phase == "reflecting" and t.state.players:
            pid = data.draw(st.sampled_from(list(t.state.players)))
            prompt = t.view_of(FACILITATOR)["prompt"]
            if prompt and data.draw(st.booleans()):
                t.player(
                    pid, "answer", {"prompt_id": prompt["id"], "text": "Ja", "anonymous": True}
                )
    check_frames(t, set())
