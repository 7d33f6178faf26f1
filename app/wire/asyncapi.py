"""Generate docs/asyncapi.json (AsyncAPI 3) from the code: the frames' pydantic models, the view's
types, the command registry and the error-code table; and the two tables of docs/PROTOCOL.md that
list the codes and the commands.

Run `python -m app.wire.asyncapi` after changing any of them; a test fails while either is stale.
"""

import json
import re
import sys
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from app.errors import CODES
from app.wire.protocol import CLIENT_FRAMES, SERVER_FRAMES
from game import COMMANDS, SOCKET_COMMANDS

DOCS = Path(__file__).resolve().parents[2] / "docs"
OUT = DOCS / "asyncapi.json"
GUIDE = DOCS / "PROTOCOL.md"
PAGES = DOCS.parent / "web" / "static" / "common.js"  # the close codes the pages know
REF = "#/components/schemas/{model}"


def _commands() -> tuple[dict[str, Any], str]:
    """Every socket command's args schema, and a line per command: who, args, when."""
    _, defs = models_json_schema(
        [(COMMANDS[n].args, "validation") for n in SOCKET_COMMANDS], ref_template=REF
    )
    lines = [
        f"- `{n}` ({', '.join(sorted(r for r in c.roles if r))}): args "
        f"`{c.args.__name__}`; {c.when}"
        for n, c in COMMANDS.items()
        if c.over_socket
    ]
    return defs.get("$defs", {}), "\n".join(lines)


def _codes() -> str:
    errors = [f"`{c}` ({v.meaning or v.http})" for c, v in CODES.items() if v.close is None]
    closes = [f"{v.close} `{c}` ({v.meaning})" for c, v in CODES.items() if v.close is not None]
    return (
        "Error frames (the socket stays open): "
        + ", ".join(errors)
        + ". Close codes: "
        + "; ".join(closes)
        + "."
    )


def build() -> dict[str, Any]:
    models = [*CLIENT_FRAMES, *SERVER_FRAMES]
    _, defs = models_json_schema(
        [(m, "serialization" if m in SERVER_FRAMES else "validation") for m in models],
        ref_template=REF,
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    command_schemas, command_lines = _commands()
    schemas.update(command_schemas)

    def message(model: type, summary: str) -> dict[str, Any]:
        name = model.__name__
        return {
            "name": name,
            "title": name,
            "summary": summary,
            "contentType": "application/json",
            "payload": {"$ref": f"#/components/schemas/{name}"},
        }

    hello, command, ping, language, resync = CLIENT_FRAMES
    welcome, state, patch, ack, error, pong = SERVER_FRAMES
    messages = {
        "Hello": message(hello, "First frame: authenticate with any session token."),
        "Command": message(command, "Ask the table to do something. Commands:\n" + command_lines),
        "Ping": message(ping, "Ask for the server's clock."),
        "Language": message(language, "Switch the language of cards and questions."),
        "Resync": message(resync, "Lost track of the view: send all of it again."),
        "Welcome": message(welcome, "Answer to a good hello: your role."),
        "StateFrame": message(state, "Your whole view: first, and whenever a patch will not do."),
        "PatchFrame": message(patch, "What changed in your view, after every change."),
        "Ack": message(ack, "The command was applied (its state frame came first)."),
        "Error": message(error, "The frame or command was refused; nothing changed."),
        "Pong": message(pong, "The server's clock."),
    }
    ref = {name: {"$ref": f"#/channels/table/messages/{name}"} for name in messages}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Theater van Besluit table protocol",
            "version": "2.0.0",
            "description": (
                "One WebSocket per viewer at `/ws/{session_id}`. Send `hello` first (tokens never "
                "go in the URL). A bad frame gets an `error` and changes nothing. "
                + _codes()
                + " Times are integer ms since the Unix epoch. See docs/PROTOCOL.md."
            ),
        },
        "servers": {
            "local": {"host": "127.0.0.1:8000", "protocol": "ws", "description": "theater serve"}
        },
        "channels": {
            "table": {
                "address": "/ws/{session_id}",
                "parameters": {
                    "session_id": {"description": "From POST /api/sessions or /api/join"}
                },
                "messages": {name: {**m} for name, m in messages.items()},
            }
        },
        "operations": {
            "sendToTable": {
                "action": "send",
                "channel": {"$ref": "#/channels/table"},
                "messages": [ref[n] for n in ("Hello", "Command", "Ping", "Language", "Resync")],
            },
            "receiveFromTable": {
                "action": "receive",
                "channel": {"$ref": "#/channels/table"},
                "messages": [
                    ref[n] for n in ("Welcome", "StateFrame", "PatchFrame", "Ack", "Error", "Pong")
                ],
            },
        },
        "components": {"schemas": schemas},
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def _tables() -> dict[str, str]:
    codes = ["| code | HTTP | closes the socket with | meaning |", "|---|---|---|---|"]
    codes += [
        f"| `{c}` | {v.http} | {v.close or '— (an error frame)'} | {v.meaning} |"
        for c, v in CODES.items()
    ]
    commands = ["| name | who | args | when |", "|---|---|---|---|"]
    for name, c in COMMANDS.items():
        who = ", ".join(sorted(r or "newcomer" for r in c.roles))
        fields = ", ".join(c.args.model_fields) or "—"
        commands.append(f"| `{name}` | {who} | `{c.args.__name__}`: {fields} | {c.when} |")
    return {"codes": "\n".join(codes), "commands": "\n".join(commands)}


def guide(text: str) -> str:
    """docs/PROTOCOL.md with its generated tables filled in from the code."""
    for name, table in _tables().items():
        start, end = f"<!-- generated: {name} -->", f"<!-- end: {name} -->"
        head, _, rest = text.partition(start)
        _, _, tail = rest.partition(end)
        text = f"{head}{start}\n{table}\n{end}{tail}"
    return text


def pages_codes(text: str) -> str:
    """web/static/common.js with its `CLOSED` line (close code -> what the page says, for the
    closes that end a seat) written from the code table."""
    pairs = sorted((c.close, c.page) for c in CODES.values() if c.close and c.page)
    line = "const CLOSED = { " + ", ".join(f'{n}: "{k}"' for n, k in pairs) + " };"
    return re.sub(r"^const CLOSED = .*;$", line, text, count=1, flags=re.M)


if __name__ == "__main__":
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(render(), encoding="utf-8")
    GUIDE.write_text(guide(GUIDE.read_text(encoding="utf-8")), encoding="utf-8")
    PAGES.write_text(pages_codes(PAGES.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"wrote {OUT}, the tables of {GUIDE} and the close codes of {PAGES}\n")
