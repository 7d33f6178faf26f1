"""decide(state, actor, name, args, now) -> events: every rule of a command, and every refusal.

A refusal raises `GameError` before anything is returned, so it cannot change the state.
"""

import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, cast

from pydantic import ValidationError

from game import dealing
from game.commands import (
    COMMANDS,
    Actor,
    AnswerArgs,
    ChooseArgs,
    ConfigureArgs,
    DecisionArgs,
    ExtendArgs,
    JoinArgs,
    PickArgs,
    PlayerArgs,
    ShowAnswerArgs,
    SupportArgs,
    SwapArgs,
    UnitArgs,
    _Args,
)
from game.deck import STRATEGY_IDS, Deck, Opdracht
from game.errors import GameError
from game.events import (
    AnswerGiven,
    AnswerShown,
    CardRevealed,
    ChosenHow,
    DecisionRecorded,
    DiscussionEnded,
    Event,
    GameEnded,
    GameStarted,
    OpdrachtChosen,
    PickerSet,
    PlayerJoined,
    PlayerRemoved,
    PlayersSwapped,
    PromptShown,
    RoundStarted,
    SessionCreated,
    SettingsChanged,
    StrategiesDealt,
    SupportGiven,
    TimerExtended,
    TimerPaused,
    TimerResumed,
    TimerStarted,
    UnitReady,
    UnitSpec,
)
from game.prompts import prompt_ids
from game.settings import Settings
from game.state import Phase, State, evolve
from game.timer import WARNING_SECONDS, due, remaining_ms, round_duration_ms, scaled_ms

MAX_PLAYERS = 12
MIN_PLAYERS = 3


def create_session(
    *,
    session_id: str,
    join_code: str,
    settings: Settings,
    deck: Deck,
    seed: int,
    time_scale: float,
    token_hashes: Mapping[str, str],
    now: int,
) -> SessionCreated:
    """The first event of a session. Custom assignment cards join the deck here."""
    custom = tuple(
        Opdracht(id=f"eigen-{i}", text=c.text, custom=True)
        for i, c in enumerate(settings.custom_opdrachten, 1)
    )
    deck = deck.model_copy(update={"opdrachten": (*deck.opdrachten, *custom)})
    _check_settings(settings, deck)
    return SessionCreated(
        at=now,
        session_id=session_id,
        join_code=join_code,
        settings=settings,
        seed=seed,
        time_scale=time_scale,
        deck=deck,
        token_hashes=dict(token_hashes),
    )


def _check_settings(settings: Settings, deck: Deck) -> None:
    if settings.rounds > len(deck.opdrachten):
        raise GameError(
            "invalid_args",
            f"{settings.rounds} rounds need {settings.rounds} assignment cards; "
            f"the deck has {len(deck.opdrachten)}. Play fewer rounds or add your own cards.",
        )
    ncr = settings.no_consensus_round
    if ncr is not None and ncr > settings.rounds:
        raise GameError(
            "invalid_args",
            f"The round without the consensus card ({ncr}) must be one of the "
            f"{settings.rounds} rounds.",
        )


def decide(
    state: State, actor: Actor, name: str, args: Mapping[str, Any] | None, now: int
) -> list[Event]:
    """The events a command causes, after any timer event that was already due at `now`."""
    spec = COMMANDS.get(name)
    if spec is None:
        raise GameError("unknown_command", f"There is no command called {name[:40]!r}.")
    roles, model = spec
    if actor.role not in roles:
        who = " or ".join(sorted(r or "a new player" for r in roles))
        raise GameError("forbidden", f"Only the {who} can use {name!r}.")
    if actor.role == "player" and actor.player_id not in state.players:
        raise GameError("forbidden", "You are no longer at this table.")
    try:
        parsed = model.model_validate(args or {})
    except ValidationError as e:
        raise GameError("invalid_args", _describe(name, e)) from None
    pending = due(state, now)
    for event in pending:
        state = evolve(state, event)
    return [*pending, *_HANDLERS[name](state, actor, parsed, now)]


def _describe(name: str, error: ValidationError) -> str:
    problems = []
    for item in error.errors()[:3]:
        where = ".".join(str(p) for p in item["loc"]) or "args"
        problems.append(f"{where}: {item['msg']}")
    return f"Bad arguments for {name!r}: " + "; ".join(problems) + "."


def _phase(state: State, *phases: Phase, doing: str) -> None:
    if state.phase not in phases:
        allowed = " or ".join(phases)
        raise GameError(
            "invalid_phase",
            f"You can {doing} only while {allowed}; the table is {state.phase} now.",
        )


def _player(state: State, player_id: str) -> str:
    if player_id not in state.players:
        raise GameError("invalid_args", f"There is no player {player_id[:40]!r} at this table.")
    return player_id


def _clean_text(text: str, field: str, multiline: bool = False) -> str:
    """NFC, trimmed, no control characters; one line unless `multiline` (then newlines stay)."""
    text = unicodedata.normalize("NFC", text)
    if multiline:
        lines = (" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n"))
        text = "\n".join(lines).strip()
    else:
        text = " ".join(text.split())
    if any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in text):
        raise GameError("invalid_args", f"The {field} contains control characters.")
    if not text:
        raise GameError("invalid_args", f"The {field} is empty.")
    return text


# --- lobby ---------------------------------------------------------------------------------


def _join(state: State, actor: Actor, args: JoinArgs, now: int) -> list[Event]:
    if state.phase != "lobby":
        raise GameError(
            "game_started", "This game has already started; new players can join only in the lobby."
        )
    if len(state.players) >= MAX_PLAYERS:
        raise GameError("table_full", f"This table is full: it seats {MAX_PLAYERS} players.")
    name = _clean_text(args.name, "name")
    organisation = _clean_text(args.organisation, "organisation") if args.organisation else ""
    if any(p.name.casefold() == name.casefold() for p in state.players.values()):
        raise GameError(
            "name_taken", f"Someone at this table is already called {name!r}; add an initial."
        )
    return [
        PlayerJoined(
            at=now,
            player_id=f"p{state.joined_count + 1}",
            name=name,
            organisation=organisation,
            token_hash=args.token_hash,
        )
    ]


def _configure(state: State, actor: Actor, args: ConfigureArgs, now: int) -> list[Event]:
    _phase(state, "lobby", doing="change the settings")
    update = args.model_dump(exclude_none=True)
    if update.get("no_consensus_round") == 0:
        update["no_consensus_round"] = None
    settings = Settings.model_validate({**state.settings.model_dump(), **update})
    _check_settings(settings, state.deck)
    return [SettingsChanged(at=now, settings=settings)] if settings != state.settings else []


def _start_game(state: State, actor: Actor, args: _Args, now: int) -> list[Event]:
    _phase(state, "lobby", doing="start the game")
    players = list(state.players.values())
    if len(players) < MIN_PLAYERS:
        raise GameError(
            "invalid_phase",
            f"A game needs at least {MIN_PLAYERS} players; {len(players)} joined so far.",
        )
    units = dealing.form_units([(p.id, p.organisation) for p in players], state.seed)
    ncr = state.settings.no_consensus_round
    if ncr is not None and len(units) >= len(STRATEGY_IDS):
        raise GameError(
            "invalid_args",
            f"A round without the consensus card needs fewer than 6 units; this table has "
            f"{len(units)}. Clear that setting or start with other numbers.",
        )
    most = dealing.max_consensus_rounds(len(units), ncr)
    if state.settings.rounds > most:
        raise GameError(
            "invalid_args",
            f"With {len(units)} units at most {most} rounds can each give the consensus card to a "
            f"unit that has not held it; lower the rounds to {most}.",
        )
    specs = tuple(UnitSpec(id=f"u{i}", members=m) for i, m in enumerate(units, 1))
    return [GameStarted(at=now, units=specs, picker=players[0].id)]


# --- choosing ------------------------------------------------------------------------------


def _swap(state: State, actor: Actor, args: SwapArgs, now: int) -> list[Event]:
    _phase(state, "choosing", doing="swap players (before the cards are dealt)")
    a, b = _player(state, args.a), _player(state, args.b)
    if state.players[a].unit == state.players[b].unit:
        raise GameError("invalid_args", "These two players already play in the same unit.")
    return [PlayersSwapped(at=now, a=a, b=b)]


def _set_picker(state: State, actor: Actor, args: PlayerArgs, now: int) -> list[Event]:
    _phase(state, "choosing", doing="name who picks the assignment")
    return [PickerSet(at=now, player_id=_player(state, args.player_id))]


def _remaining(state: State) -> list[str]:
    return [o.id for o in state.deck.opdrachten if o.id not in state.used_opdrachten]


def _deal(state: State, opdracht_id: str, by: str | None, how: ChosenHow, now: int) -> list[Event]:
    chosen = OpdrachtChosen(at=now, round=state.round, opdracht_id=opdracht_id, by=by, how=how)
    deal, relaxed = dealing.deal_round(
        {uid: u.history for uid, u in state.units.items()},
        state.round,
        state.settings.rounds,
        state.settings.no_consensus_round,
        state.seed,
    )
    return [chosen, StrategiesDealt(at=now, round=state.round, deal=deal, relaxed=relaxed)]


def _pick(state: State, actor: Actor, args: PickArgs, now: int) -> list[Event]:
    _phase(state, "choosing", doing="pick an assignment card")
    if actor.player_id != state.picker:
        picker = state.players.get(state.picker or "")
        whose = f"{picker.name}'s" if picker else "the facilitator's"
        raise GameError("forbidden", f"It is {whose} turn to pick the assignment card.")
    slots = dealing.opdracht_slots(_remaining(state), state.seed, state.round)
    if args.slot >= len(slots):
        raise GameError(
            "invalid_args", f"Pick one of the {len(slots)} cards (slot 0 to {len(slots) - 1})."
        )
    return _deal(state, slots[args.slot], actor.player_id, "picked", now)


def _choose(state: State, actor: Actor, args: ChooseArgs, now: int) -> list[Event]:
    _phase(state, "choosing", doing="choose the assignment card")
    remaining = _remaining(state)
    if args.opdracht_id is None:
        drawn = dealing.opdracht_slots(remaining, state.seed, state.round)[0]
        return _deal(state, drawn, None, "drawn", now)
    if args.opdracht_id not in remaining:
        known = {o.id for o in state.deck.opdrachten}
        why = "was already played" if args.opdracht_id in known else "is not in this deck"
        raise GameError("invalid_args", f"Assignment card {args.opdracht_id[:40]!r} {why}.")
    return _deal(state, args.opdracht_id, None, "chosen", now)


# --- reading -------------------------------------------------------------------------------


def _ready(state: State, actor: Actor, args: _Args, now: int) -> list[Event]:
    _phase(state, "reading", doing="say you understand your card")
    unit = state.unit_of(actor.player_id)
    if unit is None:
        raise GameError("forbidden", "You have no card this round.")
    return (
        []
        if unit.ready
        else [UnitReady(at=now, unit_id=unit.id, player_id=cast(str, actor.player_id))]
    )


def _reveal(state: State, actor: Actor, args: UnitArgs, now: int) -> list[Event]:
    _phase(state, "reading", "discussing", doing="lay a card open")
    if not state.open_card:
        raise GameError("invalid_phase", "Cards are laid open only in the open-card round.")
    unit = state.units.get(args.unit_id)
    if unit is None:
        raise GameError("invalid_args", f"There is no unit {args.unit_id[:40]!r} at this table.")
    if actor.role == "player" and actor.player_id not in unit.members:
        raise GameError("forbidden", "You can lay open only your own card.")
    by = actor.player_id if actor.role == "player" else None
    return [] if unit.revealed else [CardRevealed(at=now, unit_id=unit.id, by=by)]


def _start_timer(state: State, actor: Actor, args: _Args, now: int) -> list[Event]:
    _phase(state, "reading", doing="start the discussion")
    closed = [u.id for u in state.units.values() if not u.revealed]
    if state.open_card and closed:
        raise GameError(
            "invalid_phase",
            "This is the open-card round: every card must be read aloud and laid open first "
            f"(still closed: {', '.join(closed)}). You can lay a card open for a unit.",
        )
    duration = round_duration_ms(state)
    warn_ms = scaled_ms(state, WARNING_SECONDS)
    return [TimerStarted(at=now, duration_ms=duration, deadline=now + duration, warn_ms=warn_ms)]


# --- discussing ----------------------------------------------------------------------------


def _pause(state: State, actor: Actor, args: _Args, now: int) -> list[Event]:
    _phase(state, "discussing", doing="pause the timer")
    if state.timer.status != "running":
        raise GameError("invalid_phase", "The timer is not running.")
    return [TimerPaused(at=now, remaining_ms=remaining_ms(state, now))]


def _resume(state: State, actor: Actor, args: _Args, now: int) -> list[Event]:
    _phase(state, "discussing", doing="resume the timer")
    if state.timer.status != "paused":
        raise GameError("invalid_phase", "The timer is not paused.")
    return [TimerResumed(at=now, deadline=now + state.timer.remaining_ms)]


def _extend(state: State, actor: Actor, args: ExtendArgs, now: int) -> list[Event]:
    _phase(state, "discussing", doing="extend the timer")
    return [TimerExtended(at=now, by_ms=scaled_ms(state, args.seconds))]


def _end_discussion(state: State, actor: Actor, args: _Args, now: int) -> list[Event]:
    _phase(state, "discussing", doing="end the discussion")
    return [DiscussionEnded(at=now, remaining_ms=remaining_ms(state, now))]


# --- deciding and reflecting ---------------------------------------------------------------


def _record_decision(state: State, actor: Actor, args: DecisionArgs, now: int) -> list[Event]:
    _phase(state, "deciding", "reflecting", doing="record the decision")
    text = _clean_text(args.text, "decision", multiline=True)
    return [DecisionRecorded(at=now, text=text, reached=args.reached)]


def _support(state: State, actor: Actor, args: SupportArgs, now: int) -> list[Event]:
    _phase(state, "deciding", "reflecting", doing="say whether you stand behind the decision")
    pid = cast(str, actor.player_id)
    if state.current.supports.get(pid) == args.value:
        return []
    return [SupportGiven(at=now, player_id=pid, value=args.value)]


def _need_decision(state: State) -> None:
    if state.current.decision_text is None:
        raise GameError(
            "invalid_phase", "Record the group's decision first (reached: yes, partly or no)."
        )


def _next_prompt(state: State, actor: Actor, args: _Args, now: int) -> list[Event]:
    _phase(state, "deciding", "reflecting", doing="show the next reflection question")
    _need_decision(state)
    count = len(prompt_ids(state.round, state.settings.rounds))
    if state.prompt_index >= count:
        after = "end the game" if state.round >= state.settings.rounds else "start the next round"
        raise GameError("invalid_phase", f"That was the last reflection question; {after}.")
    return [PromptShown(at=now, index=state.prompt_index + 1)]


def _answer(state: State, actor: Actor, args: AnswerArgs, now: int) -> list[Event]:
    _phase(state, "reflecting", doing="answer a reflection question")
    asked = prompt_ids(state.round, state.settings.rounds)[: state.prompt_index]
    if args.prompt_id not in asked:
        raise GameError(
            "invalid_args",
            f"Question {args.prompt_id[:40]!r} has not been asked in this reflection.",
        )
    pid = cast(str, actor.player_id)
    text = _clean_text(args.text, "answer", multiline=True)
    earlier = next(
        (
            a.id
            for a in state.answers.values()
            if a.player_id == pid and a.round == state.round and a.prompt_id == args.prompt_id
        ),
        None,
    )
    answer_id = earlier or f"a{len(state.answers) + 1}"
    return [
        AnswerGiven(
            at=now,
            answer_id=answer_id,
            player_id=pid,
            prompt_id=args.prompt_id,
            text=text,
            anonymous=args.anonymous,
        )
    ]


def _show_answer(state: State, actor: Actor, args: ShowAnswerArgs, now: int) -> list[Event]:
    answer = state.answers.get(args.answer_id)
    if answer is None:
        raise GameError("invalid_args", f"There is no answer {args.answer_id[:40]!r}.")
    return (
        []
        if answer.shown == args.shown
        else [AnswerShown(at=now, answer_id=answer.id, shown=args.shown)]
    )


def _next_round(state: State, actor: Actor, args: _Args, now: int) -> list[Event]:
    _phase(state, "deciding", "reflecting", doing="start the next round")
    _need_decision(state)
    if state.round >= state.settings.rounds:
        raise GameError("invalid_phase", f"Round {state.round} was the last round; end the game.")
    order = list(state.players)
    picker = order[state.round % len(order)] if order else None
    return [RoundStarted(at=now, round=state.round + 1, picker=picker)]


def _end_game(state: State, actor: Actor, args: _Args, now: int) -> list[Event]:
    if state.phase == "ended":
        raise GameError("invalid_phase", "The game has already ended.")
    return [GameEnded(at=now)]


def _remove_player(state: State, actor: Actor, args: PlayerArgs, now: int) -> list[Event]:
    if state.phase == "ended":
        raise GameError("invalid_phase", "The game has ended; its log stays as it was.")
    return [PlayerRemoved(at=now, player_id=_player(state, args.player_id))]


_HANDLERS: dict[str, Callable[[State, Actor, Any, int], list[Event]]] = {
    "join": _join,
    "configure": _configure,
    "start_game": _start_game,
    "swap_players": _swap,
    "set_picker": _set_picker,
    "pick_opdracht": _pick,
    "choose_opdracht": _choose,
    "ready": _ready,
    "reveal": _reveal,
    "start_timer": _start_timer,
    "pause_timer": _pause,
    "resume_timer": _resume,
    "extend_timer": _extend,
    "end_discussion": _end_discussion,
    "record_decision": _record_decision,
    "support": _support,
    "answer": _answer,
    "show_answer": _show_answer,
    "next_prompt": _next_prompt,
    "next_round": _next_round,
    "end_game": _end_game,
    "remove_player": _remove_player,
}
