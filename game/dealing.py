"""Forming units, dealing strategy cards and laying out the face-down assignment cards.

All randomness comes from `random.Random` seeded with the session seed and what is being drawn,
so the same seed and the same players give the same table. The results go into events, so a
replay never draws again.
"""

import math
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from random import Random

from game.deck import CONSENSUS, STRATEGY_IDS

PAIRING_TRIES = 64


def _rng(seed: int, *what: object) -> Random:
    return Random(":".join(str(part) for part in (seed, *what)))


def form_units(
    players: Sequence[tuple[str, str]], seed: int, cards: int = len(STRATEGY_IDS)
) -> list[tuple[str, ...]]:
    """Group (player id, organisation) into units: alone while there is a strategy card for each
    (6 in the standard deck), else duos and one solo.

    Duos are random, preferring two different organisations: of a fixed number of random pairings
    the first with the fewest same-organisation duos wins.
    """
    ids = [pid for pid, _ in players]
    if len(ids) <= cards:
        return [(pid,) for pid in ids]
    org = {pid: o.strip().casefold() for pid, o in players}
    rng = _rng(seed, "units")
    best: list[tuple[str, ...]] = []
    best_score = math.inf
    for _ in range(PAIRING_TRIES):
        order = ids[:]
        rng.shuffle(order)
        units = [tuple(order[i : i + 2]) for i in range(0, len(order), 2)]
        score = sum(1 for u in units if len(u) == 2 and org[u[0]] and org[u[0]] == org[u[1]])
        if score < best_score:
            best, best_score = units, score
        if score == 0:
            break
    return best


def place_latecomers(
    units: Mapping[str, Sequence[str]],
    organisations: Mapping[str, str],
    waiting: Sequence[str],
    *,
    max_units: int,
    next_unit: int,
    seed: int,
    round_no: int,
) -> list[tuple[str, str]]:
    """Where players who joined after the start sit from this deal on: (player id, unit id).

    The table keeps the shape of docs/RULES.md as it grows: while everyone plays alone and there is
    room for another unit, a latecomer is a unit of their own; otherwise they join a player who
    plays alone (preferring another organisation), and with nobody alone they start a new unit.
    `max_units` keeps every later deal possible (5 when a round without consensus is set)."""
    members = {uid: list(m) for uid, m in units.items()}
    org = {pid: o.strip().casefold() for pid, o in organisations.items()}
    rng = _rng(seed, "latecomers", round_no)
    placed: list[tuple[str, str]] = []
    for pid in waiting:
        solos = [uid for uid, m in members.items() if len(m) == 1]
        all_alone = len(solos) == len(members)
        if (all_alone or not solos) and len(members) < max_units:
            uid = f"u{next_unit}"
            next_unit += 1
            members[uid] = []
        elif solos:
            mixed = [u for u in solos if not org[pid] or org[members[u][0]] != org[pid]]
            uid = rng.choice(mixed or solos)
        else:  # a full table of duos at the most units: cannot happen with 12 seats
            raise ValueError("no place for a latecomer")
        members[uid].append(pid)
        placed.append((pid, uid))
    return placed


TABLE_MAX = 12


def table_count(players: int, tables: int | str, most: int = TABLE_MAX) -> int:
    """'auto': as few tables of at most `most` (12, two per strategy card) as fit everyone (so
    13 players sit 6 + 7)."""
    return tables if isinstance(tables, int) else max(1, math.ceil(players / most))


def form_tables(players: Sequence[tuple[str, str]], count: int, seed: int) -> list[list[str]]:
    """A workshop's players over `count` tables: sizes differ by at most one, and colleagues of
    one organisation are spread over the tables (each organisation's members, shuffled, are
    dealt round the tables in turn, the biggest organisation first)."""
    rng = _rng(seed, "tables")
    groups: dict[str, list[str]] = {}
    for pid, org in players:
        key = org.strip().casefold()
        groups.setdefault(key or f"\0{pid}", []).append(pid)  # no organisation: on their own
    for members in groups.values():
        rng.shuffle(members)
    ordered = sorted(groups.values(), key=lambda g: (-len(g), rng.random()))
    tables: list[list[str]] = [[] for _ in range(count)]
    for i, pid in enumerate(p for group in ordered for p in group):
        tables[i % count].append(pid)
    return tables


@lru_cache(maxsize=512)
def _round_options(
    histories: tuple[frozenset[str], ...],
    consensus: bool,
    relaxed: bool = False,
    deck: tuple[str, ...] = STRATEGY_IDS,
) -> tuple[tuple[str, ...], ...]:
    """Every deal of one round that keeps the rules: distinct cards of `deck`, none held before by
    that unit, and the consensus card in play exactly when `consensus` says so. Kept per server: a
    first round (720 deals for six units) is walked once, not at every table's start."""
    cards = deck if consensus else tuple(c for c in deck if c != CONSENSUS)

    def extend(deal: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        if len(deal) == len(histories):
            if not consensus or CONSENSUS in deal:
                yield deal
            return
        held = () if relaxed else histories[len(deal)]
        for card in cards:
            if card not in deal and card not in held:
                yield from extend((*deal, card))

    return tuple(extend(()))


def _canonical(histories: Iterable[frozenset[str]]) -> tuple[frozenset[str], ...]:
    """Units are interchangeable for what can still be dealt: one order for every table."""
    return tuple(sorted(histories, key=sorted))


@lru_cache(maxsize=65_536)
def _feasible(
    histories: tuple[frozenset[str], ...],
    rounds: tuple[bool, ...],
    deck: tuple[str, ...] = STRATEGY_IDS,
) -> bool:
    """Can the remaining rounds (`True` = consensus in play) still be dealt without breaking a rule?
    `histories` in `_canonical` order: the answer is kept for every table of the server, so a
    round-one deal (the costly one: every later round searched) is searched once, not per table."""
    if not rounds:
        return True
    without_consensus = sum(1 for h in histories if CONSENSUS not in h)
    return sum(rounds) <= without_consensus and any(
        _feasible(
            _canonical(h | {card} for h, card in zip(histories, deal, strict=True)),
            rounds[1:],
            deck,
        )
        for deal in _round_options(histories, rounds[0], deck=deck)
    )


def consensus_rounds(total: int, no_consensus_round: int | None) -> tuple[bool, ...]:
    """Per round 1..total: is the consensus card in play?"""
    return tuple(r != no_consensus_round for r in range(1, total + 1))


def deal_round(
    histories: Mapping[str, Collection[str]],
    round_no: int,
    total_rounds: int,
    no_consensus_round: int | None,
    seed: int,
    deck: tuple[str, ...] = STRATEGY_IDS,
) -> tuple[dict[str, str], bool]:
    """Deal one card to each unit for `round_no`, uniformly among the deals that keep every rule
    for this round and leave the later rounds dealable. `histories` holds, per unit, every card
    any of its members has held (in this unit or, before a swap, in another). Returns (unit id ->
    card, relaxed).

    `relaxed` is True only when removals or swaps left no deal that keeps rule 3 this round;
    then a unit may get a card again (rules 1, 2 and 5 still hold).
    """
    unit_ids = list(histories)
    held = tuple(frozenset(histories[u]) for u in unit_ids)
    plan = consensus_rounds(total_rounds, no_consensus_round)
    now, later = plan[round_no - 1], plan[round_no:]
    rng = _rng(seed, "deal", round_no)
    options = list(_round_options(held, now, deck=deck))
    rng.shuffle(options)
    for deal in options:
        after = _canonical(h | {card} for h, card in zip(held, deal, strict=True))
        if _feasible(after, later, deck):
            return dict(zip(unit_ids, deal, strict=True)), False
    if options:  # this round keeps every rule; a later one will have to bend
        return dict(zip(unit_ids, options[0], strict=True)), False
    fallback = list(_round_options(held, now, relaxed=True, deck=deck))
    return dict(zip(unit_ids, rng.choice(fallback), strict=True)), True


def max_consensus_rounds(units: int, no_consensus_round: int | None, cards: int = 6) -> int:
    """How many rounds a table of `units` can play: each consensus round needs a unit that never
    held the card, and no unit gets a card twice (of the deck's `cards` strategy cards)."""
    return min(cards, units + (1 if no_consensus_round else 0))


def opdracht_slots(remaining: Sequence[str], seed: int, round_no: int) -> list[str]:
    """The face-down order of the remaining assignment cards for this round's picker."""
    order = list(remaining)
    _rng(seed, "opdrachten", round_no).shuffle(order)
    return order
