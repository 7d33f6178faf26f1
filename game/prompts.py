"""Which reflection prompts belong after which round."""

from game.deck import PROMPT_COUNTS, Stage


def prompt_ids(round_no: int, total_rounds: int) -> tuple[str, ...]:
    """'in het spel' after every round but the last; 'over het spel' then 'uit het spel' after it."""
    stages: tuple[Stage, ...] = (
        ("over-spel", "uit-spel") if round_no >= total_rounds else ("in-spel",)
    )
    return tuple(f"{s}-{i}" for s in stages for i in range(1, PROMPT_COUNTS[s] + 1))
