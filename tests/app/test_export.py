"""The debriefs a trainer downloads: whatever players type, the Markdown report keeps its structure
and shows their words exactly (rendered by markdown-it, a CommonMark renderer), and the CSV is a
spreadsheet of words in the session's language."""

import csv
import io

import pytest
from markdown_it import MarkdownIt

from app.reading.export import md_text, to_csv, to_markdown
from tests.game.play import Play
from tests.insight_set import plays

NASTY = [
    "=====",
    "-----",
    "~~~",
    "```python",
    "# Kop",
    "> citaat",
    "- lijst",
    "+ plus",
    "* ster",
    "1. eerste",
    "2) tweede",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "<script>alert(1)</script>",
    "<b>vet</b> en *schuin* en _ook_ en **echt vet**",
    "[klik](http://evil.example) ![plaatje](http://evil.example/x.png)",
    "`code` en \\ backslash en &amp; entiteit",
    "regel een\n=====\nregel drie",
    "    ingesprongen code",
    ": definitie",
    "gewoon een zin. Met punten, komma's (en haakjes) - en een streepje.",
]


@pytest.mark.parametrize("text", NASTY)
def test_user_text_renders_as_typed_and_adds_no_structure(text: str) -> None:
    tokens = MarkdownIt("commonmark").parse(f"- Anna: {md_text(text, indent='  ')}\n\n## Next")
    kinds = [t.type for t in tokens if t.nesting != -1]
    assert kinds == ["bullet_list_open", "list_item_open", "paragraph_open", "inline",
                     "heading_open", "inline"], kinds  # fmt: skip
    inline = next(t for t in tokens if t.type == "inline")
    assert {c.type for c in inline.children or []} <= {"text", "softbreak", "hardbreak"}
    shown = "".join(c.content if c.type == "text" else "\n" for c in inline.children or [])
    assert shown == f"Anna: {text}"


def test_ordinary_prose_needs_no_escapes_in_the_raw_file() -> None:
    prose = "We kozen het museum (na lang praten). Iedereen - bijna - was het eens, 2 tegen 1."
    assert md_text(prose) == prose


def _game(texts: list[str]) -> Play:
    t = Play.new(4, rounds=1)
    t.fac("start_game")
    t.fac("choose_opdracht")
    for uid in list(t.state.units):
        t.player(t.unit_member(uid), "reveal", {"unit_id": uid})
    t.fac("start_timer")
    t.tick(t.state.timer.duration_ms)
    t.fac("record_decision", {"text": texts[0], "reached": "partly"})
    t.fac("next_prompt")
    for i, text in enumerate(texts[1:4]):
        t.player(f"p{i + 1}", "answer", {"prompt_id": "over-spel-1", "text": text})
    t.fac("end_game")
    return t


def test_the_report_has_the_same_outline_whatever_was_typed() -> None:
    def outline(t: Play) -> list[str]:
        tokens = MarkdownIt("commonmark").parse(to_markdown(t.state, t.events))
        return [t.type for t in tokens if t.type.endswith("_open")]

    plain = _game(["Museum", "Goed", "Lastig", "Mooi"])
    nasty = _game(["=====\n~~~", "# Kop\n```", "<script>x</script>\n> q", "| a |\n|---|"])
    assert outline(nasty) == outline(plain)


def test_the_spreadsheet_is_words_in_the_sessions_language() -> None:
    t = _game(["=SOM(A1)", "Goed", "Lastig", "Mooi"])
    body = to_csv(t.state, t.events)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))
    header, *rest = rows
    assert header[:3] == ["soort", "ronde", "opdracht"]
    seats = [r for r in rest if r[0] == "kaart"]
    assert {r[8] for r in seats} == {"'=SOM(A1)"}  # never a formula
    assert {r[9] for r in seats} == {"deels"}
    answers = [r for r in rest if r[0] == "antwoord"]
    assert [r[12] for r in answers] == ["Goed", "Lastig", "Mooi"]
    assert answers[0][11] == t.state.deck.prompt("over-spel-1").text


def test_the_spreadsheet_says_how_often_each_card_was_recognised() -> None:
    _, t = plays()[0]  # the seeded set: u1 guesses right, u2 guesses "autoriteit" for everyone
    rows = list(csv.reader(io.StringIO(to_csv(t.state, t.events).lstrip("\ufeff")), delimiter=";"))
    header, *rest = rows
    assert header[-2:] == ["kaart goed geraden door", "gokken op deze kaart"]
    first = [r for r in rest if r[0] == "kaart" and r[1] == "1"]
    # round 1: u1 Maximaliseren (guessed by u2 only, wrongly), u2 right by u1, u3 and u4 by both
    assert [(r[4], r[13], r[14]) for r in first] == [
        ("Maximaliseren", "0", "1"),
        ("Eliminatie", "1", "1"),
        ("Adequaat", "1", "2"),
        ("Consensus", "1", "2"),
    ]
    assert {(r[13], r[14]) for r in rest if r[1] == "3"} == {("", "")}  # open cards: no guesses
