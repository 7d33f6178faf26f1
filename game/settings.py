"""Session settings as a facilitator gives them (all optional) and as the rules check them."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_CUSTOM_OPDRACHTEN = 6
MAX_TABLES = 8


class CustomOpdracht(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    text: str = Field(min_length=1, max_length=600)


class Settings(BaseModel):
    """The wire contract's settings. `round_seconds=None` means: by table size (3 or 5 minutes)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    language: Literal["nl", "en"] = "nl"
    rounds: int = Field(default=3, ge=1, le=6)
    round_seconds: int | None = Field(default=None, ge=60, le=900)
    no_consensus_round: int | None = Field(default=None, ge=1, le=6)
    open_card_last_round: bool = True
    guessing: bool = Field(
        default=True,
        description="After a closed-card round each unit may guess the others' strategies",
    )
    deck: str = Field(default="standaard", pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    deck_version: int | None = Field(
        default=None,
        ge=1,
        description="A library's own deck: the version played (null: the latest, when created "
        "from the library; always null for the repository's decks)",
    )
    custom_opdrachten: tuple[CustomOpdracht, ...] = Field(
        default=(), max_length=MAX_CUSTOM_OPDRACHTEN
    )
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)
    tables: Annotated[int, Field(ge=2, le=MAX_TABLES)] | Literal["auto"] | None = Field(
        default=None,
        description="A workshop: 2–8 tables under one code, or 'auto' (tables of 6–12); "
        "null: one table",
    )


def default_round_seconds(player_count: int) -> int:
    """The printed rule: 3 minutes up to 6 players, 5 minutes for 7 to 12."""
    return 180 if player_count <= 6 else 300
