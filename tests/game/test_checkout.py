"""The closing check-out: the deck's questions are asked once the game has ended, each player's
answers stay anonymous (a mark only their own token makes again), a question answered again
takes the later answer, and the staff see the answers counted, never by name."""

import pytest

from cards import load_decks
from game import FACILITATOR, Actor, Refusal, Settings, create_session, evolve, view
from game.deck import CheckoutQuestion, Deck
from game.events import public_dict
from tests.game.play import T0, Play, seat

QUESTIONS = (
    CheckoutQuestion(id="nuttig", kind="scale", text="Hoe nuttig was dit spel?"),
    CheckoutQuestion(id="meenemen", kind="line", text="Wat neem je mee?"),
)


def _decks() -> dict[str, Deck]:
    return {
        lang: deck.model_copy(update={"checkout": QUESTIONS})
        for lang, deck in load_decks("standaard").items()
    }


def _ended(players: int = 3) -> Play:
    created = create_session(
        session_id="s1", join_code="ABC234", settings=Settings(rounds=1), decks=_decks(), seed=3,
        time_scale=1.0, token_hashes={"facilitator": "f", "screen": "s", "trainer": "t"}, now=T0,
    )  # fmt: skip
    t = Play(evolve(None, created), [created], T0)
    for i in range(players):
        t.join(f"Speler {i + 1}")
    t.fac("start_game")
    t.fac("end_game")
    return t


def test_the_check_out_is_asked_only_once_the_game_has_ended() -> None:
    created = create_session(
        session_id="s1", join_code="ABC234", settings=Settings(rounds=1), decks=_decks(), seed=3,
        time_scale=1.0, token_hashes={"facilitator": "f"}, now=T0,
    )  # fmt: skip
    t = Play(evolve(None, created), [created], T0)
    t.join("Anna")
    assert view(t.state, seat("p1"), T0)["checkout"] is None
    with pytest.raises(Refusal) as early:
        t.player("p1", "check_out", {"answers": {"nuttig": 4}})
    assert early.value.code == "invalid_phase"
    t.fac("end_game")
    asked = view(t.state, seat("p1"), T0)["checkout"]
    assert asked == {
        "questions": [
            {"id": "nuttig", "kind": "scale", "text": "Hoe nuttig was dit spel?"},
            {"id": "meenemen", "kind": "line", "text": "Wat neem je mee?"},
        ],
        "given": 0,
    }


def test_answers_are_anonymous_changed_one_by_one_and_counted_for_the_staff() -> None:
    t = _ended(4)
    t.player("p1", "check_out", {"answers": {"nuttig": 4, "meenemen": "Luisteren"}})
    t.player("p2", "check_out", {"answers": {"nuttig": 2}})
    assert view(t.state, FACILITATOR, T0)["checkout_results"] == []  # two of four: too few
    t.player("p4", "check_out", {"answers": {"nuttig": 3}})
    t.player("p1", "check_out", {"answers": {"meenemen": "Beter luisteren"}})
    t.player("p1", "check_out", {"answers": {"nuttig": 5}})  # the line stays
    assert view(t.state, seat("p3"), T0)["checkout"]["given"] == 3  # type: ignore[index]
    assert view(t.state, seat("p1"), T0)["me"]["checkout"] == {
        "nuttig": 5,
        "meenemen": "Beter luisteren",
    }
    assert view(t.state, seat("p3"), T0)["me"]["checkout"] is None
    results = view(t.state, FACILITATOR, T0)["checkout_results"]
    assert results[0]["counts"] == [0, 1, 1, 0, 1] and results[0]["mean"] == 3.3
    assert results[1]["lines"] == ["Beter luisteren"] and results[1]["answered"] == 1
    assert "checkout_results" not in view(t.state, Actor("screen"), T0)
    for event in t.events[-4:]:  # nothing in the log names who answered; a download shows
        assert "Speler" not in event.model_dump_json()  # no answers, only the counts above
        assert set(public_dict(event)) <= {"type", "at", "facilitator"}


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ({"nuttig": 6}, "scale"),
        ({"nuttig": 0}, "scale"),
        ({"nuttig": "vijf"}, "scale"),
        ({"nuttig": True}, "bad_args"),
        ({"nuttig": 4.0}, "bad_args"),
        ({"meenemen": 3}, "line"),
        ({"meenemen": "x" * 201}, "line"),
        ({"anders": 3}, "not_asked"),
    ],
)
def test_a_wrong_answer_is_refused_by_name_and_changes_nothing(
    answers: dict[str, object], reason: str
) -> None:
    t = _ended()
    before = t.state
    with pytest.raises(Refusal) as refused:
        t.player("p1", "check_out", {"answers": answers})
    assert refused.value.reason == reason and t.state is before


def test_a_deck_without_check_out_and_a_player_without_own_connection_are_refused() -> None:
    t = _ended()
    with pytest.raises(Refusal) as keyless:
        t.do(Actor("player", "p1"), "check_out", {"answers": {"nuttig": 3}})
    assert keyless.value.reason == "no_answer_key"
    with pytest.raises(Refusal) as staff:
        t.fac("check_out", {"answers": {"nuttig": 3}})
    assert staff.value.code == "forbidden"
    created = create_session(
        session_id="s2", join_code="ABC235", settings=Settings(rounds=1),
        decks=load_decks("standaard"), seed=3, time_scale=1.0, token_hashes={"facilitator": "f"},
        now=T0,
    )  # fmt: skip
    plain = Play(evolve(None, created), [created], T0)
    plain.join("Anna")
    plain.fac("end_game")
    assert view(plain.state, seat("p1"), T0)["checkout"] is None
    with pytest.raises(Refusal) as none:
        plain.player("p1", "check_out", {"answers": {"nuttig": 3}})
    assert none.value.reason == "no_checkout"
