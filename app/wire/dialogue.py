"""What a client says and what it gets back, whatever carries the frames: the hello, then
commands, pings and language switches, each answered with an ack, an error or a pong.

A bad frame gets an error naming the problem and changes nothing. Parsing never recurses on the
client's nesting (orjson stops at 1,024 levels) and never trusts a field's type.
"""

import logging
import time
from typing import Any

import orjson
from pydantic import ValidationError

from app import metrics
from app.errors import CODES
from app.logs import COMMANDS as COMMANDS_LOG
from app.service import SOCKET_COMMANDS, AppError, Failure, Refusal, Seat, Service
from app.wire.protocol import Ack, ChooseLanguage, Command, Error, Hello, Ping, Pong, Resync
from game import COMMANDS

log = logging.getLogger(COMMANDS_LOG)


def error_frame(error: Failure, frame_id: Any = None) -> str:
    return Error(
        id=frame_id,
        code=error.code,
        reason=error.reason,
        message=error.message,
        params=error.params,
    ).model_dump_json()


def parse(raw: str | bytes, limit: int) -> dict[str, Any]:
    """A frame as a JSON object, or AppError (too_large, bad_message)."""
    if len(raw) > limit:
        raise AppError("too_large", f"Frames may be at most {limit} bytes.")
    if isinstance(raw, bytes):
        raise AppError("bad_message", "Frames are JSON text; this one was binary.")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise AppError("bad_message", "This frame is not valid JSON.") from None
    if not isinstance(data, dict):
        raise AppError("bad_message", 'A frame must be a JSON object with a "type".')
    return data


def read_hello(raw: str | bytes, limit: int) -> Hello:
    """The first frame, or AppError(bad_message) saying what a hello looks like."""
    data = parse(raw, limit)
    try:
        return Hello.model_validate(data)
    except ValidationError:
        raise AppError(
            "bad_message", 'Say hello first: {"type": "hello", "token": "…"}.', "no_hello"
        ) from None


def ends_hello(error: AppError) -> int | None:
    """The close code of a refused hello that ends the connection (a wrong token, an unknown
    session, a removed player, too many connections); None: answer it and wait for another."""
    code = CODES.get(error.code)
    return code.close if code else None


def id_of(data: dict[str, Any]) -> Any:
    value = data.get("id")
    return value if isinstance(value, str | int) and len(str(value)) <= 64 else None


async def answer(service: Service, seat: Seat, raw: str | bytes, limit: int) -> str | None:
    """The reply to one frame after the hello (None for a language switch or a resync: a fresh
    state frame answers it)."""
    frame_id = None
    data: dict[str, Any] = {}
    began = time.perf_counter()
    try:
        data = parse(raw, limit)
        frame_id = id_of(data)
        if not seat.bucket.allow():
            raise AppError("rate_limited", "Too many frames; slow down and try again in a second.")
        reply = await _dispatch(service, seat, data, frame_id)
        _done(seat, data, "ok", time.perf_counter() - began)
        return reply
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "frame"
        message = f"Bad {str(data.get('type'))[:20]} frame: {where}: {first['msg']}."
        return _refused(AppError("bad_message", message), seat, data, frame_id)
    except (AppError, Refusal) as e:
        return _refused(e, seat, data, frame_id)


def _refused(error: Failure, seat: Seat, data: dict[str, Any], frame_id: Any) -> str:
    metrics.REFUSALS.labels(error.code, "frames").inc()
    _done(seat, data, error.code, None)
    return error_frame(error, frame_id)


def _done(seat: Seat, data: dict[str, Any], outcome: str, took: float | None) -> None:
    """A command's outcome, counted, timed and (in the JSON log) a line: which, where, how it
    ended, how long it took. Pings and language switches are not commands."""
    if data.get("type") != "command":
        return
    name = metrics.command_name(data.get("name"), SOCKET_COMMANDS)
    metrics.COMMANDS.labels(name, outcome).inc()
    if took is not None:
        metrics.COMMAND_SECONDS.observe(took)
    if log.isEnabledFor(logging.INFO):
        table = seat.table
        log.info(
            "command %s: %s",
            name,
            outcome,
            extra={
                "session": table.session_id if table else None,
                "table": table.state.table_no if table else None,
                "command": name,
                "outcome": outcome,
                "latency_ms": round(took * 1000, 2) if took is not None else None,
            },
        )


async def _dispatch(
    service: Service, seat: Seat, data: dict[str, Any], frame_id: Any
) -> str | None:
    kind = data.get("type")
    if kind == "ping":
        Ping.model_validate(data)
        return Pong(id=frame_id, server_now=service.clock.now()).model_dump_json()
    if kind == "language":
        service.seats.choose_language(seat, ChooseLanguage.model_validate(data).language)
        return None
    if kind == "resync":
        Resync.model_validate(data)
        service.seats.resync(seat)
        return None
    if kind == "hello":
        raise AppError("bad_message", "Already said hello on this socket.")
    if kind != "command":
        raise AppError(
            "bad_message", f'Unknown frame type {str(kind)[:40]!r}; send "command" or "ping".'
        )
    name = data.get("name")
    if isinstance(name, str) and name not in SOCKET_COMMANDS:
        over_http = COMMANDS.get(name)
        raise AppError(
            "unknown_command",
            f"{name!r} is not a socket command; it comes over HTTP ({over_http.when})."
            if over_http
            else f"There is no command called {name[:40]!r}.",
        )
    command = Command.model_validate(data)
    version = await service.seats.command(seat, command.name, command.args)
    return Ack(id=command.id, version=version).model_dump_json()
