"""The insight figures of a seeded set of sessions (`tests/insight_set.py`), against numbers
counted by hand from its deals; and their CSV and charts."""

import csv
import io
import xml.etree.ElementTree as ET

from app.reading.charts import chart, stylesheet
from app.reading.insights import Figure, insights, to_csv
from tests.insight_set import plays


def rows(fig: Figure) -> dict[str, tuple[float | int | None, ...]]:
    return dict(fig.rows)


def test_the_seeded_set_gives_the_hand_counted_figures() -> None:
    figs = {f.id: f for f in insights([t.state for _, t in plays()], "nl")}
    assert rows(figs["time"]) == {  # seconds: count, min, first quartile, median, third, max
        "Ronde 1": (3, 60, 90, 120, 150, 180),
        "Ronde 2": (3, 240, 270, 300, 330, 360),
        "Ronde 3": (3, 30, 45, 60, 75, 90),
    }
    assert rows(figs["decisions"]) == {  # yes, partly, no
        "Ronde 1": (2, 1, 0),
        "Ronde 2": (0, 1, 2),
        "Ronde 3": (2, 1, 0),
    }
    assert rows(figs["support"]) == {  # holders, yes, partly, no, % yes
        "Autoriteit": (5, 0, 5, 0, 0.0),
        "Eliminatie": (6, 6, 0, 0, 100.0),
        "Maximaliseren": (7, 7, 0, 0, 100.0),
        "Adequaat": (8, 8, 0, 0, 100.0),
        "Preselectie": (4, 4, 0, 0, 100.0),
        "Consensus": (6, 0, 0, 6, 0.0),
    }
    assert rows(figs["no_consensus"]) == {  # rounds, median s, % decided yes, % behind it
        "zonder consensus": (3, 300, 0.0, 75.0),
        "met consensus": (6, 75, 66.7, 66.7),
    }
    assert rows(figs["recognition"]) == {  # right, guesses, % (rounds 1 and 2 only)
        "Autoriteit": (9, 9, 100.0),
        "Eliminatie": (3, 4, 75.0),
        "Maximaliseren": (1, 5, 20.0),
        "Adequaat": (4, 8, 50.0),
        "Preselectie": (2, 4, 50.0),
        "Consensus": (3, 6, 50.0),
    }
    cards = figs["opdrachten"].rows  # rounds, median s, yes, partly, no; most played first
    assert [values for _, values in cards] == [
        (3, 180, 2, 0, 1),  # keuken
        (3, 60, 2, 1, 0),  # teambuilding
        (2, 270, 0, 1, 1),  # vertegenwoordiger
        (1, 60, 0, 1, 0),  # the custom card
    ]
    assert cards[0][0].startswith("Om van elkaars expertises") and cards[0][0].endswith("…")
    assert cards[3][0] == "=Kies <b>samen</b> een uitje"


def test_guesses_of_a_game_still_playing_stay_out_of_the_figures() -> None:
    (_, first), *_ = plays()
    playing = first.state.__class__(**{**first.state.__dict__, "phase": "reflecting"})
    [recognised] = [f for f in insights([playing], "nl") if f.id == "recognition"]
    assert recognised.rows == ()


def test_the_csv_holds_every_figure_and_defuses_formulas() -> None:
    figs = insights([t.state for _, t in plays()], "en")
    text = to_csv(figs, "en").lstrip("\ufeff")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["figure", "row", "measure", "value"]
    assert len(lines) - 1 == sum(len(f.rows) * len(f.columns) for f in figs)
    assert ["Time to decision per round (seconds)", "Round 2", "median", "300.0"] in lines
    assert ["Recognised by the others, per strategy", "Maximising", "% recognised", "20.0"] in lines
    assert any(row[1] == "'=Kies <b>samen</b> een uitje" for row in lines)
    dutch = to_csv(insights([t.state for _, t in plays()], "nl"), "nl")
    assert "Ronde 2;mediaan;300,0" in dutch


def test_every_chart_is_an_svg_with_a_label_and_no_script_or_inline_style() -> None:
    figs = insights([t.state for _, t in plays()], "nl")
    for fig in figs:
        svg = chart(fig, "nl")
        root = ET.fromstring(svg)
        assert root.get("role") == "img" and fig.title in (root.get("aria-label") or "")
        assert "<script" not in svg and "<style" not in svg and "http://pygal" not in svg
        assert all(el.get("style") is None for el in root.iter())  # the CSP allows none
    custom = chart(next(f for f in figs if f.id == "opdrachten"), "nl")
    assert "<b>" not in custom and "&lt;b&gt;" in custom  # a card's text is text, not markup
    assert ".pygal-chart" in stylesheet() and "#chart-" not in stylesheet()
