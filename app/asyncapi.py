"""Generate docs/asyncapi.json (AsyncAPI 3) from the protocol's pydantic models.

Run `python -m app.asyncapi` after changing a frame; a test fails while the file is stale.
"""

import json
import sys
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from app.protocol import CLIENT_FRAMES, SERVER_FRAMES
from game.commands import COMMANDS, SOCKET_COMMANDS

OUT = Path(__file__).resolve().parent.parent / "docs" / "asyncapi.json"


def _command_args() -> dict[str, Any]:
    """Per command: who may send it and its args schema (for the Command message's description)."""
    _, defs = models_json_schema(
        [(COMMANDS[n][1], "validation") for n in SOCKET_COMMANDS],
        ref_template="#/components/schemas/{model}",
    )
    table = {
        n: {
            "roles": sorted(r for r in COMMANDS[n][0] if r),
            "args": f"#/components/schemas/{COMMANDS[n][1].__name__}",
        }
        for n in SOCKET_COMMANDS
    }
    return {"schemas": defs.get("$defs", {}), "table": table}


def build() -> dict[str, Any]:
    models = [*CLIENT_FRAMES, *SERVER_FRAMES]
    _, defs = models_json_schema(
        [(m, "serialization" if m in SERVER_FRAMES else "validation") for m in models],
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    commands = _command_args()
    schemas.update(commands["schemas"])
    command_lines = "\n".join(
        f"- `{n}` ({', '.join(c['roles'])}): args `{c['args'].rsplit('/', 1)[1]}`"
        for n, c in commands["table"].items()
    )

    def message(model: type, summary: str) -> dict[str, Any]:
        name = model.__name__
        return {
            "name": name,
            "title": name,
            "summary": summary,
            "contentType": "application/json",
            "payload": {"$ref": f"#/components/schemas/{name}"},
        }

    messages = {
        "Hello": message(CLIENT_FRAMES[0], "First frame: authenticate with any session token."),
        "Command": message(
            CLIENT_FRAMES[1], "Ask the table to do something. Commands:\n" + command_lines
        ),
        "Ping": message(CLIENT_FRAMES[2], "Ask for the server's clock."),
        "Welcome": message(SERVER_FRAMES[0], "Answer to a good hello: your role."),
        "StateFrame": message(SERVER_FRAMES[1], "Your whole view, after every change."),
        "Ack": message(SERVER_FRAMES[2], "The command was applied (its state frame came first)."),
        "Error": message(SERVER_FRAMES[3], "The frame or command was refused; nothing changed."),
        "Pong": message(SERVER_FRAMES[4], "The server's clock."),
    }
    ref = {name: {"$ref": f"#/channels/table/messages/{name}"} for name in messages}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Theater van Besluit table protocol",
            "version": "1.0.0",
            "description": (
                "One WebSocket per viewer at `/ws/{session_id}`. Send `hello` first (tokens never "
                "go in the URL); bad token closes 4401, unknown session 4404, no hello in 10 s "
                "4408. A bad frame gets an `error` (codes: bad_message, unknown_command, "
                "forbidden, invalid_phase, invalid_args, rate_limited, too_large) and changes "
                "nothing. Times are integer ms since the Unix epoch. See docs/PROTOCOL.md."
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
                "messages": [ref["Hello"], ref["Command"], ref["Ping"]],
            },
            "receiveFromTable": {
                "action": "receive",
                "channel": {"$ref": "#/channels/table"},
                "messages": [ref[n] for n in ("Welcome", "StateFrame", "Ack", "Error", "Pong")],
            },
        },
        "components": {"schemas": schemas},
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {OUT}\n")
