"""view(state, viewer, now, connected, language) -> View: the only way anything leaves a session.

A view is three parts: `shared_part` (the same for everyone who reads the same language),
`units_part` (the same for everyone with the same `card_access`) and `own_part` (the rest, which
depends on who looks). A broadcast builds each part once per group. The types below are the
view's shape, declared once: the protocol's models and the AsyncAPI document reuse them.

Secrecy lives here and nowhere else: a unit's strategy goes to that unit's members, the
facilitator and the trainer, and to everyone once the unit laid it open in the open-card round.
"""

import operator
from collections import Counter
from collections.abc import Callable, Collection, Hashable
from functools import partial
from typing import Annotated, Any, Literal, NotRequired, TypeVar

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict  # pydantic reads this one on Python 3.11

from game.commands import FIRST_FACILITATOR, Actor, anonymous_author
from game.deck import CheckoutKind, Deck, Opdracht
from game.events import ChosenHow, Reached
from game.guesses import can_guess, recognition
from game.prompts import prompt_ids
from game.state import Answer, Phase, RoundRecord, State, TimerStatus, Unit
from game.tables import proposal
from game.timer import remaining_ms

Language = Literal["nl", "en"]
Hint = Literal[
    "fewer_than_6_players",
    "fewer_than_3_players",
    "no_picker",
    "not_all_ready",
    "deal_relaxed",
]
_closed = with_config(ConfigDict(extra="forbid"))
T = TypeVar("T")
# pieces of a table's last views, by key: what each was made of, and the piece (see `keep`)
Kept = dict[Hashable, tuple[tuple[object, ...], Any]]


def keep(
    kept: Kept | None, key: Hashable, made_of: tuple[object, ...], build: Callable[[], T]
) -> T:
    """The piece `build` makes, taken again from `kept` while what it is made of is the very
    same objects as when it was made (the state is immutable: a part of it that did not change
    is the same object), so a broadcast does not build again what did not change, and the
    patch of an unchanged piece is found at once. Identity, not equality: an equal dict in
    another order would give a piece in the old order. `kept` holds what it compares, so no
    object it names is freed and its identity given to another."""
    if kept is None:
        return build()
    found = kept.get(key)
    if found is not None and all(map(operator.is_, found[0], made_of)):
        return found[1]  # type: ignore[no-any-return]
    piece = build()
    kept[key] = (made_of, piece)
    return piece


@_closed
class PlayerView(TypedDict):
    id: str
    name: str
    organisation: str
    connected: bool
    unit: str | None
    waiting: Annotated[bool, Field(description="Joined late: seated at the next deal")]


@_closed
class TableRefView(TypedDict):
    number: int
    session_id: str
    players: list[str]


@_closed
class WorkshopView(TypedDict):
    id: Annotated[str, Field(description="The workshop's session id (players join it by code)")]
    join_code: str
    table: Annotated[int | None, Field(description="This table's number; null in the lobby")]
    tables: Annotated[
        list[TableRefView], Field(description="The lobby's tables once formed (player ids)")
    ]


@_closed
class FacilitatorView(TypedDict):
    id: Annotated[str, Field(description="f1 created the session; f2… were added")]
    label: str


@_closed
class RemovedView(TypedDict):
    id: str
    name: str
    restorable: Annotated[bool, Field(description="No deal since the removal: restore_player")]


@_closed
class StrategyView(TypedDict):
    id: str
    title: str
    text: str


@_closed
class UnitView(TypedDict):
    id: str
    members: list[str]
    strategy: Annotated[
        StrategyView | None,
        Field(description="Only the viewer's own unit, facilitator, trainer, and revealed units"),
    ]
    revealed: bool
    ready: bool
    paper: Annotated[bool, Field(description="Plays on paper: the facilitator sets its readiness")]


@_closed
class StrategyTitleView(TypedDict):
    id: str
    title: str


@_closed
class OpdrachtView(TypedDict):
    id: str
    text: str


@_closed
class TimerView(TypedDict):
    status: TimerStatus
    duration_ms: int
    remaining_ms: int
    deadline: Annotated[int | None, Field(description="Server time (ms) the discussion ends")]
    warned: Annotated[bool, Field(description="The one-minute warning was given this round")]


@_closed
class DecisionView(TypedDict):
    text: str
    reached: Reached


@_closed
class PromptView(TypedDict):
    id: str
    text: str
    index: Annotated[int, Field(description="1-based")]
    count: Annotated[int, Field(description="3 after rounds before the last; 11 after the last")]


@_closed
class AnswerView(TypedDict):
    id: str
    round: int
    prompt_id: str
    text: str
    anonymous: bool
    author: Annotated[str | None, Field(description="Name; null when anonymous")]
    shown: Annotated[bool, Field(description="On the shared screen")]
    mine: NotRequired[Annotated[bool, Field(description="Players only: you wrote it")]]


@_closed
class KnockView(TypedDict):
    id: str
    name: str
    organisation: str
    returning: Annotated[bool, Field(description="A removed player's name came back")]
    at: int


@_closed
class MeView(TypedDict):
    player_id: str
    unit: str | None
    name: str
    more_time: Annotated[bool, Field(description="Given more time to read: the table waits")]
    support: Reached | None
    is_picker: bool
    guesses: Annotated[
        dict[str, str], Field(description="Your unit's guesses this round: unit -> strategy")
    ]
    checkout: Annotated[
        dict[str, int | str] | None,
        Field(description="Your own check-out answers (only your phone sees them)"),
    ]


@_closed
class CheckoutQuestionView(TypedDict):
    id: str
    kind: Annotated[CheckoutKind, Field(description="scale: 1 to 5; line: one line of text")]
    text: str


@_closed
class CheckoutView(TypedDict):
    questions: list[CheckoutQuestionView]
    given: Annotated[int, Field(description="How many have answered (anonymous)")]


@_closed
class CheckoutResultView(CheckoutQuestionView):
    answered: int
    counts: Annotated[list[int], Field(description="A scale question: how many chose 1 ... 5")]
    mean: Annotated[float | None, Field(description="A scale question: the mean, 1 decimal")]
    lines: Annotated[list[str], Field(description="A line question: the lines, in no order")]


@_closed
class DealView(TypedDict):
    unit: str
    members: list[str]
    strategy: str


@_closed
class GuessView(TypedDict):
    by: Annotated[str, Field(description="The guessing unit")]
    unit: str
    strategy: str


@_closed
class RecognitionView(TypedDict):
    strategy: StrategyView
    unit: str
    right: Annotated[int, Field(description="Units that guessed this unit's card right")]
    of: Annotated[int, Field(description="Units that guessed this unit's card")]


@_closed
class RoundLogView(TypedDict):
    round: int
    opdracht: OpdrachtView | None
    chosen_how: ChosenHow | None
    deal: list[DealView]
    relaxed: bool
    discussion_started_at: int | None
    discussion_ended_at: int | None
    discussion_ms: int
    decision: DecisionView | None
    supports: dict[str, Reached]
    guesses: list[GuessView]


@_closed
class SummaryUnitView(TypedDict):
    unit: str
    members: Annotated[list[str], Field(description="Player ids, so a phone finds its own unit")]
    names: list[str]
    strategy: StrategyView
    guessed: Annotated[int, Field(description="Other units whose card this unit guessed")]
    guessed_right: Annotated[int, Field(description="Of those, guessed right")]


@_closed
class RoundSummaryView(TypedDict):
    round: int
    open_card: bool
    opdracht: OpdrachtView | None
    deal: list[SummaryUnitView]
    decision: DecisionView | None
    support_counts: dict[Reached, int]
    recognition: Annotated[
        list[RecognitionView], Field(description="The guesses of this round, scored")
    ]


@_closed
class SharedView(TypedDict):
    session_id: str
    join_code: str
    language: Annotated[
        str,
        Field(description="The language of this view's card texts (ISO 639: nl, en, de, ...)"),
    ]
    phase: Phase
    round: Annotated[int, Field(description="0 in the lobby")]
    rounds: int
    open_card: Annotated[bool, Field(description="This round is the open-card round")]
    players: list[PlayerView]
    opdracht: OpdrachtView | None
    opdracht_slots: Annotated[int, Field(description="Face-down cards to pick from (choosing)")]
    picker: str | None
    timer: TimerView
    decision: DecisionView | None
    support_counts: Annotated[
        dict[Reached, int], Field(description="Players at the table who said yes, partly or no")
    ]
    prompt: PromptView | None
    summary: Annotated[
        list[RoundSummaryView] | None,
        Field(description="Once the game has ended, for everyone: each round, who held which card"),
    ]
    workshop: Annotated[
        WorkshopView | None, Field(description="A workshop's lobby or one of its tables; else null")
    ]
    strategies: Annotated[
        list[StrategyTitleView] | None,
        Field(description="While units may guess: the deck's strategies to guess from"),
    ]
    call: Annotated[str | None, Field(description="The player who called the facilitator")]
    message: Annotated[str | None, Field(description="The facilitator's message to the room")]
    strategy_cards: Annotated[
        int, Field(description="The deck's strategy cards (3-6): a table seats two per card")
    ]
    locked: Annotated[bool, Field(description="Newcomers ask the facilitator and wait")]
    more_time: Annotated[
        bool, Field(description="Everyone may take their time to read: the discussion waits")
    ]
    checkout: Annotated[
        CheckoutView | None,
        Field(description="Once the game has ended, the deck's closing questions (if any)"),
    ]


@_closed
class OwnView(TypedDict):
    answers: Annotated[
        list[AnswerView],
        Field(
            description="Facilitator: this round's; trainer: all; player: own and shown; "
            "screen: shown"
        ),
    ]
    me: NotRequired[Annotated[MeView, Field(description="Players only")]]
    supports: NotRequired[Annotated[dict[str, Reached], Field(description="Facilitator, trainer")]]
    settings: NotRequired[Annotated[dict[str, Any], Field(description="Facilitator, trainer")]]
    opdrachten_left: NotRequired[
        Annotated[list[OpdrachtView], Field(description="Facilitator, trainer")]
    ]
    hints: NotRequired[Annotated[list[Hint], Field(description="Facilitator, trainer")]]
    history: NotRequired[Annotated[list[RoundLogView], Field(description="Facilitator, trainer")]]
    facilitators: NotRequired[
        Annotated[list[FacilitatorView], Field(description="Facilitator, trainer: who can steer")]
    ]
    removed: NotRequired[Annotated[list[RemovedView], Field(description="Facilitator, trainer")]]
    proposal: NotRequired[
        Annotated[
            list[list[str]],
            Field(description="Facilitator, trainer: a workshop's tables as they would be formed"),
        ]
    ]
    guessed: NotRequired[
        Annotated[list[str], Field(description="Facilitator, trainer: units that guessed")]
    ]
    last_by: NotRequired[
        Annotated[str | None, Field(description="Facilitator, trainer: who took the last step")]
    ]
    moving: NotRequired[
        Annotated[
            list[str],
            Field(description="Facilitator, trainer: players whose new-device link is unused"),
        ]
    ]
    knocking: NotRequired[
        Annotated[list[KnockView], Field(description="Facilitator, trainer: waiting to join")]
    ]
    notes: NotRequired[
        Annotated[
            dict[str, str],
            Field(description="Facilitator, trainer: the deck's run-sheet, moment -> notes"),
        ]
    ]
    still_reading: NotRequired[
        Annotated[
            list[str],
            Field(
                description="Facilitator, trainer: players the discussion waits for (given time)"
            ),
        ]
    ]
    given_time: NotRequired[
        Annotated[
            list[str], Field(description="Facilitator, trainer: players given more reading time")
        ]
    ]
    checkout_results: NotRequired[
        Annotated[
            list[CheckoutResultView],
            Field(description="Facilitator, trainer: the check-out's answers, anonymous"),
        ]
    ]


@_closed
class View(SharedView, OwnView):
    """One viewer's whole view."""

    units: list[UnitView]


ALL_CARDS = "*"


def _sees_all(viewer: Actor) -> bool:
    return viewer.role in ("facilitator", "trainer")


def deck_in(state: State, language: str | None) -> Deck:
    """The session's cards in `language` when the deck has it (custom cards stay as typed)."""
    return state.decks.get(language or "", state.deck)


def card_access(state: State, viewer: Actor) -> str | None:
    """Whose closed cards `viewer` may see: all of them (facilitator, trainer), their own unit's
    (a player), or none (the screen, a player without a unit yet)."""
    if _sees_all(viewer):
        return ALL_CARDS
    me = state.players.get(viewer.player_id or "") if viewer.role == "player" else None
    return me.unit if me else None


def _strategy(deck: Deck, strategy_id: str | None) -> StrategyView | None:
    if strategy_id is None:
        return None
    card = deck.strategy(strategy_id)
    return {"id": card.id, "title": card.title, "text": card.text}


def units_part(
    state: State,
    access: str | None,
    language: str | None = None,
    public: list[UnitView] | None = None,
) -> list[UnitView]:
    """Every unit as `access` sees it. `public`: this state's units part for access None, whose
    entries are taken as they are where `access` sees no more (a player's frames then share all
    but their own unit's with the screen's)."""
    deck = deck_in(state, language)
    if public is None or access == ALL_CARDS:
        return [_unit(deck, u, access) for u in state.units.values()]
    return [
        _unit(deck, u, access) if u.id == access and not u.revealed else seen
        for u, seen in zip(state.units.values(), public, strict=True)
    ]


def _unit(deck: Deck, unit: Unit, access: str | None) -> UnitView:
    visible = access == ALL_CARDS or unit.revealed or unit.id == access
    return {
        "id": unit.id,
        "members": list(unit.members),
        "strategy": _strategy(deck, unit.strategy) if visible else None,
        "revealed": unit.revealed,
        "ready": unit.ready,
        "paper": unit.paper,
    }


def _answer(state: State, answer: Answer) -> AnswerView:
    named = not answer.anonymous and answer.player_id is not None
    return {
        "id": answer.id,
        "round": answer.round,
        "prompt_id": answer.prompt_id,
        "text": answer.text,
        "anonymous": answer.anonymous,
        "author": state.name(answer.player_id) if named and answer.player_id else None,
        "shown": answer.shown,
    }


def _opdracht(deck: Deck, opdracht_id: str | None) -> OpdrachtView | None:
    if opdracht_id is None:
        return None
    card = deck.opdracht(opdracht_id)
    return {"id": card.id, "text": card.text}


def _round_log(state: State, deck: Deck, record: RoundRecord) -> RoundLogView:
    """A past or current round as a trainer and the facilitator see it."""
    return {
        "round": record.number,
        "opdracht": _opdracht(deck, record.opdracht_id),
        "chosen_how": record.chosen_how,
        "deal": [
            {"unit": uid, "members": list(record.members.get(uid, ())), "strategy": sid}
            for uid, sid in record.deal.items()
        ],
        "relaxed": record.relaxed,
        "discussion_started_at": record.discussion_started_at,
        "discussion_ended_at": record.discussion_ended_at,
        "discussion_ms": record.discussion_ms,
        "decision": (
            {"text": record.decision_text, "reached": record.reached}
            if record.decision_text is not None and record.reached is not None
            else None
        ),
        "supports": dict(record.supports),
        "guesses": [
            {"by": by, "unit": unit, "strategy": card}
            for (by, unit), card in record.guesses.items()
        ],
    }


def view(
    state: State,
    viewer: Actor,
    now: int,
    connected: Collection[str] = (),
    language: str | None = None,
) -> View:
    """Everything `viewer` may know at `now`. `connected` lists the player ids online now;
    `language` is the viewer's (the session's when None or not in the deck)."""
    return {
        **shared_part(state, now, connected, language),
        "units": units_part(state, card_access(state, viewer), language),
        **own_part(state, viewer, language),
    }


def shared_part(
    state: State, now: int, connected: Collection[str] = (), language: str | None = None
) -> SharedView:
    """The part of the view that is the same for every viewer of one language."""
    deck = deck_in(state, language)
    timer = state.timer
    record = state.rounds[-1] if state.rounds else None
    prompts = prompt_ids(state.deck, state.round, state.settings.rounds) if state.round else ()
    prompt: PromptView | None = None
    if state.phase == "reflecting" and state.prompt_index:
        card = deck.prompt(prompts[state.prompt_index - 1])
        prompt = {
            "id": card.id,
            "text": card.text,
            "index": state.prompt_index,
            "count": len(prompts),
        }
    supports = [v for pid, v in (record.supports if record else {}).items() if pid in state.players]
    decision: DecisionView | None = None
    if record and record.decision_text is not None and record.reached is not None:
        decision = {"text": record.decision_text, "reached": record.reached}
    return {
        "session_id": state.session_id,
        "join_code": state.join_code,
        "language": deck.language,
        "phase": state.phase,
        "round": state.round,
        "rounds": state.settings.rounds,
        "open_card": state.open_card,
        "players": [
            {
                "id": p.id,
                "name": p.name,
                "organisation": p.organisation,
                "connected": p.id in connected,
                "unit": p.unit,
                "waiting": p.unit is None and state.phase != "lobby",
            }
            for p in state.players.values()
        ],
        "opdracht": _opdracht(deck, state.opdracht),
        "opdracht_slots": len(_remaining(state, deck)) if state.phase == "choosing" else 0,
        "picker": state.picker,
        "timer": {
            "status": timer.status,
            "duration_ms": timer.duration_ms,
            "remaining_ms": remaining_ms(state, now),
            "deadline": timer.deadline,
            "warned": timer.warned,
        },
        "decision": decision,
        "support_counts": dict(Counter(supports)),
        "prompt": prompt,
        "summary": _summary(state, deck) if state.phase == "ended" else None,
        "workshop": _workshop(state),
        "strategies": [{"id": c.id, "title": c.title} for c in deck.strategies]
        if can_guess(state)
        else None,
        "call": state.call,
        "message": state.message,
        "strategy_cards": len(deck.strategies),
        "locked": state.locked,
        "more_time": state.more_time,
        "checkout": _checkout(state, deck),
    }


def _checkout(state: State, deck: Deck) -> CheckoutView | None:
    if state.phase != "ended" or not deck.checkout:
        return None
    return {
        "questions": [{"id": q.id, "kind": q.kind, "text": q.text} for q in deck.checkout],
        "given": len(state.checkouts),
    }


CHECKOUT_FEW = 3  # fewer answers than this (and not everyone's) are not shown: one is a person


def checkout_shown(state: State) -> bool:
    """Enough have answered the check-out for its answers to be shown without giving a person's."""
    return len(state.checkouts) >= min(CHECKOUT_FEW, len(state.players))


def checkout_results(state: State, deck: Deck) -> list[CheckoutResultView]:
    """Each check-out question with its answers, counted (a scale) or listed (a line), never
    with who gave them; the lines sorted so their order tells nothing either. Nothing until
    CHECKOUT_FEW have answered (or everyone has): a facilitator watching the first tap arrive
    would see one person's answer."""
    if not checkout_shown(state):
        return []
    results: list[CheckoutResultView] = []
    for q in deck.checkout:
        given = [a[q.id] for a in state.checkouts.values() if q.id in a]
        scores = [v for v in given if isinstance(v, int)]
        results.append(
            {
                "id": q.id,
                "kind": q.kind,
                "text": q.text,
                "answered": len(given),
                "counts": [scores.count(n) for n in range(1, 6)] if q.kind == "scale" else [],
                "mean": round(sum(scores) / len(scores), 1) if scores else None,
                "lines": sorted(v for v in given if isinstance(v, str)),
            }
        )
    return results


def _workshop(state: State) -> WorkshopView | None:
    if state.parent is not None:
        code = state.workshop_code or state.join_code
        return {"id": state.parent, "join_code": code, "table": state.table_no, "tables": []}
    if not state.is_workshop:
        return None
    tables: list[TableRefView] = [
        {"number": t.number, "session_id": t.session_id, "players": list(t.players)}
        for t in state.tables
    ]
    return {"id": state.session_id, "join_code": state.join_code, "table": None, "tables": tables}


def _summary(state: State, deck: Deck) -> list[RoundSummaryView]:
    """The ending everyone sees: the game is over, so every card may be known."""
    summary: list[RoundSummaryView] = []
    for record in state.rounds:
        log = _round_log(state, deck, record)
        deal: list[SummaryUnitView] = []
        for d in log["deal"]:
            card = _strategy(deck, d["strategy"])
            if card is not None:
                names = [state.name(m) for m in d["members"]]
                guesses = [
                    (target, g)
                    for (by, target), g in record.guesses.items()
                    if by == d["unit"] and target != by
                ]
                right = sum(record.deal.get(target) == g for target, g in guesses)
                deal.append(
                    {
                        "unit": d["unit"],
                        "members": list(d["members"]),
                        "names": names,
                        "strategy": card,
                        "guessed": len(guesses),
                        "guessed_right": right,
                    }
                )
        summary.append(
            {
                "round": record.number,
                "open_card": state.settings.open_card_last_round
                and record.number == state.settings.rounds,
                "opdracht": log["opdracht"],
                "deal": deal,
                "decision": log["decision"],
                "support_counts": dict(Counter(record.supports.values())),
                "recognition": [
                    {"strategy": card, "unit": r.unit, "right": r.right, "of": r.of}
                    for r in recognition(record)
                    if r.of and (card := _strategy(deck, r.strategy)) is not None
                ],
            }
        )
    return summary


def _is_mine(answer: Answer, viewer: Actor) -> bool:
    if not answer.anonymous:
        return answer.player_id is not None and answer.player_id == viewer.player_id
    return (
        viewer.answer_key is not None
        and answer.author is not None
        and answer.author == anonymous_author(viewer.answer_key, answer.round, answer.prompt_id)
    )


def own_inputs(state: State, viewer: Actor) -> tuple[tuple[object, ...], tuple[object, ...]] | None:
    """Everything a player's `own_part` is made of (objects, compared by identity, and scalars):
    where these are the same as at the last frame, so is the part, and a broadcast need not
    build it again. None for the staff and the screen (always built). Keep this in step with
    `own_part`: the property test of patches fails when they drift apart."""
    if viewer.role != "player":
        return None
    record = state.rounds[-1] if state.rounds else None
    objects = (
        state.players.get(viewer.player_id or ""),
        record.guesses if record else None,
        state.answers,
        state.checkouts,
        state.settings,
    )
    support = record.supports.get(viewer.player_id or "") if record else None
    return objects, (state.round, state.picker, state.phase, support)


def own_part(
    state: State, viewer: Actor, language: str | None = None, kept: Kept | None = None
) -> OwnView:
    """What depends on who looks: answers, `me` for a player, the log for the facilitator (its
    pieces that did not change since the last broadcast taken from `kept`)."""
    me = state.players.get(viewer.player_id or "") if viewer.role == "player" else None
    this_round = [a for a in state.answers.values() if a.round == state.round]
    record = state.rounds[-1] if state.rounds else None
    if _sees_all(viewer):
        deck = deck_in(state, language)
        pool = state.answers.values() if viewer.role == "trainer" else this_round
        staff: OwnView = {
            "answers": [_answer(state, a) for a in pool],
            "supports": dict(record.supports) if record else {},
            "settings": keep(kept, "settings", (state.settings,), partial(_settings, state)),
            "opdrachten_left": keep(
                kept,
                ("opdrachten_left", language),
                (state.used_opdrachten, deck),
                partial(_opdrachten_left, state, deck),
            ),
            "hints": _hints(state),
            "history": [
                keep(kept, ("round", i, language), (r, deck), partial(_round_log, state, deck, r))
                for i, r in enumerate(state.rounds)
            ],
            "facilitators": _facilitators(state),
            "removed": [
                {"id": p.id, "name": p.name, "restorable": p.left_at_deal == state.deals}
                for p in state.departed.values()
            ],
            "moving": [p.id for p in state.players.values() if p.claim_hash is not None],
            "knocking": [
                {
                    "id": k.id,
                    "name": k.name,
                    "organisation": k.organisation,
                    "returning": k.returning,
                    "at": k.at,
                }
                for k in state.knocking.values()
            ],
            "given_time": [p.id for p in state.players.values() if p.more_time],
            "still_reading": state.still_reading,
            "notes": deck.notes,
            "checkout_results": keep(
                kept,
                ("checkout_results", language),
                (state.checkouts, state.players, deck),
                partial(checkout_results, state, deck),
            ),
            "last_by": state.last_by,
            "guessed": sorted({by for by, _ in record.guesses}) if record else [],
        }
        if state.is_workshop and not state.tables:
            staff["proposal"] = proposal(state)
        return staff
    if me is not None:
        mine = [a for a in state.answers.values() if _is_mine(a, viewer)]
        shown = [a for a in this_round if a.shown and not _is_mine(a, viewer)]
        answers: list[AnswerView] = [{**_answer(state, a), "mine": True} for a in mine]
        answers += [{**_answer(state, a), "mine": False} for a in shown]
        return {
            "answers": answers,
            "me": {
                "player_id": me.id,
                "unit": me.unit,
                "name": me.name,
                "more_time": me.more_time,
                "support": record.supports.get(me.id) if record else None,
                "is_picker": state.picker == me.id,
                "guesses": {
                    unit: card
                    for (by, unit), card in (record.guesses if record else {}).items()
                    if by == me.unit and can_guess(state)
                },
                "checkout": _my_checkout(state, viewer),
            },
        }
    return {"answers": [_answer(state, a) for a in this_round if a.shown]}


def _my_checkout(state: State, viewer: Actor) -> dict[str, int | str] | None:
    """A player's own check-out answers, found by the mark only their token makes (worked out
    only once anyone has answered: it is a hash, and views are built at every frame)."""
    if not state.checkouts or viewer.answer_key is None:
        return None
    return (
        dict(state.checkouts.get(anonymous_author(viewer.answer_key, 0, "check-out"), {})) or None
    )


def _facilitators(state: State) -> list[FacilitatorView]:
    added: list[FacilitatorView] = [
        {"id": f.id, "label": f.label} for f in state.facilitators.values()
    ]
    return [{"id": FIRST_FACILITATOR, "label": ""}, *added]


def _settings(state: State) -> dict[str, Any]:
    return state.settings.model_dump(mode="json", exclude={"seed"})


def _opdrachten_left(state: State, deck: Deck) -> list[OpdrachtView]:
    return [{"id": o.id, "text": o.text} for o in _remaining(state, deck)]


def _remaining(state: State, deck: Deck) -> list[Opdracht]:
    return [o for o in deck.opdrachten if o.id not in state.used_opdrachten]


def _hints(state: State) -> list[Hint]:
    """Nudges for the facilitator only; the pages turn them into sentences."""
    hints: list[Hint] = []
    if state.phase == "lobby" and len(state.players) < 6:
        hints.append("fewer_than_6_players")
    if state.phase not in ("lobby", "ended") and len(state.players) < 3:
        hints.append("fewer_than_3_players")
    if state.phase == "choosing" and state.picker is None:
        hints.append("no_picker")
    if (
        state.phase == "reading"
        and not state.open_card
        and not all(u.ready for u in state.units.values())
    ):
        hints.append("not_all_ready")
    if state.phase not in ("lobby", "choosing", "ended") and state.rounds and state.current.relaxed:
        hints.append("deal_relaxed")
    return hints
