"""The state of one session: a frozen value, rebuilt by folding its events (`evolve`).

Nothing here is mutated in place: `evolve` returns a new state that shares what did not change,
so a refused command can never have touched the state it was given.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from game.deck import Deck
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
    Reached,
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
    TimeUp,
    UnitOnPaper,
    UnitReady,
    WarningGiven,
)
from game.settings import Settings, default_round_seconds

Phase = Literal["lobby", "choosing", "reading", "discussing", "deciding", "reflecting", "ended"]
TimerStatus = Literal["idle", "running", "paused", "expired"]


@dataclass(frozen=True)
class Player:
    id: str
    name: str
    organisation: str
    token_hash: str
    unit: str | None = None
    history: tuple[str, ...] = ()  # every strategy card this player has held, oldest first
    claim_hash: str | None = None  # a new device's one-time claim, until it is used
    left_at_deal: int | None = None  # removed players: deals so far when they left (see restore)
    more_time: bool = False  # given more time to read: the discussion waits for them


@dataclass(frozen=True)
class Knock:
    """Someone waiting to be let in: the facilitator admits (a new player) or refuses."""

    id: str
    name: str
    organisation: str
    token_hash: str
    at: int
    returning: bool = False  # a removed player's name


@dataclass(frozen=True)
class CoFacilitator:
    id: str
    label: str
    token_hash: str


@dataclass(frozen=True)
class Unit:
    id: str
    members: tuple[str, ...]
    strategy: str | None = None  # this round's card
    revealed: bool = False
    ready: bool = False
    paper: bool = False  # played on paper: the facilitator sets its readiness


@dataclass(frozen=True)
class Timer:
    status: TimerStatus = "idle"
    duration_ms: int = 0
    remaining_ms: int = 0  # meaningful while idle or paused; while running the deadline rules
    deadline: int | None = None
    warn_ms: int = 0
    warned: bool = False


@dataclass(frozen=True)
class Answer:
    id: str
    round: int
    prompt_id: str
    player_id: str | None  # None when anonymous
    text: str
    anonymous: bool
    at: int
    author: str | None = None  # an anonymous answer's mark (see `game.commands.anonymous_author`)
    shown: bool = False


@dataclass(frozen=True)
class RoundRecord:
    """What a trainer needs of a round once it is over; the current round is the last record."""

    number: int
    picker: str | None
    opdracht_id: str | None = None
    chosen_how: ChosenHow | None = None
    deal: Mapping[str, str] = field(default_factory=dict)
    members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    relaxed: bool = False
    revealed: tuple[str, ...] = ()
    discussion_started_at: int | None = None
    discussion_ended_at: int | None = None
    discussion_ms: int = 0
    decision_text: str | None = None
    reached: Reached | None = None
    supports: Mapping[str, Reached] = field(default_factory=dict)
    guesses: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (by unit, unit) -> card


@dataclass(frozen=True)
class State:
    session_id: str
    join_code: str
    created_at: int
    settings: Settings
    seed: int
    time_scale: float
    deck: Deck
    token_hashes: Mapping[str, str]
    decks: Mapping[str, Deck] = field(default_factory=dict)  # by language, `deck` among them
    version: int = 1
    phase: Phase = "lobby"
    round: int = 0
    players: Mapping[str, Player] = field(default_factory=dict)  # in join order
    departed: Mapping[str, Player] = field(default_factory=dict)  # removed, for the history
    vacated: Mapping[str, Unit] = field(default_factory=dict)  # units emptied by a removal
    joined_count: int = 0
    unit_count: int = 0  # units ever formed: a new unit's id is the next number
    facilitators: Mapping[str, CoFacilitator] = field(default_factory=dict)  # added, not revoked
    facilitator_count: int = 1
    last_by: str | None = None  # the facilitator who took the last step (co-facilitators see it)
    # a workshop's table: its workshop and number; a workshop: its tables once formed
    parent: str | None = None
    table_no: int | None = None
    workshop_code: str | None = None
    tables: tuple[TableSpec, ...] = ()
    tables_formed_at: int = 0
    moves: Mapping[str, int] = field(default_factory=dict)  # workshop proposal: player -> table
    call: str | None = None  # the player who called the facilitator, until answered
    message: str | None = None  # the facilitator's message on every phone and screen
    locked: bool = False  # newcomers knock and wait for the facilitator
    knocking: Mapping[str, Knock] = field(default_factory=dict)
    knock_count: int = 0
    more_time: bool = False  # everyone may take their time to read: the discussion waits

    @property
    def is_workshop(self) -> bool:
        return self.settings.tables is not None

    round_seconds: int | None = None  # fixed when the game starts
    units: Mapping[str, Unit] = field(default_factory=dict)
    picker: str | None = None
    opdracht: str | None = None
    used_opdrachten: tuple[str, ...] = ()
    timer: Timer = Timer()
    prompt_index: int = 0
    answers: Mapping[str, Answer] = field(default_factory=dict)
    rounds: tuple[RoundRecord, ...] = ()
    ended_at: int | None = None
    # the closing check-out: each player's answers under their anonymous mark
    checkouts: Mapping[str, Mapping[str, int | str]] = field(default_factory=dict)

    @property
    def open_card(self) -> bool:
        """This round is played 'open card' (the last one, unless the facilitator turned it off)."""
        return self.settings.open_card_last_round and self.round == self.settings.rounds

    @property
    def current(self) -> RoundRecord:
        return self.rounds[-1]

    @property
    def deals(self) -> int:
        return sum(1 for r in self.rounds if r.deal)

    @property
    def waiting(self) -> list[str]:
        """Players who joined after the start and have no unit yet, in join order."""
        if self.phase == "lobby":
            return []
        return [p.id for p in self.players.values() if p.unit is None]

    @property
    def still_reading(self) -> list[str]:
        """Players the discussion waits for: not ready, and given more time (or all were)."""
        return [
            m
            for u in self.units.values()
            if not u.ready
            and not u.paper
            and (self.more_time or any(self.players[p].more_time for p in u.members))
            for m in u.members
        ]

    def unit_of(self, player_id: str | None) -> Unit | None:
        player = self.players.get(player_id) if player_id else None
        return self.units.get(player.unit) if player and player.unit else None

    def held(self, unit: Unit) -> frozenset[str]:
        """Every card a member of `unit` has held, in this unit or another (rule 3)."""
        return frozenset(card for m in unit.members for card in self.players[m].history)

    def name(self, player_id: str) -> str:
        """A player's name, also after they were removed (trainers read old rounds)."""
        player = self.players.get(player_id) or self.departed.get(player_id)
        return player.name if player else player_id


K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")


def replace(record: R, **changes: Any) -> R:
    """`dataclasses.replace` without running `__init__` again: the records here are frozen and
    have no `__post_init__` or derived fields, so their fields copied with some changed are the
    same value. (`dataclasses.replace` took 24 µs per State, 1.2 of the 2.2 s that folding 500
    sessions' logs took at recovery, and a share of every command.)"""
    fields = record.__dataclass_fields__  # type: ignore[attr-defined]
    if not changes.keys() <= fields.keys():
        raise TypeError(f"{type(record).__name__} has no field {set(changes) - set(fields)}")
    copy = object.__new__(type(record))
    copy.__dict__.update(record.__dict__)
    copy.__dict__.update(changes)
    return copy


def _put(mapping: Mapping[K, V], key: K, value: V) -> dict[K, V]:
    return {**mapping, key: value}


def _with_round(state: State, **changes: Any) -> State:
    return replace(state, rounds=(*state.rounds[:-1], replace(state.current, **changes)))


def _timer_stopped(state: State, at: int, remaining_ms: int) -> State:
    elapsed = state.timer.duration_ms - remaining_ms
    timer = replace(state.timer, status="expired", remaining_ms=remaining_ms, deadline=None)
    return _with_round(
        replace(state, timer=timer, phase="deciding"),
        discussion_ended_at=at,
        discussion_ms=max(0, elapsed),
    )


def evolve(state: State | None, event: Event) -> State:
    """Apply one event. Events were checked by `decide`, so this never refuses."""
    if isinstance(event, SessionCreated):
        return State(
            session_id=event.session_id,
            join_code=event.join_code,
            created_at=event.at,
            settings=event.settings,
            seed=event.seed,
            time_scale=event.time_scale,
            deck=event.deck,
            token_hashes=dict(event.token_hashes),
            decks={**event.translations, event.deck.language: event.deck},
            parent=event.parent,
            table_no=event.table,
            workshop_code=event.workshop_code,
        )
    assert state is not None, "the first event of a session must be session_created"
    state = replace(state, version=state.version + 1)
    if event.facilitator is not None and event.facilitator != state.last_by:
        state = replace(state, last_by=event.facilitator)
    match event:
        case SettingsChanged(settings=settings):
            return replace(state, settings=settings)
        case PlayerJoined():
            player = Player(event.player_id, event.name, event.organisation, event.token_hash)
            return replace(
                state,
                players=_put(state.players, player.id, player),
                joined_count=state.joined_count + 1,
                knocking={k: v for k, v in state.knocking.items() if k != event.knock_id},
            )
        case JoiningLocked(locked=locked):
            return replace(state, locked=locked)
        case Knocked():
            knock = Knock(
                event.knock_id,
                event.name,
                event.organisation,
                event.token_hash,
                event.at,
                event.returning,
            )
            knocking = _put(state.knocking, knock.id, knock)
            return replace(state, knocking=knocking, knock_count=state.knock_count + 1)
        case KnockRefused(knock_id=kid):
            return replace(state, knocking={k: v for k, v in state.knocking.items() if k != kid})
        case ReadingTimeGiven(player_id=None, more=more):
            return replace(state, more_time=more)
        case ReadingTimeGiven(player_id=str(pid), more=more):
            return replace(
                state, players=_put(state.players, pid, replace(state.players[pid], more_time=more))
            )
        case PlayerRemoved(player_id=pid):
            leaving = replace(state.players[pid], left_at_deal=state.deals, claim_hash=None)
            departed = {**state.departed, pid: leaving}
            players = {k: v for k, v in state.players.items() if k != pid}
            units, vacated = dict(state.units), dict(state.vacated)
            gone = leaving.unit
            if gone is not None:
                members = tuple(m for m in units[gone].members if m != pid)
                if members:
                    units[gone] = replace(units[gone], members=members)
                else:  # kept for a restore, without the member who left
                    vacated[gone] = replace(units.pop(gone), members=())
            picker = None if state.picker == pid else state.picker
            return replace(
                state,
                players=players,
                departed=departed,
                units=units,
                vacated=vacated,
                picker=picker,
            )
        case PlayerRestored(player_id=pid):
            back = replace(state.departed[pid], left_at_deal=None)
            departed = {k: v for k, v in state.departed.items() if k != pid}
            players = dict(
                sorted({**state.players, pid: back}.items(), key=lambda kv: _numbered(kv[0]))
            )
            units, vacated = dict(state.units), dict(state.vacated)
            if back.unit in units:
                unit = units[back.unit]
                units[back.unit] = replace(unit, members=(*unit.members, pid))
            elif back.unit is not None:
                units[back.unit] = replace(vacated.pop(back.unit), members=(pid,))
                units = dict(sorted(units.items(), key=lambda kv: _numbered(kv[0])))
            return replace(state, players=players, departed=departed, units=units, vacated=vacated)
        case PlayerSeated(player_id=pid, unit_id=uid):
            unit = state.units.get(uid) or Unit(uid, ())
            card = unit.strategy
            player = state.players[pid]
            seated = replace(
                player,
                unit=uid,
                history=(*player.history, card) if card else player.history,
            )
            state = replace(
                state,
                players=_put(state.players, pid, seated),
                units=_put(state.units, uid, replace(unit, members=(*unit.members, pid))),
                unit_count=state.unit_count + (0 if uid in state.units else 1),
            )
            if card is None or not state.rounds:
                return state
            dealt = {**state.current.members, uid: state.units[uid].members}
            return _with_round(state, members=dealt)
        case SeatReissued(player_id=pid, claim_hash=claim):
            moved = replace(state.players[pid], token_hash="", claim_hash=claim)
            return replace(state, players=_put(state.players, pid, moved))
        case SeatClaimed(player_id=pid, token_hash=token_hash):
            moved = replace(state.players[pid], token_hash=token_hash, claim_hash=None)
            return replace(state, players=_put(state.players, pid, moved))
        case FacilitatorAdded(facilitator_id=fid, label=label, token_hash=token_hash):
            added = CoFacilitator(fid, label, token_hash)
            return replace(
                state,
                facilitators=_put(state.facilitators, fid, added),
                facilitator_count=max(state.facilitator_count, _numbered(fid)),
            )
        case PlayerMoved(player_id=pid, table=number):
            return replace(state, moves=_put(state.moves, pid, number))
        case TablesFormed(tables=tables):
            return replace(state, tables=tables, tables_formed_at=event.at)
        case FacilitatorCalled(player_id=pid):
            return replace(state, call=pid)
        case CallAnswered():
            return replace(state, call=None)
        case MessageSent(text=text):
            return replace(state, message=text or None)
        case FacilitatorRevoked(facilitator_id=fid):
            kept = {k: v for k, v in state.facilitators.items() if k != fid}
            return replace(state, facilitators=kept)
        case GameStarted(units=specs, picker=picker):
            units = {u.id: Unit(u.id, u.members) for u in specs}
            players = dict(state.players)
            for u in specs:
                for m in u.members:
                    players[m] = replace(players[m], unit=u.id)
            record = RoundRecord(number=1, picker=picker)
            return replace(
                state,
                phase="choosing",
                round=1,
                round_seconds=state.settings.round_seconds
                or default_round_seconds(len(state.players)),
                units=units,
                unit_count=len(units),
                players=players,
                picker=picker,
                rounds=(record,),
            )
        case PlayersSwapped(a=a, b=b):
            pa, pb = state.players[a], state.players[b]
            assert pa.unit is not None and pb.unit is not None
            ua, ub = state.units[pa.unit], state.units[pb.unit]
            units = dict(state.units)
            units[ua.id] = replace(ua, members=tuple(b if m == a else m for m in ua.members))
            units[ub.id] = replace(ub, members=tuple(a if m == b else m for m in ub.members))
            players = {**state.players, a: replace(pa, unit=pb.unit), b: replace(pb, unit=pa.unit)}
            return replace(state, units=units, players=players)
        case PickerSet(player_id=pid):
            return _with_round(replace(state, picker=pid), picker=pid)
        case OpdrachtChosen(opdracht_id=oid, how=how):
            state = replace(
                state,
                opdracht=oid,
                used_opdrachten=(*state.used_opdrachten, oid),
                phase="reading",
            )
            return _with_round(state, opdracht_id=oid, chosen_how=how)
        case StrategiesDealt(deal=deal, relaxed=relaxed):
            units = {uid: replace(u, strategy=deal[uid]) for uid, u in state.units.items()}
            players = dict(state.players)
            for unit in state.units.values():
                for m in unit.members:
                    players[m] = replace(players[m], history=(*players[m].history, deal[unit.id]))
            return _with_round(
                replace(state, units=units, players=players),
                deal=dict(deal),
                members={uid: u.members for uid, u in state.units.items()},
                relaxed=relaxed,
            )
        case UnitReady(unit_id=uid):
            return replace(
                state, units=_put(state.units, uid, replace(state.units[uid], ready=True))
            )
        case UnitOnPaper(unit_id=uid, paper=paper):
            return replace(
                state, units=_put(state.units, uid, replace(state.units[uid], paper=paper))
            )
        case CardRevealed(unit_id=uid):
            state = replace(
                state, units=_put(state.units, uid, replace(state.units[uid], revealed=True))
            )
            return _with_round(state, revealed=(*state.current.revealed, uid))
        case TimerStarted(duration_ms=duration, deadline=deadline, warn_ms=warn_ms):
            timer = Timer(
                status="running",
                duration_ms=duration,
                remaining_ms=duration,
                deadline=deadline,
                warn_ms=warn_ms,
                warned=duration <= warn_ms,
            )
            return _with_round(
                replace(state, timer=timer, phase="discussing"), discussion_started_at=event.at
            )
        case TimerPaused(remaining_ms=remaining):
            timer = replace(state.timer, status="paused", remaining_ms=remaining, deadline=None)
            return replace(state, timer=timer)
        case TimerResumed(deadline=deadline):
            return replace(state, timer=replace(state.timer, status="running", deadline=deadline))
        case TimerExtended(by_ms=by_ms):
            t = state.timer
            timer = replace(
                t,
                duration_ms=t.duration_ms + by_ms,
                remaining_ms=t.remaining_ms + by_ms,
                deadline=t.deadline + by_ms if t.deadline is not None else None,
            )
            return replace(state, timer=timer)
        case WarningGiven():
            return replace(state, timer=replace(state.timer, warned=True))
        case TimeUp():
            return _timer_stopped(state, event.at, 0)
        case DiscussionEnded(remaining_ms=remaining):
            return _timer_stopped(state, event.at, remaining)
        case DecisionRecorded(text=text, reached=reached):
            return _with_round(state, decision_text=text, reached=reached)
        case SupportGiven(player_id=pid, value=value):
            return _with_round(state, supports=_put(state.current.supports, pid, value))
        case PromptShown(index=index):
            # a new question: what was on the screen for the last one leaves it
            answers = {
                k: replace(a, shown=False) if a.shown else a for k, a in state.answers.items()
            }
            return replace(state, phase="reflecting", prompt_index=index, answers=answers)
        case AnswerGiven():
            answer = Answer(
                event.answer_id,
                state.round,
                event.prompt_id,
                event.player_id,
                event.text,
                event.anonymous,
                event.at,
                event.author,
            )
            return replace(state, answers=_put(state.answers, answer.id, answer))
        case GuessGiven(by_unit=by, unit_id=uid, strategy_id=card):
            guesses = {k: v for k, v in state.current.guesses.items() if k != (by, uid)}
            if card is not None:
                guesses[by, uid] = card
            return _with_round(state, guesses=guesses)
        case AnswerShown(answer_id=aid, shown=shown):
            answer = replace(state.answers[aid], shown=shown)
            return replace(state, answers=_put(state.answers, aid, answer))
        case RoundStarted(round=number, picker=picker):
            units = {
                uid: replace(u, strategy=None, revealed=False, ready=False)
                for uid, u in state.units.items()
            }
            record = RoundRecord(number=number, picker=picker)
            vacated = {
                uid: replace(u, strategy=None, revealed=False, ready=False)
                for uid, u in state.vacated.items()
            }
            return replace(
                state,
                phase="choosing",
                round=number,
                units=units,
                vacated=vacated,
                picker=picker,
                opdracht=None,
                timer=Timer(),
                prompt_index=0,
                rounds=(*state.rounds, record),
            )
        case GameEnded():
            return replace(state, phase="ended", ended_at=event.at, timer=Timer())
        case CheckedOut(author=mark, answers=given):
            merged = {**state.checkouts.get(mark, {}), **given}  # a later answer replaces
            return replace(state, checkouts=_put(state.checkouts, mark, merged))
    raise AssertionError(f"unhandled event {event!r}")


def _numbered(key: str) -> int:
    """Players (p1, p2…) and units (u1, u2…) in the order they came: a restored one goes back."""
    return int(key[1:]) if key[1:].isdigit() else 0


def fold(events: Iterable[Event]) -> State:
    """The state after these events, from nothing: how a restart and a replay rebuild a session."""
    state: State | None = None
    for event in events:
        state = evolve(state, event)
    if state is None:
        raise ValueError("a session needs at least its session_created event")
    return state
