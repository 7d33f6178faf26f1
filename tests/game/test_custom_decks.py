"""A trainer's own deck plays by the same rules: fewer strategy cards (with consensus) mean
fewer units and a smaller table, every deal uses only the deck's cards, and a question the trainer
dropped is not asked."""

import pytest

from cards import load_decks
from game import FACILITATOR, Actor, Refusal, Settings, create_session, evolve
from game.deck import CONSENSUS, Deck
from tests.game.play import T0, Play, seat

FOUR = ("autoriteit", "eliminatie", "adequaat", CONSENSUS)


def _decks(keep: tuple[str, ...] = FOUR, drop_prompt: str | None = None) -> dict[str, Deck]:
    out = {}
    for lang, deck in load_decks("standaard").items():
        out[lang] = deck.model_copy(
            update={
                "strategies": tuple(s for s in deck.strategies if s.id in keep),
                "prompts": tuple(p for p in deck.prompts if p.id != drop_prompt),
            }
        )
    return out


def _table(players: int, decks: dict[str, Deck], **settings: object) -> Play:
    created = create_session(
        session_id="s1", join_code="ABC234", settings=Settings(**settings), decks=decks, seed=3,
        time_scale=1.0, token_hashes={"facilitator": "f", "screen": "s", "trainer": "t"}, now=T0,
    )  # fmt: skip
    t = Play(evolve(None, created), [created], T0)
    for i in range(players):
        t.join(f"Speler {i + 1}")
    return t


def test_four_strategy_cards_seat_at_most_eight_and_form_duos_from_five() -> None:
    t = _table(8, _decks(), rounds=3, open_card_last_round=False)
    with pytest.raises(Refusal) as full:
        t.do(Actor(None), "join", {"name": "Negen", "token_hash": "x"})
    assert full.value.code == "table_full" and full.value.params["seats"] == 8
    t.fac("start_game")
    assert len(t.state.units) == 4 and all(len(u.members) == 2 for u in t.state.units.values())
    held: dict[str, list[str]] = {}
    for r in range(1, 4):
        t.fac("choose_opdracht")
        deal = {uid: u.strategy for uid, u in t.state.units.items()}
        assert set(deal.values()) <= set(FOUR) and CONSENSUS in deal.values()
        for uid, card in deal.items():
            assert card not in held.setdefault(uid, []), "no unit holds a card twice"
            held[uid].append(card)  # type: ignore[arg-type]
        for pid in t.state.players:
            if not t.state.units[t.state.players[pid].unit or ""].ready:
                t.player(pid, "ready")
        t.fac("start_timer")
        t.fac("end_discussion")
        t.fac("record_decision", {"text": "Ja", "reached": "yes"})
        if r < 3:
            t.fac("next_round")


def test_four_players_at_a_four_card_deck_play_alone_and_guess_only_its_cards() -> None:
    t = _table(4, _decks(), rounds=2, open_card_last_round=False, guessing=True)
    t.fac("start_game")
    assert all(len(u.members) == 1 for u in t.state.units.values())
    t.fac("choose_opdracht")
    for pid in t.state.players:
        t.player(pid, "ready")
    t.fac("start_timer")
    t.fac("end_discussion")
    other = next(uid for uid in t.state.units if uid != t.state.players["p1"].unit)
    with pytest.raises(Refusal) as unknown:  # a card not in the deck cannot be guessed
        t.player("p1", "guess", {"unit_id": other, "strategy_id": "maximaliseren"})
    assert unknown.value.reason == "no_such_strategy"
    t.player("p1", "guess", {"unit_id": other, "strategy_id": "eliminatie"})


def test_a_dropped_question_is_not_asked() -> None:
    t = _table(3, _decks(drop_prompt="in-spel-2"), rounds=2)
    t.fac("start_game")
    t.fac("choose_opdracht")
    for pid in t.state.players:
        t.player(pid, "ready")
    t.fac("start_timer")
    t.fac("end_discussion")
    t.fac("record_decision", {"text": "Ja", "reached": "yes"})
    asked = []
    for _ in range(2):
        t.fac("next_prompt")
        asked.append(t.view_of(seat("p1"))["prompt"]["id"])
    assert asked == ["in-spel-1", "in-spel-3"]
    assert t.view_of(FACILITATOR)["prompt"]["count"] == 2
    with pytest.raises(Refusal) as last:
        t.fac("next_prompt")
    assert last.value.reason == "last_question"
