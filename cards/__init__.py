"""Decks as data files (`cards/decks/<deck>/<language>.toml`), validated on load."""

from cards.loader import DECKS_DIR, DeckError, available_decks, load_deck, load_decks

__all__ = ["DECKS_DIR", "DeckError", "available_decks", "load_deck", "load_decks"]
