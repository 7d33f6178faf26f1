"""The WebSocket endpoint: hello, then commands in, acks/errors and state frames out.

A bad frame gets an error naming the problem and changes nothing; the socket stays open. Only a
missing or wrong hello closes it (4408 / 4401 / 4404), as the protocol says.
"""

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from app.clock import now_ms
from app.config import Config
from app.connection import Connection
from app.protocol import Ack, Command, Error, Hello, Ping, Pong, Welcome
from app.ratelimit import TokenBucket
from app.sessions import Sessions
from app.table import Table
from game import SOCKET_COMMANDS, GameError

log = logging.getLogger("theater.socket")


def _error(code: str, message: str, frame_id: Any = None) -> str:
    return Error(id=frame_id, code=code, message=message).model_dump_json()


async def _hello(ws: WebSocket, config: Config) -> str | None:
    try:
        raw = await asyncio.wait_for(ws.receive_text(), timeout=config.hello_timeout_s)
    except TimeoutError:
        await ws.close(4408, "no hello within 10 seconds")
        return None
    try:
        return Hello.model_validate_json(raw).token
    except ValidationError:
        await ws.close(4401, 'the first frame must be {"type": "hello", "token": "…"}')
        return None


async def serve_socket(ws: WebSocket, session_id: str, sessions: Sessions, config: Config) -> None:
    await ws.accept()
    try:
        token = await _hello(ws, config)
        if token is None:
            return
        table = await sessions.get(session_id)
        if table is None:
            await ws.close(4404, "unknown session")
            return
        actor = await sessions.identify(table, token)
        if actor is None:
            await ws.close(4401, "this token does not open this session")
            return
        conn = Connection(ws, actor, limit=config.send_queue)
        welcome = Welcome(
            role=actor.role or "screen", player_id=actor.player_id, session_id=session_id
        )
        conn.send(welcome.model_dump_json())
        pump = asyncio.create_task(conn.pump())
        table.attach(conn)
        try:
            await _commands(ws, conn, table, config)
        finally:
            table.detach(conn)
            conn.stop()
            with contextlib.suppress(Exception):
                await pump
    except WebSocketDisconnect:
        pass


async def _commands(ws: WebSocket, conn: Connection, table: Table, config: Config) -> None:
    bucket = TokenBucket(config.commands_per_second, config.command_burst)
    while not conn.closed:
        await conn.room()  # a client that sends faster than it reads is simply read slower
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        raw = message.get("text")
        if raw is None:
            raw_bytes = message.get("bytes") or b""
            if len(raw_bytes) > config.max_frame_bytes:
                conn.send(
                    _error("too_large", f"Frames may be at most {config.max_frame_bytes} bytes.")
                )
                continue
            try:
                raw = raw_bytes.decode()
            except UnicodeDecodeError:
                conn.send(_error("bad_message", "Frames must be UTF-8 JSON text."))
                continue
        if len(raw.encode()) > config.max_frame_bytes:
            conn.send(_error("too_large", f"Frames may be at most {config.max_frame_bytes} bytes."))
            continue
        if not bucket.allow():
            conn.send(
                _error("rate_limited", "Too many frames; slow down and try again in a second.")
            )
            continue
        conn.send(await _handle(raw, conn, table))


async def _handle(raw: str, conn: Connection, table: Table) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return _error("bad_message", "This frame is not valid JSON.")
    if not isinstance(data, dict):
        return _error("bad_message", 'A frame must be a JSON object with a "type".')
    frame_id = data.get("id") if isinstance(data.get("id"), str | int) else None
    kind = data.get("type")
    if kind == "ping":
        try:
            Ping.model_validate(data)
        except ValidationError:
            return _error("bad_message", 'A ping is {"type": "ping", "id": …}.', frame_id)
        return Pong(id=frame_id, server_now=now_ms()).model_dump_json()
    if kind == "hello":
        return _error("bad_message", "Already said hello on this socket.", frame_id)
    if kind != "command":
        return _error(
            "bad_message",
            f'Unknown frame type {str(kind)[:40]!r}; send "command" or "ping".',
            frame_id,
        )
    try:
        command = Command.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return _error("bad_message", f"Bad command frame: {where}: {first['msg']}.", frame_id)
    if command.name not in SOCKET_COMMANDS:
        return _error(
            "unknown_command", f"There is no command called {command.name!r}.", command.id
        )
    try:
        _, version = await table.execute(conn.actor, command.name, command.args)
    except GameError as e:
        return _error(e.code, e.message, command.id)
    return Ack(id=command.id, version=version).model_dump_json()
