"""Which reflection prompts belong after which round."""

from game.deck import Deck, Stage


def prompt_ids(deck: Deck, round_no: int, total_rounds: int) -> tuple[str, ...]:
    """'in het spel' after every round but the last; 'over het spel' then 'uit het spel' after it
    (the deck's questions of those moments)."""
    stages: tuple[Stage, ...] = (
        ("over-spel", "uit-spel") if round_no >= total_rounds else ("in-spel",)
    )
    return deck.prompt_ids(stages)
