"""The protocol document is generated from the code and valid AsyncAPI 3, so it cannot drift."""

import json
from pathlib import Path

import jsonschema

from app.wire.asyncapi import GUIDE, OUT, PAGES, guide, pages_codes, render
from game import SOCKET_COMMANDS

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "node_modules" / "@asyncapi" / "specs" / "schemas" / "3.0.0-without-$id.json"


def _errors(doc: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    return [e.message for e in validator.iter_errors(doc)]


def test_the_committed_asyncapi_document_is_the_generated_one() -> None:
    assert OUT.read_text(encoding="utf-8") == render(), "run: python -m app.wire.asyncapi"


def test_the_guides_tables_of_codes_and_commands_are_the_generated_ones() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert text == guide(text), "run: python -m app.wire.asyncapi"
    assert "| `bad_origin` | 403 | 4406 |" in text and "| `start_game` | facilitator |" in text


def test_the_pages_know_the_close_codes_of_the_code_table() -> None:
    text = PAGES.read_text(encoding="utf-8")
    assert text == pages_codes(text), "run: python -m app.wire.asyncapi"
    assert '4412: "conn.revoked"' in text


def test_the_asyncapi_document_is_valid_asyncapi_3() -> None:
    doc = json.loads(OUT.read_text(encoding="utf-8"))
    assert _errors(doc) == []
    broken = {**doc, "operations": {"x": {"action": "shout", "channel": {}}}}
    assert _errors(broken), "the validator must be able to say no"


def test_every_command_and_view_field_is_documented() -> None:
    doc = json.loads(OUT.read_text(encoding="utf-8"))
    summary = doc["channels"]["table"]["messages"]["Command"]["summary"]
    assert all(f"`{name}`" in summary for name in SOCKET_COMMANDS)
    view = doc["components"]["schemas"]["View"]["properties"]
    for field in (
        "phase",
        "round",
        "rounds",
        "open_card",
        "players",
        "units",
        "opdracht",
        "picker",
        "timer",
        "decision",
        "prompt",
        "me",
    ):
        assert field in view
    protocol = (ROOT / "docs" / "PROTOCOL.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in protocol for name in SOCKET_COMMANDS)
