"""The WebSocket endpoint `/ws/{session_id}`: hello, then frames both ways (see `dialogue`).

Only the situations in the close-code table end a socket (a page of another site, a wrong token,
an unknown session, no hello in time, too many sockets); a bad frame gets an error and the socket
stays open, also before the hello.
"""

import asyncio
import contextlib
import functools
from collections.abc import Callable, MutableMapping
from typing import Any

from fastapi import WebSocket
from fastapi.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

from app.service import AppError, Outbox, Seat, Service, TokenBucket, close_code
from app.wire.dialogue import answer, ends_hello, error_frame, read_hello
from app.wire.hosts import Hosts


async def serve_socket(ws: WebSocket, session_id: str, service: Service, hosts: Hosts) -> None:
    client = ws.client.host if ws.client else "?"
    if service.tables.draining:  # refused before the handshake: a balancer tries another server
        await ws.send_denial_response(PlainTextResponse("server restarting", status_code=503))
        return
    await ws.accept()
    if not hosts.origin_allowed(ws.headers.get("origin"), ws.headers.get("host", "")):
        await ws.close(close_code("bad_origin"), "this page may not open a socket here")
        return
    try:
        opened = service.seats.open_socket(client)
    except AppError as e:
        await ws.close(close_code(e.code), e.message)
        return
    try:
        seat = await _hello(ws, service, session_id)
        if seat is not None:
            await _converse(ws, service, seat)
    except WebSocketDisconnect:
        pass
    finally:
        service.seats.close_socket(client, opened)


RAW_SEND = "theater.raw_send"


class RawSend:
    """The outermost layer for sockets: keeps the ASGI server's own `send` in the scope, so the
    pump writes every frame without passing the framework's per-send wrappers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[RAW_SEND] = send
        await self.app(scope, receive, send)


def _text(message: MutableMapping[str, Any]) -> str | bytes | None:
    raw = message.get("text")
    if raw is None:
        raw = message.get("bytes")
    return raw if isinstance(raw, str | bytes) else None


async def _hello(ws: WebSocket, service: Service, session_id: str) -> Seat | None:
    """Wait for a good hello (answering bad frames meanwhile) until the hello timeout."""
    config = service.config
    loop = asyncio.get_running_loop()
    deadline = loop.time() + config.hello_timeout_s
    patience = TokenBucket(rate=1, burst=5)  # a few wrong first frames get answers, not a flood
    while True:
        try:
            async with asyncio.timeout_at(deadline):
                message = await ws.receive()
        except TimeoutError:
            await ws.close(close_code("no_hello"), "no hello in time")
            return None
        if message["type"] == "websocket.disconnect":
            return None
        try:
            hello = read_hello(_text(message) or b"", config.max_frame_bytes)
            return await service.seats.connect(session_id, hello.token, hello.language)
        except AppError as e:
            if (code := ends_hello(e)) is not None:
                await ws.close(code, e.message)
                return None
            if not patience.allow():
                await ws.close(close_code("no_hello"), "no hello")
                return None
            await ws.send_text(error_frame(e))


async def _converse(ws: WebSocket, service: Service, seat: Seat) -> None:
    pump = asyncio.create_task(_pump(ws, seat.outbox))
    try:
        limit = service.config.max_frame_bytes
        while not seat.outbox.closed:
            await seat.outbox.room()  # a client that sends faster than it reads is read slower
            message = await ws.receive()
            if message["type"] == "websocket.disconnect" or seat.outbox.closed:
                return
            reply = await answer(service, seat, _text(message) or b"", limit)
            if reply is not None:
                seat.outbox.put(reply)
    finally:
        service.seats.disconnect(seat)
        with contextlib.suppress(Exception):
            await pump


@functools.lru_cache(maxsize=8)
def wire_bytes(frame: str) -> bytes:
    """A server's text frame as it goes on the wire (RFC 6455 5.2: final, unmasked, no
    extension): made once for every socket of a broadcast that gets the same frame."""
    payload = frame.encode()
    n = len(payload)
    if n < 126:
        return b"\x81" + n.to_bytes(1, "big") + payload
    if n < 65536:
        return b"\x81\x7e" + n.to_bytes(2, "big") + payload
    return b"\x81\x7f" + n.to_bytes(8, "big") + payload


def direct_write(send: Send) -> Callable[[str], bool] | None:
    """A frame written at once, as uvicorn's own `send` would for `websocket.send` when the
    socket is open and its transport takes more (it never waits then), without the coroutine
    and the pump's task switch per frame, and with the frame's bytes made once for all its
    sockets (`wire_bytes`); False when it cannot (the pump sends it instead). Only for the
    implementation this was measured on (`WebSocketsSansIOProtocol`), without compression."""
    protocol = getattr(send, "__self__", None)
    if not isinstance(protocol, WebSocketsSansIOProtocol):
        return None
    try:
        conn, transport, writable = protocol.conn, protocol.transport, protocol.writable
        if conn.extensions:  # compressed frames differ per socket: the pump sends them
            return None
    except AttributeError:  # another version of uvicorn than measured: the pump sends all
        return None

    def write(frame: str) -> bool:
        if protocol.close_sent or protocol.disconnected or not writable.is_set():
            return False
        if transport.is_closing() or conn.state is not State.OPEN:
            return False
        transport.write(wire_bytes(frame))
        return True

    return write


async def _pump(ws: WebSocket, outbox: Outbox) -> None:
    """Write the outbox to the socket; when the service closes it, close the socket with its
    code (removed, replaced, deleted, too slow, restarting). Frames go to the server's own send
    (`RawSend`), beneath the framework's wrappers, which only track the handshake's state."""
    send = ws.scope.get(RAW_SEND) or ws.send
    outbox.direct = direct_write(send)
    try:
        while (frame := await outbox.get()) is not None:
            await send({"type": "websocket.send", "text": frame})
    except Exception:  # a dead socket ends its pump, nothing else
        outbox.close()
        return
    if outbox.close_code is not None:
        with contextlib.suppress(Exception):
            await ws.close(outbox.close_code, outbox.close_reason)
