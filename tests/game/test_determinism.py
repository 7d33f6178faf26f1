"""A seed decides the table: the same seed and joins give the same deal; over many seeds the
deal is fair."""

from collections import Counter

from game.dealing import deal_round, form_units
from game.deck import CONSENSUS
from game.events import StrategiesDealt
from tests.game.play import Play

# chi-square critical values far in the tail (p = 1e-6), so a fair dealer never fails by chance
CHI2_LIMIT = {3: 30.7, 4: 33.4, 5: 35.9}


def chi2(counts: Counter[str], categories: int, total: int) -> float:
    expected = total / categories
    return sum((counts.get(str(i), 0) - expected) ** 2 / expected for i in range(categories))


def deals_of(seed: int, players: int = 8) -> list[dict[str, str]]:
    t = Play.new(players, seed=seed, orgs=["A", "B"] * (players // 2))
    t.play_game()
    return [e.deal for e in t.events if isinstance(e, StrategiesDealt)]


def test_same_seed_and_joins_give_the_same_units_and_deal() -> None:
    a, b = Play.new(9, seed=42), Play.new(9, seed=42)
    a.play_game()
    b.play_game()
    assert a.events == b.events


def test_different_seeds_give_different_deals() -> None:
    assert len({str(deals_of(seed)) for seed in range(10)}) >= 9


def test_each_unit_is_equally_likely_to_hold_the_consensus_card() -> None:
    units: dict[str, tuple[str, ...]] = {f"u{i}": () for i in range(4)}
    counts: Counter[str] = Counter()
    seeds = 2000
    for seed in range(seeds):
        deal, relaxed = deal_round(units, 1, 3, None, seed)
        assert not relaxed
        holder = next(u for u, card in deal.items() if card == CONSENSUS)
        counts[holder[1:]] += 1
    assert chi2(counts, 4, seeds) < CHI2_LIMIT[3], counts


def test_over_a_whole_game_each_unit_holds_consensus_equally_often() -> None:
    counts: Counter[str] = Counter()
    games = 300
    for seed in range(games):
        for deal in deals_of(seed, players=10):
            counts.update(u[1:] for u, card in deal.items() if card == CONSENSUS)
    shifted = Counter({str(int(k) - 1): v for k, v in counts.items()})
    assert chi2(shifted, 5, games * 3) < CHI2_LIMIT[4], counts


def test_forming_units_is_a_function_of_seed_and_players() -> None:
    players = [(f"p{i}", "A" if i % 3 else "B") for i in range(11)]
    assert form_units(players, 5) == form_units(players, 5)
    assert len({tuple(form_units(players, s)) for s in range(20)}) > 10
