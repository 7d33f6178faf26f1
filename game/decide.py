"""decide(state, actor, name, args, now) -> events: every rule of a command, and every refusal.

A refusal raises `Refusal` before anything is returned, so it cannot change the state. Each
command is declared once, at the bottom, in `COMMANDS`.
"""

from collections.abc import Mapping
from typing import Any

from game import dealing
from game.commands import (
    CHECKOUT_LINE_MAX,
    FACILITATOR_ONLY,
    FIRST_FACILITATOR,
    NEWCOMER,
    PLAYER_ONLY,
    Actor,
    AddFacilitatorArgs,
    AnswerArgs,
    Args,
    CheckOutArgs,
    ChooseArgs,
    ClaimArgs,
    Command,
    ConfigureArgs,
    DecisionArgs,
    ExtendArgs,
    FacilitatorArgs,
    FormArgs,
    GuessArgs,
    JoinArgs,
    KnockArgs,
    LockArgs,
    MessageArgs,
    MoveArgs,
    NoArgs,
    PaperArgs,
    PickArgs,
    PlayerArgs,
    ReadingTimeArgs,
    ReadyArgs,
    ReissueArgs,
    Role,
    SeatArgs,
    ShowAnswerArgs,
    StartTimerArgs,
    SupportArgs,
    SwapArgs,
    UnitArgs,
    anonymous_author,
)
from game.deck import Deck, Opdracht
from game.errors import Refusal
from game.events import (
    AnswerGiven,
    AnswerShown,
    CallAnswered,
    CardRevealed,
    CheckedOut,
    ChosenHow,
    DecisionRecorded,
    DiscussionEnded,
    Event,
    FacilitatorAdded,
    FacilitatorCalled,
    FacilitatorRevoked,
    GameEnded,
    GameStarted,
    GuessGiven,
    JoiningLocked,
    Knocked,
    KnockRefused,
    MessageSent,
    OpdrachtChosen,
    PickerSet,
    PlayerJoined,
    PlayerMoved,
    PlayerRemoved,
    PlayerRestored,
    PlayerSeated,
    PlayersSwapped,
    PromptShown,
    ReadingTimeGiven,
    RoundStarted,
    SeatClaimed,
    SeatReissued,
    SessionCreated,
    SettingsChanged,
    StrategiesDealt,
    SupportGiven,
    TablesFormed,
    TableSpec,
    TimerExtended,
    TimerPaused,
    TimerResumed,
    TimerStarted,
    UnitOnPaper,
    UnitReady,
    UnitSpec,
)
from game.guesses import can_guess
from game.prompts import prompt_ids
from game.settings import MAX_TABLES, Settings
from game.state import Knock, Phase, State, evolve
from game.tables import proposal, table_code
from game.text import clean, name_key
from game.timer import WARNING_SECONDS, due, remaining_ms, round_duration_ms, scaled_ms

MAX_PLAYERS = 12
MIN_PLAYERS = 3


def create_session(
    *,
    session_id: str,
    join_code: str,
    settings: Settings,
    decks: Mapping[str, Deck],
    seed: int,
    time_scale: float,
    token_hashes: Mapping[str, str],
    now: int,
    parent: str | None = None,
    table: int | None = None,
    workshop_code: str | None = None,
) -> SessionCreated:
    """The first event of a session: the deck in every language it has, the facilitator's own
    assignment cards (cleaned like any user text) added to each."""
    custom = tuple(
        Opdracht(id=f"eigen-{i}", text=clean(c.text, "assignment", multiline=True), custom=True)
        for i, c in enumerate(settings.custom_opdrachten, 1)
    )
    with_custom = {
        lang: d.model_copy(update={"opdrachten": (*d.opdrachten, *custom)})
        for lang, d in decks.items()
    }
    # a trainer's deck without the session's language plays in its own first language
    deck = with_custom.get(settings.language) or next(iter(with_custom.values()))
    _check_settings(settings, deck)
    return SessionCreated(
        at=now,
        session_id=session_id,
        join_code=join_code,
        settings=settings,
        seed=seed,
        time_scale=time_scale,
        deck=deck,
        translations={lang: d for lang, d in with_custom.items() if lang != deck.language},
        token_hashes=dict(token_hashes),
        parent=parent,
        table=table,
        workshop_code=workshop_code,
    )


def _check_settings(settings: Settings, deck: Deck) -> None:
    if settings.rounds > len(deck.opdrachten):
        raise Refusal(
            "invalid_args",
            "too_few_opdrachten",
            f"{settings.rounds} rounds need {settings.rounds} assignment cards; "
            f"the deck has {len(deck.opdrachten)}. Play fewer rounds or add your own cards.",
            rounds=settings.rounds,
            cards=len(deck.opdrachten),
        )
    ncr = settings.no_consensus_round
    if ncr is not None and ncr > settings.rounds:
        raise Refusal(
            "invalid_args",
            "no_consensus_round_outside",
            f"The round without the consensus card ({ncr}) must be one of the "
            f"{settings.rounds} rounds.",
            round=ncr,
            rounds=settings.rounds,
        )


def decide(
    state: State, actor: Actor, name: str, args: Mapping[str, Any] | Args | None, now: int
) -> list[Event]:
    """The events a command causes, after any timer event that was already due at `now`.
    `args` as they came over the wire (checked here) or already built as the command's model."""
    command = COMMANDS.get(name)
    if command is None:
        raise Refusal(
            "unknown_command", "unknown_command", f"There is no command called {name[:40]!r}."
        )
    if actor.role not in command.roles:
        who = " or ".join(sorted(r or "a new player" for r in command.roles))
        raise Refusal(
            "forbidden", "not_your_role", f"Only the {who} can use {name!r}.", command=name
        )
    if actor.role == "player" and actor.player_id not in state.players:
        raise Refusal("forbidden", "removed", "You are no longer at this table.")
    if state.tables and name not in ("add_facilitator", "revoke_facilitator"):
        _not_formed(state)
    if state.is_workshop and not command.workshop:
        raise Refusal(
            "invalid_phase",
            "workshop_lobby",
            f"This is a workshop's lobby, where {name!r} does not apply: each table plays its "
            "own game once the tables are formed.",
            command=name,
        )
    if isinstance(args, Args):  # built by the server: typed already
        if not isinstance(args, command.args):
            raise TypeError(f"{name!r} takes {command.args.__name__}, not {type(args).__name__}")
        parsed = args
    else:
        parsed = command.parse(args)
    pending = due(state, now)
    for event in pending:
        state = evolve(state, event)
    if command.phases and state.phase not in command.phases:
        raise Refusal(
            "invalid_phase",
            "wrong_phase",
            f"You can {command.doing} only while {' or '.join(command.phases)}; the table is "
            f"{state.phase} now.",
            phase=state.phase,
        )
    events = command.rule(state, actor, parsed, now)
    if actor.role == "facilitator":  # the log says which facilitator acted
        fid = actor.facilitator_id or FIRST_FACILITATOR
        events = [e.model_copy(update={"facilitator": fid}) for e in events]
    return [*pending, *events]


def _player(state: State, player_id: str) -> str:
    if player_id not in state.players:
        raise Refusal(
            "invalid_args",
            "no_such_player",
            f"There is no player {player_id[:40]!r} at this table (removed, or a wrong id).",
        )
    return player_id


# --- lobby ---------------------------------------------------------------------------------


def _max_units(state: State) -> int:
    """Units a deal can still serve: a round without consensus ahead needs one card spare."""
    ncr = state.settings.no_consensus_round
    cards = len(state.deck.strategies)
    return cards - 1 if ncr is not None and ncr >= state.round else cards


def _table_max(state: State) -> int:
    """The most players one table of a workshop can start with (duos, at most one unit per strategy
    card, one fewer with a round without consensus)."""
    return 2 * (len(state.deck.strategies) - (state.settings.no_consensus_round is not None))


def _seats(state: State) -> int:
    tables = state.settings.tables
    if tables is not None:  # a workshop's lobby: as many as its tables seat
        return _table_max(state) * (tables if isinstance(tables, int) else MAX_TABLES)
    if state.phase == "lobby":  # duos at most, one unit per strategy card
        return min(MAX_PLAYERS, 2 * len(state.deck.strategies))
    return min(MAX_PLAYERS, 2 * _max_units(state))


def _join(state: State, actor: Actor, args: JoinArgs, now: int) -> list[Event]:
    """In the lobby, or later as a latecomer who is seated at the next deal."""
    if state.tables:
        raise Refusal(
            "game_started", "tables_formed", "The tables are formed; join a table instead."
        )
    if state.phase == "ended":
        raise Refusal(
            "game_started", "game_ended", "This game has ended; nobody can join it any more."
        )
    if len(state.players) >= _seats(state):
        raise Refusal(
            "table_full",
            "table_full",
            f"This table is full: it seats {_seats(state)} players.",
            seats=_seats(state),
        )
    name = clean(args.name, "name", name=True)
    organisation = clean(args.organisation, "organisation") if args.organisation.strip() else ""
    _name_free(state, name)
    returning = any(name_key(p.name) == name_key(name) for p in state.departed.values())
    if state.locked or args.knock or returning:  # the facilitator lets them in, or not
        knock_id = f"k{state.knock_count + 1}"
        return [Knocked(at=now, knock_id=knock_id, name=name, organisation=organisation,
                        token_hash=args.token_hash, returning=returning)]  # fmt: skip
    return [
        PlayerJoined(
            at=now,
            player_id=f"p{state.joined_count + 1}",
            name=name,
            organisation=organisation,
            token_hash=args.token_hash,
        )
    ]


def _name_free(state: State, name: str, knocking: bool = True) -> None:
    """Nobody at the table (nor, with `knocking`, waiting to join) has this or a look-alike."""
    key = name_key(name)
    waiting = (k.name for k in state.knocking.values()) if knocking else ()
    if any(name_key(n) == key for n in (*(p.name for p in state.players.values()), *waiting)):
        raise Refusal(
            "name_taken",
            "name_taken",
            f"Someone at this table is already called {name!r} (or a name that looks the same); "
            "add an initial.",
            name=name,
        )


def _lock(state: State, actor: Actor, args: LockArgs, now: int) -> list[Event]:
    return [] if state.locked == args.locked else [JoiningLocked(at=now, locked=args.locked)]


def _knock(state: State, knock_id: str) -> Knock:
    knock = state.knocking.get(knock_id)
    if knock is None:
        raise Refusal(
            "invalid_args",
            "no_such_knock",
            f"Nobody is waiting as {knock_id[:40]!r} (let in or turned away already).",
        )
    return knock


def _admit(state: State, actor: Actor, args: KnockArgs, now: int) -> list[Event]:
    knock = _knock(state, args.knock_id)
    if len(state.players) >= _seats(state):
        raise Refusal("table_full", "table_full", "The table is full now.", seats=_seats(state))
    _name_free(state, knock.name, knocking=False)  # (it is among those knocking itself)
    return [
        PlayerJoined(
            at=now,
            player_id=f"p{state.joined_count + 1}",
            name=knock.name,
            organisation=knock.organisation,
            token_hash=knock.token_hash,
            knock_id=knock.id,
        )
    ]


def _refuse(state: State, actor: Actor, args: KnockArgs, now: int) -> list[Event]:
    return [KnockRefused(at=now, knock_id=_knock(state, args.knock_id).id)]


def _reading_time(state: State, actor: Actor, args: ReadingTimeArgs, now: int) -> list[Event]:
    if args.player_id is None:
        same = state.more_time == args.more
    else:
        same = state.players[_player(state, args.player_id)].more_time == args.more
    return [] if same else [ReadingTimeGiven(at=now, player_id=args.player_id, more=args.more)]


def _configure(state: State, actor: Actor, args: ConfigureArgs, now: int) -> list[Event]:
    update = args.model_dump(exclude_none=True)
    if update.get("no_consensus_round") == 0:
        update["no_consensus_round"] = None
    settings = Settings.model_validate({**state.settings.model_dump(), **update})
    _check_settings(settings, state.deck)
    return [SettingsChanged(at=now, settings=settings)] if settings != state.settings else []


def _start_game(state: State, actor: Actor, args: NoArgs, now: int) -> list[Event]:
    players = list(state.players.values())
    if len(players) < MIN_PLAYERS:
        raise Refusal(
            "invalid_phase",
            "too_few_players",
            f"A game needs at least {MIN_PLAYERS} players; {len(players)} joined so far.",
            players=len(players),
        )
    cards = len(state.deck.strategies)
    units = dealing.form_units([(p.id, p.organisation) for p in players], state.seed, cards)
    ncr = state.settings.no_consensus_round
    if ncr is not None and len(units) >= cards:
        raise Refusal(
            "invalid_args",
            "no_consensus_round_at_six",
            f"A round without the consensus card needs fewer than {cards} units; this table has "
            f"{len(units)}. Clear that setting or start with other numbers.",
            units=len(units),
            cards=cards,
        )
    most = dealing.max_consensus_rounds(len(units), ncr, cards)
    if state.settings.rounds > most:
        raise Refusal(
            "invalid_args",
            "too_many_rounds",
            f"With {len(units)} units at most {most} rounds can each give the consensus card to a "
            f"unit that has not held it; lower the rounds to {most}.",
            units=len(units),
            most=most,
        )
    specs = tuple(UnitSpec(id=f"u{i}", members=m) for i, m in enumerate(units, 1))
    return [GameStarted(at=now, units=specs, picker=players[0].id)]


# --- choosing ------------------------------------------------------------------------------


def _swap(state: State, actor: Actor, args: SwapArgs, now: int) -> list[Event]:
    a, b = _player(state, args.a), _player(state, args.b)
    _seated(state, a)
    _seated(state, b)
    if state.players[a].unit == state.players[b].unit:
        raise Refusal(
            "invalid_args",
            "same_unit",
            "These two players already play in the same unit; pick players from two units.",
        )
    return [PlayersSwapped(at=now, a=a, b=b)]


def _set_picker(state: State, actor: Actor, args: PlayerArgs, now: int) -> list[Event]:
    return [PickerSet(at=now, player_id=_player(state, args.player_id))]


def _remaining(state: State) -> list[str]:
    return [o.id for o in state.deck.opdrachten if o.id not in state.used_opdrachten]


def _deal(state: State, opdracht_id: str, by: str | None, how: ChosenHow, now: int) -> list[Event]:
    if not state.units and not state.waiting:
        raise Refusal(
            "invalid_phase",
            "nobody_left",
            "Nobody is left at this table to deal cards to; end the game.",
        )
    seated = _seat_latecomers(state, now)
    for event in seated:
        state = evolve(state, event)
    chosen = OpdrachtChosen(at=now, round=state.round, opdracht_id=opdracht_id, by=by, how=how)
    deal, relaxed = dealing.deal_round(
        {uid: state.held(u) for uid, u in state.units.items()},
        state.round,
        state.settings.rounds,
        state.settings.no_consensus_round,
        state.seed,
        state.deck.strategy_ids,
    )
    return [
        *seated,
        chosen,
        StrategiesDealt(at=now, round=state.round, deal=deal, relaxed=relaxed),
    ]


def _seat_latecomers(state: State, now: int) -> list[Event]:
    if not state.waiting:
        return []
    places = dealing.place_latecomers(
        {uid: u.members for uid, u in state.units.items()},
        {pid: p.organisation for pid, p in state.players.items()},
        state.waiting,
        max_units=_max_units(state),
        next_unit=state.unit_count + 1,
        seed=state.seed,
        round_no=state.round,
    )
    return [PlayerSeated(at=now, player_id=pid, unit_id=uid) for pid, uid in places]


def _pick(state: State, actor: Actor, args: PickArgs, now: int) -> list[Event]:
    if actor.player_id != state.picker:
        picker = state.players.get(state.picker or "")
        whose = f"{picker.name}'s" if picker else "the facilitator's"
        raise Refusal(
            "forbidden",
            "not_your_turn",
            f"It is {whose} turn to pick the assignment card.",
            picker=picker.name if picker else "",
        )
    slots = dealing.opdracht_slots(_remaining(state), state.seed, state.round)
    if args.slot >= len(slots):
        raise Refusal(
            "invalid_args",
            "bad_slot",
            f"Pick one of the {len(slots)} cards (slot 0 to {len(slots) - 1}).",
        )
    return _deal(state, slots[args.slot], actor.player_id, "picked", now)


def _choose(state: State, actor: Actor, args: ChooseArgs, now: int) -> list[Event]:
    remaining = _remaining(state)
    if args.opdracht_id is None:
        drawn = dealing.opdracht_slots(remaining, state.seed, state.round)[0]
        return _deal(state, drawn, None, "drawn", now)
    if args.opdracht_id not in remaining:
        known = {o.id for o in state.deck.opdrachten}
        played = args.opdracht_id in known
        why = "was already played" if played else "is not in this deck"
        raise Refusal(
            "invalid_args",
            "opdracht_played" if played else "no_such_opdracht",
            f"Assignment card {args.opdracht_id[:40]!r} {why}.",
        )
    return _deal(state, args.opdracht_id, None, "chosen", now)


# --- reading -------------------------------------------------------------------------------


def _ready(state: State, actor: Actor, args: ReadyArgs, now: int) -> list[Event]:
    if actor.role == "facilitator":  # for a unit that plays on paper
        unit = state.units.get(args.unit_id or "")
        if unit is None or not unit.paper:
            raise Refusal(
                "invalid_args",
                "not_on_paper",
                "Only a unit that plays on paper is marked ready by the facilitator; the "
                "others say so on their phones.",
            )
        return [] if unit.ready else [UnitReady(at=now, unit_id=unit.id, player_id="")]
    unit = state.unit_of(actor.player_id)
    if unit is None or actor.player_id is None:
        raise Refusal("forbidden", "no_card", "You have no card this round.")
    return [] if unit.ready else [UnitReady(at=now, unit_id=unit.id, player_id=actor.player_id)]


def _paper(state: State, actor: Actor, args: PaperArgs, now: int) -> list[Event]:
    """Phones failed: a unit (or every unit) plays on paper, and back."""
    if state.phase in ("lobby", "ended") or not state.units:
        raise Refusal("invalid_phase", "wrong_phase", "Units play on paper only during the game.")
    if args.unit_id is not None and args.unit_id not in state.units:
        raise Refusal(
            "invalid_args", "no_such_unit", f"There is no unit {args.unit_id[:40]!r} at this table."
        )
    targets = [args.unit_id] if args.unit_id else list(state.units)
    return [
        UnitOnPaper(at=now, unit_id=uid, paper=args.paper)
        for uid in targets
        if state.units[uid].paper != args.paper
    ]


def _reveal(state: State, actor: Actor, args: UnitArgs, now: int) -> list[Event]:
    if not state.open_card:
        raise Refusal(
            "invalid_phase", "not_open_round", "Cards are laid open only in the open-card round."
        )
    unit = state.units.get(args.unit_id)
    if unit is None:
        raise Refusal(
            "invalid_args", "no_such_unit", f"There is no unit {args.unit_id[:40]!r} at this table."
        )
    if actor.role == "player" and actor.player_id not in unit.members:
        raise Refusal("forbidden", "not_your_card", "You can lay open only your own card.")
    by = actor.player_id if actor.role == "player" else None
    return [] if unit.revealed else [CardRevealed(at=now, unit_id=unit.id, by=by)]


def _start_timer(state: State, actor: Actor, args: StartTimerArgs, now: int) -> list[Event]:
    reading = [state.name(m) for m in state.still_reading]
    if reading and not args.anyway:
        raise Refusal(
            "invalid_phase",
            "still_reading",
            f"Given more time, still reading: {', '.join(reading)}. Wait, or start anyway.",
            names=reading,
        )
    closed = [u for u in state.units.values() if not u.revealed]
    if state.open_card and closed:
        names = [" & ".join(state.name(m) for m in u.members) for u in closed]
        raise Refusal(
            "invalid_phase",
            "cards_closed",
            "This is the open-card round: every card must be read aloud and laid open first "
            f"(still closed: {', '.join(u.id for u in closed)}). You can lay a card open for a "
            "unit.",
            units=names,
        )
    duration = round_duration_ms(state)
    warn_ms = scaled_ms(state, WARNING_SECONDS)
    return [TimerStarted(at=now, duration_ms=duration, deadline=now + duration, warn_ms=warn_ms)]


# --- discussing ----------------------------------------------------------------------------


def _pause(state: State, actor: Actor, args: NoArgs, now: int) -> list[Event]:
    if state.timer.status != "running":
        raise Refusal("invalid_phase", "timer_not_running", "The timer is not running.")
    return [TimerPaused(at=now, remaining_ms=remaining_ms(state, now))]


def _resume(state: State, actor: Actor, args: NoArgs, now: int) -> list[Event]:
    if state.timer.status != "paused":
        raise Refusal("invalid_phase", "timer_not_paused", "The timer is not paused.")
    return [TimerResumed(at=now, deadline=now + state.timer.remaining_ms)]


def _extend(state: State, actor: Actor, args: ExtendArgs, now: int) -> list[Event]:
    return [TimerExtended(at=now, by_ms=scaled_ms(state, args.seconds))]


def _end_discussion(state: State, actor: Actor, args: NoArgs, now: int) -> list[Event]:
    return [DiscussionEnded(at=now, remaining_ms=remaining_ms(state, now))]


# --- deciding and reflecting ---------------------------------------------------------------


def _record_decision(state: State, actor: Actor, args: DecisionArgs, now: int) -> list[Event]:
    text = clean(args.text, "decision", multiline=True)
    return [DecisionRecorded(at=now, text=text, reached=args.reached)]


def _support(state: State, actor: Actor, args: SupportArgs, now: int) -> list[Event]:
    _need_decision(state)
    pid = actor.player_id or ""
    if state.current.supports.get(pid) == args.value:
        return []
    return [SupportGiven(at=now, player_id=pid, value=args.value)]


def _need_decision(state: State) -> None:
    if state.current.decision_text is None:
        raise Refusal(
            "invalid_phase",
            "no_decision",
            "Record the group's decision first (reached: yes, partly or no).",
        )


def _next_prompt(state: State, actor: Actor, args: NoArgs, now: int) -> list[Event]:
    _need_decision(state)
    count = len(prompt_ids(state.deck, state.round, state.settings.rounds))
    if state.prompt_index >= count:
        last = state.round >= state.settings.rounds
        after = "end the game" if last else "start the next round"
        raise Refusal(
            "invalid_phase",
            "last_question",
            f"That was the last reflection question; {after}.",
            last_round=int(last),
        )
    return [PromptShown(at=now, index=state.prompt_index + 1)]


def _answer(state: State, actor: Actor, args: AnswerArgs, now: int) -> list[Event]:
    asked = prompt_ids(state.deck, state.round, state.settings.rounds)[: state.prompt_index]
    if args.prompt_id not in asked:
        raise Refusal(
            "invalid_args",
            "not_asked",
            f"Question {args.prompt_id[:40]!r} has not been asked in this reflection.",
        )
    pid = actor.player_id or ""
    text = clean(args.text, "answer", multiline=True)
    mark = (
        anonymous_author(actor.answer_key, state.round, args.prompt_id)
        if actor.answer_key
        else None
    )
    if args.anonymous and mark is None:
        raise Refusal(
            "forbidden", "no_answer_key", "Anonymous answers need a player's own connection."
        )
    earlier = [
        a
        for a in state.answers.values()
        if a.round == state.round
        and a.prompt_id == args.prompt_id
        and ((a.player_id == pid and not a.anonymous) or (a.anonymous and a.author == mark))
    ]
    if earlier and earlier[0].anonymous != args.anonymous:
        # Changing it would tie the anonymous text to the name in the log, so it stays as sent.
        raise Refusal(
            "invalid_args",
            "anonymity_fixed",
            "You answered this question "
            + ("anonymously" if earlier[0].anonymous else "with your name")
            + "; you can change the text, not who it is from.",
        )
    return [
        AnswerGiven(
            at=now,
            answer_id=earlier[0].id if earlier else f"a{len(state.answers) + 1}",
            player_id=None if args.anonymous else pid,
            prompt_id=args.prompt_id,
            text=text,
            anonymous=args.anonymous,
            author=mark if args.anonymous else None,
        )
    ]


def _guess(state: State, actor: Actor, args: GuessArgs, now: int) -> list[Event]:
    """After a hidden round's discussion a unit may guess which strategy another unit held. The
    guess is told to nobody (not even whether it is right) until the game has ended."""
    if not can_guess(state):
        raise Refusal(
            "invalid_phase",
            "no_guessing",
            "Guessing is for rounds played with closed cards, when the session allows it.",
        )
    mine = state.unit_of(actor.player_id)
    if mine is None:
        raise Refusal("forbidden", "no_card", "You had no card this round, so you cannot guess.")
    if args.unit_id == mine.id or args.unit_id not in state.units:
        raise Refusal(
            "invalid_args", "no_such_unit", "Guess the card of another unit at this table."
        )
    if args.strategy_id is not None and args.strategy_id not in state.deck.strategy_ids:
        raise Refusal(
            "invalid_args", "no_such_strategy", f"There is no strategy {args.strategy_id[:40]!r}."
        )
    if state.current.guesses.get((mine.id, args.unit_id)) == args.strategy_id:
        return []
    return [
        GuessGiven(
            at=now,
            round=state.round,
            by_unit=mine.id,
            unit_id=args.unit_id,
            strategy_id=args.strategy_id,
            player_id=actor.player_id or "",
        )
    ]


def _show_answer(state: State, actor: Actor, args: ShowAnswerArgs, now: int) -> list[Event]:
    answer = state.answers.get(args.answer_id)
    if answer is None or answer.round != state.round:
        raise Refusal(
            "invalid_args", "no_such_answer", f"There is no answer {args.answer_id[:40]!r} now."
        )
    if answer.shown == args.shown:
        return []
    return [AnswerShown(at=now, answer_id=answer.id, shown=args.shown)]


def _next_round(state: State, actor: Actor, args: NoArgs, now: int) -> list[Event]:
    _need_decision(state)
    if state.round >= state.settings.rounds:
        raise Refusal(
            "invalid_phase", "last_round", f"Round {state.round} was the last round; end the game."
        )
    order = list(state.players)
    picker = order[state.round % len(order)] if order else None
    return [RoundStarted(at=now, round=state.round + 1, picker=picker)]


def _end_game(state: State, actor: Actor, args: NoArgs, now: int) -> list[Event]:
    if state.phase == "ended":
        raise Refusal("invalid_phase", "ended", "The game has already ended.")
    return [GameEnded(at=now)]


def _check_out(state: State, actor: Actor, args: CheckOutArgs, now: int) -> list[Event]:
    """The closing check-out, always anonymous: stored under a mark only the player's own token
    makes again, so a question answered again takes the later answer and nobody can tie the
    answers to a name. One question or several per command: a phone sends each as it is given."""
    asked = {q.id: q for q in state.deck.checkout}
    if not asked:
        raise Refusal("invalid_phase", "no_checkout", "This game's deck has no check-out.")
    if actor.answer_key is None:
        raise Refusal("forbidden", "no_answer_key", "A check-out needs a player's own connection.")
    answers: dict[str, int | str] = {}
    for qid, value in args.answers.items():
        question = asked.get(qid)
        if question is None:
            raise Refusal("invalid_args", "not_asked", f"{qid[:40]!r} is not a check-out question.")
        if question.kind == "scale":
            if isinstance(value, str) or not 1 <= value <= 5:
                raise Refusal(
                    "invalid_args", "scale", f"{qid!r} is answered with a number from 1 to 5."
                )
            answers[qid] = value
        else:
            line = clean(value, "answer") if isinstance(value, str) else ""
            if not line or len(line) > CHECKOUT_LINE_MAX:
                raise Refusal(
                    "invalid_args",
                    "line",
                    f"{qid!r} is answered with one line of at most {CHECKOUT_LINE_MAX} characters.",
                )
            answers[qid] = line
    mark = anonymous_author(actor.answer_key, 0, "check-out")
    return [CheckedOut(at=now, author=mark, answers=answers)]


def _remove_player(state: State, actor: Actor, args: PlayerArgs, now: int) -> list[Event]:
    if state.phase == "ended":
        raise Refusal("invalid_phase", "ended", "The game has ended; its log stays as it was.")
    pid = _player(state, args.player_id)
    events: list[Event] = [PlayerRemoved(at=now, player_id=pid)]
    if state.phase == "choosing" and state.picker == pid:
        order = list(state.players)
        after = order[order.index(pid) + 1 :] + order[: order.index(pid)]
        if after:  # the turn passes on, so the round is not left without a picker
            events.append(PickerSet(at=now, player_id=after[0]))
    return events


def _seated(state: State, player_id: str) -> None:
    if state.players[player_id].unit is None:
        raise Refusal(
            "invalid_args",
            "waiting",
            f"{state.players[player_id].name} joined late and gets a place at the next deal.",
            name=state.players[player_id].name,
        )


def _seat_player(state: State, actor: Actor, args: SeatArgs, now: int) -> list[Event]:
    """A latecomer into a unit of one now, sharing its card, instead of at the next deal."""
    pid = _player(state, args.player_id)
    if state.players[pid].unit is not None:
        raise Refusal(
            "invalid_args",
            "already_seated",
            f"{state.players[pid].name} already plays in a unit.",
            name=state.players[pid].name,
        )
    unit = state.units.get(args.unit_id)
    if unit is None or len(unit.members) != 1:
        raise Refusal(
            "invalid_args",
            "not_a_solo",
            "A latecomer can join only a unit of one player (who then plays as a duo).",
        )
    if unit.strategy is not None and unit.strategy in state.players[pid].history:
        raise Refusal(
            "invalid_args",
            "held_before",
            f"{state.players[pid].name} held this unit's card before; choose another unit.",
            name=state.players[pid].name,
        )
    return [PlayerSeated(at=now, player_id=pid, unit_id=unit.id)]


def _restore_player(state: State, actor: Actor, args: PlayerArgs, now: int) -> list[Event]:
    """Undo a removal: the same seat, unit and card, while no new deal has happened since."""
    if state.phase == "ended":
        raise Refusal("invalid_phase", "ended", "The game has ended; its log stays as it was.")
    gone = state.departed.get(args.player_id)
    if gone is None:
        raise Refusal(
            "invalid_args",
            "not_removed",
            f"There is no removed player {args.player_id[:40]!r} to bring back.",
        )
    if gone.left_at_deal != state.deals:
        raise Refusal(
            "invalid_phase",
            "dealt_since",
            f"The cards were dealt again since {gone.name} left; they can join again as a new "
            "player instead.",
            name=gone.name,
        )
    if len(state.players) >= _seats(state):
        raise Refusal("table_full", "table_full", "The table is full now.", seats=_seats(state))
    unit = state.units.get(gone.unit or "")
    if unit is not None and len(unit.members) >= 2:
        raise Refusal(
            "invalid_args",
            "unit_full",
            f"{gone.name}'s unit has two players again; remove one or let {gone.name} join anew.",
            name=gone.name,
        )
    if any(name_key(p.name) == name_key(gone.name) for p in state.players.values()):
        raise Refusal(
            "name_taken",
            "name_taken",
            f"Someone at this table is called {gone.name!r} now.",
            name=gone.name,
        )
    return [PlayerRestored(at=now, player_id=gone.id)]


def _reissue_seat(state: State, actor: Actor, args: ReissueArgs, now: int) -> list[Event]:
    if state.phase == "ended":
        raise Refusal("invalid_phase", "ended", "The game has ended; nobody needs a seat now.")
    pid = _player(state, args.player_id)
    return [SeatReissued(at=now, player_id=pid, claim_hash=args.claim_hash)]


def _claim_seat(state: State, actor: Actor, args: ClaimArgs, now: int) -> list[Event]:
    found = [p for p in state.players.values() if p.claim_hash == args.claim_hash]
    if not found:
        raise Refusal(
            "forbidden",
            "claim_used",
            "This link for a new phone was used already or replaced; ask the facilitator for a "
            "new one.",
        )
    return [SeatClaimed(at=now, player_id=found[0].id, token_hash=args.token_hash)]


def _first_facilitator_only(actor: Actor) -> None:
    if (actor.facilitator_id or FIRST_FACILITATOR) != FIRST_FACILITATOR:
        raise Refusal(
            "forbidden",
            "first_facilitator_only",
            "Only the facilitator who created the session adds or revokes facilitator links.",
        )


def _add_facilitator(state: State, actor: Actor, args: AddFacilitatorArgs, now: int) -> list[Event]:
    _first_facilitator_only(actor)
    label = clean(args.label, "name", name=True)
    fid = args.facilitator_id or f"f{state.facilitator_count + 1}"
    if fid in state.facilitators or fid == FIRST_FACILITATOR:
        raise Refusal("invalid_args", "bad_args", f"Facilitator {fid[:40]!r} exists already.")
    return [FacilitatorAdded(at=now, facilitator_id=fid, label=label, token_hash=args.token_hash)]


def _revoke_facilitator(state: State, actor: Actor, args: FacilitatorArgs, now: int) -> list[Event]:
    _first_facilitator_only(actor)
    if args.facilitator_id not in state.facilitators:
        raise Refusal(
            "invalid_args",
            "no_such_facilitator",
            f"There is no added facilitator {args.facilitator_id[:40]!r} (revoked already?).",
        )
    return [FacilitatorRevoked(at=now, facilitator_id=args.facilitator_id)]


# --- workshops and the room ------------------------------------------------------------------


def _not_formed(state: State) -> None:
    if not state.is_workshop:
        raise Refusal(
            "invalid_phase",
            "not_a_workshop",
            "This session is one table; tables are formed only in a workshop's lobby.",
        )
    if state.tables:
        raise Refusal(
            "invalid_phase",
            "tables_formed",
            "The tables are formed already; each table now runs its own game.",
        )


def _move_player(state: State, actor: Actor, args: MoveArgs, now: int) -> list[Event]:
    _not_formed(state)
    pid = _player(state, args.player_id)
    count = len(proposal(state))
    if args.table > count:
        raise Refusal(
            "invalid_args",
            "no_such_table",
            f"There are {count} tables; choose 1 to {count}.",
            tables=count,
        )
    target = proposal(state)[args.table - 1]
    if pid not in target and len(target) >= _table_max(state):
        raise Refusal(
            "invalid_args",
            "table_full",
            f"Table {args.table} is full: a table seats {_table_max(state)} players.",
            seats=_table_max(state),
        )
    return [PlayerMoved(at=now, player_id=pid, table=args.table)]


def _form_tables(state: State, actor: Actor, args: FormArgs, now: int) -> list[Event]:
    _not_formed(state)
    tables = proposal(state)
    small = [i for i, t in enumerate(tables, 1) if len(t) < MIN_PLAYERS]
    if small:
        raise Refusal(
            "invalid_phase",
            "table_too_small",
            f"Every table needs at least {MIN_PLAYERS} players; table "
            f"{', '.join(map(str, small))} has fewer. Move players or wait for more.",
            tables=[str(i) for i in small],
        )
    if [list(t.players) for t in args.tables] != tables:
        raise Refusal(
            "invalid_phase",
            "proposal_changed",
            "Someone joined or was moved meanwhile; look at the tables again and confirm.",
        )
    specs = tuple(
        TableSpec(
            number=i,
            session_id=new.session_id,
            join_code=table_code(state.join_code, i),
            players=tuple(t),
        )
        for i, (new, t) in enumerate(zip(args.tables, tables, strict=True), 1)
    )
    return [TablesFormed(at=now, tables=specs)]


def _call(state: State, actor: Actor, args: NoArgs, now: int) -> list[Event]:
    if state.table_no is None:
        raise Refusal(
            "forbidden",
            "not_at_a_table",
            "Calling the facilitator is for a workshop's tables; here the facilitator is with you.",
        )
    if state.phase == "ended":
        raise Refusal("invalid_phase", "ended", "The game has ended.")
    pid = actor.player_id or ""
    return [] if state.call else [FacilitatorCalled(at=now, player_id=pid)]


def _answer_call(state: State, actor: Actor, args: NoArgs, now: int) -> list[Event]:
    return [CallAnswered(at=now)] if state.call else []


def _message(state: State, actor: Actor, args: MessageArgs, now: int) -> list[Event]:
    text = clean(args.text, "message") if args.text.strip() else ""
    return [] if (text or None) == state.message else [MessageSent(at=now, text=text)]


def _registry(*commands: Command[Any]) -> dict[str, Command[Any]]:
    return {c.name: c for c in commands}


_F, _P, _N = FACILITATOR_ONLY, PLAYER_ONLY, NEWCOMER
_NOT_ENDED: tuple[Phase, ...] = (
    "lobby",
    "choosing",
    "reading",
    "discussing",
    "deciding",
    "reflecting",
)
_UNIT_OR_FACILITATOR: frozenset[Role | None] = frozenset({"player", "facilitator"})

# The commands the service sends itself (over HTTP, with a credential it makes), by name, so
# that it builds typed arguments: `table.execute(actor, JOIN, JoinArgs(...))`.
JOIN = Command(
    "join",
    _N,
    JoinArgs,
    "any phase but ended (over HTTP: POST /api/join); after the start the player waits "
    "for the next deal",
    _join,
    http=True,
    workshop=True,
)

CLAIM_SEAT = Command(
    "claim_seat",
    _N,
    ClaimArgs,
    "a seat moved to a new device (over HTTP: POST /api/sessions/{id}/claim)",
    _claim_seat,
    http=True,
)

REISSUE_SEAT = Command(
    "reissue_seat",
    _F,
    ReissueArgs,
    "any phase but ended (over HTTP: POST /api/sessions/{id}/players/{player_id}/seat)",
    _reissue_seat,
    http=True,
)

ADD_FACILITATOR = Command(
    "add_facilitator",
    _F,
    AddFacilitatorArgs,
    "the first facilitator (over HTTP: POST /api/sessions/{id}/facilitators)",
    _add_facilitator,
    http=True,
    workshop=True,
)

REVOKE_FACILITATOR = Command(
    "revoke_facilitator",
    _F,
    FacilitatorArgs,
    "the first facilitator (over HTTP: DELETE /api/sessions/{id}/facilitators/{fid})",
    _revoke_facilitator,
    http=True,
    workshop=True,
)

FORM_TABLES = Command(
    "form_tables",
    _F,
    FormArgs,
    "a workshop's lobby (over HTTP: POST /api/sessions/{id}/tables)",
    _form_tables,
    http=True,
    workshop=True,
)

COMMANDS: Mapping[str, Command[Any]] = _registry(
    JOIN,
    CLAIM_SEAT,
    REISSUE_SEAT,
    ADD_FACILITATOR,
    REVOKE_FACILITATOR,
    Command(
        "configure",
        _F,
        ConfigureArgs,
        "",
        _configure,
        phases=("lobby",),
        doing="change the settings",
        workshop=True,
    ),
    Command(
        "start_game",
        _F,
        NoArgs,
        "3+ players: forms units (duos from 7)",
        _start_game,
        phases=("lobby",),
        doing="start the game",
        table_wide=True,
    ),
    Command(
        "swap_players",
        _F,
        SwapArgs,
        "before the deal",
        _swap,
        phases=("choosing",),
        doing="swap players (before the cards are dealt)",
    ),
    Command(
        "set_picker",
        _F,
        PlayerArgs,
        "",
        _set_picker,
        phases=("choosing",),
        doing="name who picks the assignment",
    ),
    Command(
        "pick_opdracht",
        _P,
        PickArgs,
        "the picker only",
        _pick,
        phases=("choosing",),
        doing="pick an assignment card",
    ),
    Command(
        "choose_opdracht",
        _F,
        ChooseArgs,
        "`{}` draws a card",
        _choose,
        phases=("choosing",),
        doing="choose the assignment card",
        table_wide=True,
    ),
    Command(
        "ready",
        _UNIT_OR_FACILITATOR,
        ReadyArgs,
        "the facilitator for a unit on paper (`unit_id`)",
        _ready,
        phases=("reading",),
        doing="say you understand your card",
    ),
    Command(
        "set_paper",
        _F,
        PaperArgs,
        "during the game: a unit (or all, `unit_id` null) plays on paper, or back",
        _paper,
    ),
    Command(
        "reveal",
        _UNIT_OR_FACILITATOR,
        UnitArgs,
        "the open-card round; a member of the unit or the facilitator",
        _reveal,
        phases=(
            "reading",
            "discussing",
        ),
        doing="lay a card open",
    ),
    Command(
        "start_timer",
        _F,
        StartTimerArgs,
        "in the open-card round every card open; those given more time ready (or `anyway`)",
        _start_timer,
        phases=("reading",),
        doing="start the discussion",
        table_wide=True,
    ),
    Command(
        "pause_timer",
        _F,
        NoArgs,
        "",
        _pause,
        phases=("discussing",),
        doing="pause the timer",
        table_wide=True,
    ),
    Command(
        "resume_timer",
        _F,
        NoArgs,
        "paused",
        _resume,
        phases=("discussing",),
        doing="resume the timer",
        table_wide=True,
    ),
    Command(
        "extend_timer",
        _F,
        ExtendArgs,
        "",
        _extend,
        phases=("discussing",),
        doing="extend the timer",
        table_wide=True,
    ),
    Command(
        "end_discussion",
        _F,
        NoArgs,
        "",
        _end_discussion,
        phases=("discussing",),
        doing="end the discussion",
        table_wide=True,
    ),
    Command(
        "record_decision",
        _F,
        DecisionArgs,
        "",
        _record_decision,
        phases=(
            "deciding",
            "reflecting",
        ),
        doing="record the decision",
    ),
    Command(
        "support",
        _P,
        SupportArgs,
        "once recorded",
        _support,
        phases=(
            "deciding",
            "reflecting",
        ),
        doing="say whether you stand behind the decision",
    ),
    Command(
        "next_prompt",
        _F,
        NoArgs,
        "the decision recorded",
        _next_prompt,
        phases=(
            "deciding",
            "reflecting",
        ),
        doing="show the next reflection question",
        table_wide=True,
    ),
    Command(
        "answer",
        _P,
        AnswerArgs,
        "questions asked so far; answering again edits",
        _answer,
        phases=("reflecting",),
        doing="answer a reflection question",
    ),
    Command(
        "guess",
        _P,
        GuessArgs,
        "a closed-card round: which strategy another unit held",
        _guess,
        phases=(
            "deciding",
            "reflecting",
        ),
        doing="guess the other strategies",
    ),
    Command(
        "show_answer",
        _F,
        ShowAnswerArgs,
        "this round's answers",
        _show_answer,
        phases=("reflecting",),
        doing="show answers on the screen",
    ),
    Command(
        "next_round",
        _F,
        NoArgs,
        "the decision recorded, not the last round",
        _next_round,
        phases=(
            "deciding",
            "reflecting",
        ),
        doing="start the next round",
        table_wide=True,
    ),
    Command("end_game", _F, NoArgs, "any phase but ended", _end_game, table_wide=True),
    Command(
        "check_out",
        _P,
        CheckOutArgs,
        "the deck's closing questions, anonymous; answering again replaces",
        _check_out,
        phases=("ended",),
        doing="answer the check-out",
    ),
    Command(
        "lock_joining",
        _F,
        LockArgs,
        "newcomers ask and wait until admitted",
        _lock,
        phases=_NOT_ENDED,
        doing="lock the table",
        workshop=True,
    ),
    Command(
        "admit",
        _F,
        KnockArgs,
        "someone waiting to join: seated as a new player",
        _admit,
        phases=_NOT_ENDED,
        doing="let someone in",
        workshop=True,
    ),
    Command(
        "refuse",
        _F,
        KnockArgs,
        "someone waiting to join: their phone is told",
        _refuse,
        phases=_NOT_ENDED,
        doing="turn someone away",
        workshop=True,
    ),
    Command(
        "give_reading_time",
        _F,
        ReadingTimeArgs,
        "the discussion waits for that player (null: everyone) to be ready",
        _reading_time,
        phases=_NOT_ENDED,
        doing="give more reading time",
    ),
    Command("remove_player", _F, PlayerArgs, "any phase but ended", _remove_player, workshop=True),
    Command(
        "restore_player",
        _F,
        PlayerArgs,
        "a removed player, while no deal happened since the removal",
        _restore_player,
        workshop=True,
    ),
    Command(
        "call_facilitator",
        _P,
        NoArgs,
        "at a workshop's table, any phase but ended: the console shows it until answered",
        _call,
    ),
    Command("answer_call", _F, NoArgs, "a table called the facilitator", _answer_call),
    Command(
        "send_message",
        _F,
        MessageArgs,
        "any time: a short message on every phone and screen of the table",
        _message,
        workshop=True,
        table_wide=True,
    ),
    Command(
        "move_player",
        _F,
        MoveArgs,
        "a workshop's lobby, before the tables are formed",
        _move_player,
        workshop=True,
    ),
    FORM_TABLES,
    Command(
        "seat_player",
        _F,
        SeatArgs,
        "a latecomer into a unit of one now (else at the next deal)",
        _seat_player,
        phases=(
            "choosing",
            "reading",
            "discussing",
            "deciding",
            "reflecting",
        ),
        doing="seat a latecomer",
    ),
)
SOCKET_COMMANDS: tuple[str, ...] = tuple(n for n, c in COMMANDS.items() if c.over_socket)
