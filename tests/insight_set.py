"""A seeded set of three recorded sessions whose insight figures are computed by hand (in
`tests/app/test_insights.py`). Four players each (four units of one), three rounds, no consensus
card in round 2, round 3 played with open cards.

Who says what, so the figures can be counted on paper from the deals:
- support: the holder of `consensus` says no, of `autoriteit` partly, everyone else yes;
- guesses (rounds 1 and 2, closed cards): unit u1 guesses every other unit right, unit u2 guesses
  `autoriteit` for every other unit, the others do not guess.
"""

from typing import Any

from tests.game.play import T0, Play

DAY_MS = 24 * 3600 * 1000
SUPPORT = {"consensus": "no", "autoriteit": "partly"}
# (seed, label, days after T0, custom card text, [(card, seconds, reached)] per round)
SESSIONS: list[tuple[int, str, int, str | None, list[tuple[str, int, str]]]] = [
    (11, "Gemeente", 0, None,
     [("keuken", 120, "yes"), ("vertegenwoordiger", 300, "no"), ("teambuilding", 60, "partly")]),
    (12, "Gemeente", 1, None,
     [("keuken", 180, "yes"), ("vertegenwoordiger", 240, "partly"), ("teambuilding", 90, "yes")]),
    (13, "GGD <b>&", 2, "=Kies <b>samen</b> een uitje",
     [("eigen-1", 60, "partly"), ("keuken", 360, "no"), ("teambuilding", 30, "yes")]),
]  # fmt: skip


def recorded(
    seed: int,
    days: int,
    custom: str | None,
    rounds: list[tuple[str, int, str]],
    start: int = T0,
) -> Play:
    settings: dict[str, Any] = {"rounds": 3, "no_consensus_round": 2, "round_seconds": 600}
    if custom:
        settings["custom_opdrachten"] = [{"text": custom}]
    code = "".join("ABCDEFGHJK"[int(d)] for d in f"{seed:06d}")
    at = start + days * DAY_MS
    t = Play.new(0, seed=seed, session_id=f"{seed:016x}", join_code=code, now=at, **settings)
    for i in range(4):
        t.join(f"Speler {i + 1}")
    t.fac("start_game")
    for number, (card, seconds, reached) in enumerate(rounds, 1):
        t.fac("choose_opdracht", {"opdracht_id": card})
        for uid in list(t.state.units):
            t.player(t.unit_member(uid), "ready")
            if t.state.open_card:
                t.player(t.unit_member(uid), "reveal", {"unit_id": uid})
        t.fac("start_timer")
        t.tick(seconds * 1000)
        t.fac("end_discussion")
        t.fac("record_decision", {"text": f"Besluit {number}", "reached": reached})
        deal = dict(t.state.current.deal)
        for uid, card_held in deal.items():
            t.player(t.unit_member(uid), "support", {"value": SUPPORT.get(card_held, "yes")})
        if not t.state.open_card:
            for uid in deal:
                if uid != "u1":
                    t.player(
                        t.unit_member("u1"), "guess", {"unit_id": uid, "strategy_id": deal[uid]}
                    )
                if uid != "u2":
                    t.player(
                        t.unit_member("u2"), "guess", {"unit_id": uid, "strategy_id": "autoriteit"}
                    )
        if number < len(rounds):
            t.fac("next_round")
    t.fac("end_game")
    return t


CARDS = ("keuken", "vertegenwoordiger", "teambuilding", "uit-eten", "festival", "beste-medewerker")


def more(count: int, start: int = T0) -> list[tuple[str, Play]]:
    """`count` further sessions for a fuller library (figures not counted by hand)."""
    out = []
    for i in range(count):
        rounds = [
            (
                CARDS[(i + r) % len(CARDS)],
                60 + (i * 37 + r * 53) % 400,
                ("yes", "partly", "no")[(i + r) % 3],
            )
            for r in range(3)
        ]
        out.append(
            (
                ("Gemeente", "GGD <b>&", "Provincie")[i % 3],
                recorded(100 + i, 3 + i, None, rounds, start),
            )
        )
    return out


def plays(start: int = T0) -> list[tuple[str, Play]]:
    return [
        (label, recorded(seed, days, custom, rounds, start))
        for seed, label, days, custom, rounds in SESSIONS
    ]
