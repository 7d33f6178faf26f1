"""How the server's log lines look: plain text for a person at a terminal (the default), or one
JSON object per line for an operator's log pipeline (`THEATER_LOG_FORMAT=json`).

A JSON line carries the time, level, logger and message, and for a command its session, table,
command name, outcome and latency: never a name, an answer, a card or a token (the messages the
server logs are written so; `tests/app/test_operations.py` plays a game and greps every line).
Access lines never hold a token either: tokens travel after `#`, which browsers never send.
"""

import datetime as dt
import logging
from typing import Any

import orjson

FIELDS = ("session", "table", "command", "outcome", "latency_ms")
COMMANDS = "theater.commands"  # a line per command: in the JSON log only


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({f: getattr(record, f) for f in FIELDS if hasattr(record, f)})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


def config(fmt: str) -> dict[str, Any]:
    """A logging.dictConfig for the server and uvicorn in one format."""
    formatter = (
        {"()": JsonFormatter}
        if fmt == "json"
        else {"format": "%(levelname)s:     %(name)s: %(message)s"}
    )
    handler = {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stderr"}
    quiet = {"level": "INFO" if fmt == "json" else "WARNING"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": formatter},
        "handlers": {"line": handler},
        "root": {"handlers": ["line"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": [], "level": "INFO", "propagate": True},
            COMMANDS: quiet,
        },
    }
