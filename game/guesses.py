"""Who recognised which strategy: a round's guesses scored against its deal. Material for the
printed question "Herkende je de strategieën van de andere deelnemers?" (`over-spel-4`)."""

from dataclasses import dataclass

from game.state import RoundRecord, State


@dataclass(frozen=True)
class Recognition:
    strategy: str
    unit: str
    right: int  # units that guessed this unit's card right
    of: int  # units that guessed this unit's card at all


def recognition(record: RoundRecord) -> list[Recognition]:
    """Per unit dealt this round (in deal order): how many guessers recognised its card."""
    scores = []
    for unit, card in record.deal.items():
        guesses = [g for (by, target), g in record.guesses.items() if target == unit and by != unit]
        scores.append(Recognition(card, unit, sum(g == card for g in guesses), len(guesses)))
    return scores


def can_guess(state: State) -> bool:
    """Units may guess now: after the discussion of a round played with closed cards."""
    return (
        state.settings.guessing
        and state.phase in ("deciding", "reflecting")
        and not state.open_card
    )
