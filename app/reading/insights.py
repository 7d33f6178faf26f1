"""What a trainer learns across sessions: the figures behind the library's charts, computed from
the sessions' logs (their folded states), in the language the trainer reads.

Only rounds with a recorded decision count. Guesses count only once a session has ended: until
then they are secret, also from the trainer's figures.
"""

import csv
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from app.reading.export import safe_cell
from game import State
from game.deck import CONSENSUS, STRATEGY_IDS, Opdracht
from game.guesses import recognition
from game.state import RoundRecord
from game.view import checkout_shown

Language = Literal["nl", "en"]
REACHED = ("yes", "partly", "no")

WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "time": "Tijd tot het besluit per ronde (seconden)",
        "decisions": "Gezamenlijk besluit bereikt, per ronde",
        "support": "Achter het besluit, naar de strategie van de deelnemer",
        "no_consensus": "De ronde zonder consensuskaart vergeleken met de andere",
        "recognition": "Herkend door de anderen, per strategie",
        "opdrachten": "Per opdrachtkaart",
        "checkout": "Check-out (1 = helemaal niet, 5 = heel erg)",
        "versions": "De versies van de kaartenset naast elkaar",
        "version": "versie",
        "sessions": "sessies",
        "answered": "antwoorden",
        "mean": "gemiddeld",
        "round": "Ronde",
        "rounds": "rondes",
        "n": "aantal",
        "min": "kortst",
        "q1": "eerste kwartiel",
        "median": "mediaan",
        "q3": "derde kwartiel",
        "max": "langst",
        "yes": "ja",
        "partly": "deels",
        "no": "nee",
        "strategy": "strategie",
        "votes": "stemmen",
        "share_yes": "% ja",
        "group": "groep",
        "without": "zonder consensus",
        "with": "met consensus",
        "median_s": "mediaan (s)",
        "decided_yes": "% besluit ja",
        "behind_yes": "% achter het besluit",
        "right": "goed geraden",
        "of": "gokken",
        "rate": "% herkend",
        "card": "opdracht",
        "figure": "figuur",
        "seconds": "seconden",
        "row": "rij",
        "measure": "maat",
        "value": "waarde",
    },
    "en": {
        "time": "Time to decision per round (seconds)",
        "decisions": "Joint decision reached, per round",
        "support": "Behind the decision, by the player's strategy",
        "no_consensus": "The round without the consensus card compared with the others",
        "recognition": "Recognised by the others, per strategy",
        "opdrachten": "Per assignment card",
        "checkout": "Check-out (1 = not at all, 5 = very much)",
        "versions": "The deck's versions side by side",
        "version": "version",
        "sessions": "sessions",
        "answered": "answers",
        "mean": "mean",
        "round": "Round",
        "rounds": "rounds",
        "n": "count",
        "min": "shortest",
        "q1": "first quartile",
        "median": "median",
        "q3": "third quartile",
        "max": "longest",
        "yes": "yes",
        "partly": "partly",
        "no": "no",
        "strategy": "strategy",
        "votes": "votes",
        "share_yes": "% yes",
        "group": "group",
        "without": "without consensus",
        "with": "with consensus",
        "median_s": "median (s)",
        "decided_yes": "% decided yes",
        "behind_yes": "% behind the decision",
        "right": "guessed right",
        "of": "guesses",
        "rate": "% recognised",
        "card": "assignment",
        "figure": "figure",
        "seconds": "seconds",
        "row": "row",
        "measure": "measure",
        "value": "value",
    },
}


@dataclass(frozen=True)
class Figure:
    """One table of figures (and the chart drawn from it): a row label, then numbers."""

    id: str
    title: str
    columns: tuple[str, ...]  # the measures, after the row label's column
    rows: tuple[tuple[str, tuple[float | int | None, ...]], ...]


@dataclass(frozen=True)
class Played:
    """One decided round, as the figures need it."""

    round: int
    seconds: float
    reached: str
    consensus: bool
    card: str  # the assignment card's key (custom cards by their text)
    card_title: str
    supports: tuple[tuple[str, str], ...]  # (strategy held, support given)
    recognised: tuple[tuple[str, int, int], ...] = field(default=())  # (strategy, right, of)


def _short(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def played_rounds(state: State, language: Language) -> list[Played]:
    deck = state.decks.get(language, state.deck)
    out = []
    for record in state.rounds:
        if record.reached is None or not record.deal:
            continue
        out.append(_played(state, record, deck.opdrachten, state.phase == "ended"))
    return out


def _played(
    state: State, record: RoundRecord, opdrachten: Iterable[Opdracht], ended: bool
) -> Played:
    titles = {o.id: o.text for o in opdrachten}
    opdracht = next((o for o in state.deck.opdrachten if o.id == record.opdracht_id), None)
    if opdracht is not None and opdracht.custom:
        card, title = f"custom:{opdracht.text}", opdracht.text
    else:
        card = record.opdracht_id or "?"
        title = titles.get(card, card)
    held = {m: record.deal[u] for u, members in record.members.items() for m in members}
    supports = tuple((held[p], value) for p, value in record.supports.items() if p in held)
    scores = recognition(record) if ended else []
    return Played(
        round=record.number,
        seconds=record.discussion_ms / 1000,
        reached=record.reached or "no",
        consensus=CONSENSUS in record.deal.values(),
        card=card,
        card_title=title,
        supports=supports,
        recognised=tuple((s.strategy, s.right, s.of) for s in scores if s.of),
    )


def _spread(values: Sequence[float]) -> tuple[float | int | None, ...]:
    if not values:
        return (0, None, None, None, None, None)
    if len(values) == 1:
        q1 = q3 = values[0]
    else:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return (
        len(values),
        round(min(values), 1),
        round(q1, 1),
        round(statistics.median(values), 1),
        round(q3, 1),
        round(max(values), 1),
    )


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def compare(group: list[Played]) -> tuple[float | int | None, ...]:
    """Rounds, their median time, % decided yes and % of votes behind the decision."""
    votes = [v for r in group for _, v in r.supports]
    return (
        len(group),
        round(statistics.median([r.seconds for r in group]), 1) if group else None,
        _pct(sum(r.reached == "yes" for r in group), len(group)),
        _pct(votes.count("yes"), len(votes)),
    )


def figures(
    rounds: list[Played], strategy_titles: dict[str, str], language: Language
) -> list[Figure]:
    w = WORDS[language]
    numbers = sorted({r.round for r in rounds})
    by_round = {n: [r for r in rounds if r.round == n] for n in numbers}
    time = Figure(
        "time",
        w["time"],
        (w["n"], w["min"], w["q1"], w["median"], w["q3"], w["max"]),
        tuple((f"{w['round']} {n}", _spread([r.seconds for r in by_round[n]])) for n in numbers),
    )
    decisions = Figure(
        "decisions",
        w["decisions"],
        tuple(w[x] for x in REACHED),
        tuple(
            (
                f"{w['round']} {n}",
                tuple(sum(r.reached == x for r in by_round[n]) for x in REACHED),
            )
            for n in numbers
        ),
    )
    support: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rounds:
        for strategy, value in r.supports:
            support[strategy][value] += 1
    support_fig = Figure(
        "support",
        w["support"],
        (w["votes"], *(w[x] for x in REACHED), w["share_yes"]),
        tuple(
            (
                strategy_titles[s],
                (
                    total := sum(support[s].values()),
                    *(support[s][x] for x in REACHED),
                    _pct(support[s]["yes"], total),
                ),
            )
            for s in STRATEGY_IDS
            if support[s]
        ),
    )

    no_consensus = Figure(
        "no_consensus",
        w["no_consensus"],
        (w["rounds"], w["median_s"], w["decided_yes"], w["behind_yes"]),
        tuple(
            (label, compare(group))
            for label, group in (
                (w["without"], [r for r in rounds if not r.consensus]),
                (w["with"], [r for r in rounds if r.consensus]),
            )
            if group
        ),
    )
    right: Counter[str] = Counter()
    of: Counter[str] = Counter()
    for r in rounds:
        for strategy, good, guesses in r.recognised:
            right[strategy] += good
            of[strategy] += guesses
    recognition_fig = Figure(
        "recognition",
        w["recognition"],
        (w["right"], w["of"], w["rate"]),
        tuple(
            (strategy_titles[s], (right[s], of[s], _pct(right[s], of[s])))
            for s in STRATEGY_IDS
            if of[s]
        ),
    )
    cards: dict[str, list[Played]] = defaultdict(list)
    for r in rounds:
        cards[r.card].append(r)
    opdrachten = Figure(
        "opdrachten",
        w["opdrachten"],
        (w["rounds"], w["median_s"], *(w[x] for x in REACHED)),
        tuple(
            (
                _short(group[0].card_title),
                (
                    len(group),
                    round(statistics.median([r.seconds for r in group]), 1),
                    *(sum(r.reached == x for r in group) for x in REACHED),
                ),
            )
            for _, group in sorted(cards.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ),
    )
    return [time, decisions, support_fig, no_consensus, recognition_fig, opdrachten]


def insights(states: Iterable[State], language: Language) -> list[Figure]:
    """The figures over every decided round of `states` (workshop tables count as sessions)."""
    states = list(states)
    rounds = [r for s in states for r in played_rounds(s, language)]
    titles = {}
    for s in states:
        deck = s.decks.get(language, s.deck)
        titles.update({c.id: c.title for c in deck.strategies})
    for strategy in STRATEGY_IDS:
        titles.setdefault(strategy, strategy)
    found = figures(rounds, titles, language)
    checkout = checkout_figure(states, language)
    return [*found, checkout] if checkout.rows else found


def versions_figure(states: list[State], language: Language) -> Figure:
    """One deck's versions compared (a reworded card: did the decisions change?): per version the
    sessions, then `compare` over their decided rounds."""
    by_version: dict[int, list[State]] = defaultdict(list)
    for s in states:
        if s.settings.deck_version is not None:
            by_version[s.settings.deck_version].append(s)
    w = WORDS[language]
    return Figure(
        "versions",
        w["versions"],
        (w["sessions"], w["rounds"], w["median_s"], w["decided_yes"], w["behind_yes"]),
        tuple(
            (
                f"{w['version']} {v}",
                (len(group), *compare([r for s in group for r in played_rounds(s, language)])),
            )
            for v, group in sorted(by_version.items())
        ),
    )


def checkout_figure(states: list[State], language: Language) -> Figure:
    """The check-out's scale questions over the sessions: per question (of a deck), how many
    answered, the mean and how many chose each score."""
    scores: dict[tuple[str, str], list[int]] = defaultdict(list)
    texts: dict[tuple[str, str], str] = {}
    for s in states:
        deck = s.decks.get(language, s.deck)
        for q in deck.checkout if checkout_shown(s) else ():
            if q.kind == "scale":
                key = (deck.id, q.id)
                texts.setdefault(key, q.text)
                given = (a.get(q.id) for a in s.checkouts.values())
                scores[key] += [v for v in given if isinstance(v, int)]
    w = WORDS[language]
    return Figure(
        "checkout",
        w["checkout"],
        (w["answered"], w["mean"], "1", "2", "3", "4", "5"),
        tuple(
            (
                _short(texts[key]),
                (
                    len(given),
                    round(statistics.mean(given), 1),
                    *(given.count(n) for n in range(1, 6)),
                ),
            )
            for key, given in scores.items()
            if given
        ),
    )


def to_csv(figs: list[Figure], language: Language) -> str:
    """Every figure behind the charts, one value per line, for a spreadsheet in that locale."""
    w = WORDS[language]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if language == "nl" else ",", lineterminator="\r\n")
    writer.writerow([w["figure"], w["row"], w["measure"], w["value"]])
    for fig in figs:
        for label, values in fig.rows:
            for measure, value in zip(fig.columns, values, strict=True):
                shown = "" if value is None else str(value)
                if language == "nl":
                    shown = shown.replace(".", ",")
                writer.writerow([fig.title, safe_cell(label), measure, shown])
    return "\ufeff" + out.getvalue()
