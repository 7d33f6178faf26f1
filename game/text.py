"""User text as the rules accept it: one normal form, no invisible or direction-changing characters,
and names compared the way a person reads them (so a table never shows two look-alike names)."""

import unicodedata

from game.errors import Refusal

ZERO_WIDTH_JOINER = "\u200d"  # keeps emoji sequences whole in free text; names drop it too

# Letters that look like Latin ones in everyday fonts (Cyrillic, Greek), and the Latin shapes
# people cannot tell apart (capital I, small l, digit 1; capital O, digit 0).
_SHAPES = {
    "a": "аα",
    "c": "с",
    "d": "ԁ",
    "e": "е",
    "i": "іι",
    "j": "ј",
    "l": "Il1|ІΙ",
    "o": "оοО0OΟ",
    "p": "рρ",
    "q": "ԛ",
    "s": "ѕ",
    "u": "υ",
    "v": "ν",
    "w": "ԝ",
    "x": "хχ",
    "y": "у",
    "A": "АΑ",
    "B": "ВΒ",
    "C": "С",
    "E": "ЕΕ",
    "H": "НΗ",
    "J": "Ј",
    "K": "КΚ",
    "M": "МΜ",
    "N": "Ν",
    "P": "РΡ",
    "S": "Ѕ",
    "T": "ТΤ",
    "X": "ХΧ",
    "Y": "УΥ",
    "Z": "Ζ",
}
_LOOK_ALIKES = str.maketrans({ch: shape for shape, chars in _SHAPES.items() for ch in chars})


def clean(text: str, field: str, *, multiline: bool = False, name: bool = False) -> str:
    """NFKC, without format (zero-width, bidi) or private characters, spaces collapsed; one line
    unless `multiline`. Refuses control characters, and what is left empty."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n")
    kept = []
    for ch in text:
        kind = unicodedata.category(ch)
        if ch == "\n" and multiline:
            kept.append(ch)
        elif ch in "\t\n\r" or kind in ("Zl", "Zp"):
            kept.append(" ")
        elif kind == "Cc":
            raise Refusal(
                "invalid_args", "control_characters", f"The {field} contains control characters."
            )
        elif kind in ("Co", "Cs", "Cn") or (kind == "Cf" and (name or ch != ZERO_WIDTH_JOINER)):
            continue
        else:
            kept.append(ch)
    lines = "".join(kept).split("\n")
    text = "\n".join(" ".join(line.split()) for line in lines).strip()
    if not text:
        raise Refusal("invalid_args", "empty_text", f"The {field} is empty.", field=field)
    return text


def name_key(name: str) -> str:
    """What two names must not share at one table: case, look-alike letters and accents that
    compose differently all count as the same."""
    return unicodedata.normalize("NFKC", name).translate(_LOOK_ALIKES).casefold()
