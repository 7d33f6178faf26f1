"""How far the deal is from uniform over whole games (docs/RULES.md, dealing rule 4), measured exactly.

The dealer draws each round uniformly among the deals that keep every rule and leave the later
rounds dealable (the future may change: swaps, removals). A whole game is then not exactly
uniform among all legal whole games: this enumerates every legal whole game for small tables and
prints, per case, the most and least likely game relative to uniform (1.00 = exactly uniform).

    .venv/bin/python bench/deal_fairness.py
"""

import sys
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from game.dealing import _canonical, _feasible, _round_options, consensus_rounds

Histories = tuple[frozenset[str], ...]


def games(held: Histories, plan: tuple[bool, ...]) -> list[Fraction]:
    """The probability our dealer gives each legal whole game (one entry per game)."""
    if not plan:
        return [Fraction(1)]
    later = plan[1:]
    fits = [
        deal
        for deal in _round_options(held, plan[0])
        if _feasible(_canonical(h | {c} for h, c in zip(held, deal, strict=True)), later)
    ]
    out: list[Fraction] = []
    for deal in fits:
        after = tuple(h | {c} for h, c in zip(held, deal, strict=True))
        out += [p / len(fits) for p in games(after, later)]
    return out


CASES = [(3, 3, None), (3, 4, 2), (4, 3, None), (4, 4, None)]

if __name__ == "__main__":
    print("units rounds no-consensus  games   most likely / uniform   least likely / uniform")
    for units, rounds, ncr in CASES:
        probabilities = games(
            tuple(frozenset() for _ in range(units)), consensus_rounds(rounds, ncr)
        )
        uniform = Fraction(1, len(probabilities))
        high, low = max(probabilities) / uniform, min(probabilities) / uniform
        print(
            f"{units:5} {rounds:6} {ncr!s:>12} {len(probabilities):7}   {float(high):20.3f}   {float(low):22.3f}"
        )
