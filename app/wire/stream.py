"""The fallback transport, for networks that block WebSocket upgrades: the same frames over plain
HTTP. `POST /api/sessions/{id}/stream` with the hello frame as its body answers with a
server-sent-events stream of every frame the socket would carry; it ends with a `close` event
holding the code the socket would close with. `POST /api/sessions/{id}/frames` (the token as
`Authorization: Bearer`) carries one command or ping and answers with its ack, error or pong.

The token never goes in a URL; the limits are the socket's (connections per address and per
token, frames per second, frame size); any server behind the proxy can take either request.
"""

from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Request
from fastapi.responses import Response, StreamingResponse

from app.service import AppError, Service, close_code
from app.tokens import hash_token
from app.wire.api import bearer_token, client_address
from app.wire.dialogue import answer, ends_hello, error_frame, id_of, parse, read_hello
from app.wire.hosts import Hosts
from app.wire.protocol import Pong

# A comment line this often keeps proxies from closing a quiet stream and tells the page the
# stream is alive (a page gives up on one that is silent for 8 s).
HEARTBEAT_S = 3.0
STREAM_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}  # nginx: no buffering


def _event(name: str, data: object) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


def _closing(code: int, reason: str) -> bytes:
    return _event("close", {"code": code, "reason": reason})


async def _body(request: Request, limit: int) -> bytes:
    """At most `limit` + 1 bytes of the body: enough to refuse a larger one without reading it."""
    out = bytearray()
    async for chunk in request.stream():
        out += chunk
        if len(out) > limit:
            break
    return bytes(out)


def build_stream_router(service: Service, hosts: Hosts) -> APIRouter:
    router = APIRouter(tags=["fallback transport"])
    limit = service.config.max_frame_bytes

    def same_site(request: Request) -> bool:
        """The socket's Origin check: no page of another site talks to a table."""
        return hosts.origin_allowed(request.headers.get("origin"), request.headers.get("host", ""))

    @router.post("/api/sessions/{session_id}/stream", response_class=StreamingResponse)
    async def stream(request: Request, session_id: str) -> StreamingResponse:
        """The frames of the table as server-sent events, after the hello in the body."""
        client = client_address(request)
        raw = await _body(request, limit)

        async def frames() -> AsyncIterator[bytes]:
            if not same_site(request):
                yield _closing(close_code("bad_origin"), "this page may not open a stream here")
                return
            try:
                opened = service.seats.open_socket(client)
            except AppError as e:
                yield _closing(close_code(e.code), e.message)
                return
            seat = None
            try:
                try:
                    hello = read_hello(raw.decode("utf-8", "replace"), limit)
                    seat = await service.seats.connect(session_id, hello.token, hello.language)
                except AppError as e:
                    yield _closing(ends_hello(e) or close_code("no_hello"), e.message)
                    return
                yield b": the table's frames follow\n\n"
                while True:
                    frame = await seat.outbox.get(HEARTBEAT_S)
                    if frame == "":
                        yield b": still here\n\n"
                        continue
                    if frame is None:
                        outbox = seat.outbox
                        if outbox.close_code is not None:
                            yield _closing(outbox.close_code, outbox.close_reason)
                        return
                    yield b"data: " + frame.encode() + b"\n\n"
            finally:
                if seat is not None:
                    service.seats.disconnect(seat)
                service.seats.close_socket(client, opened)

        return StreamingResponse(frames(), media_type="text/event-stream", headers=STREAM_HEADERS)

    @router.post("/api/sessions/{session_id}/frames")
    async def frame(
        request: Request, session_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        """One frame (command or ping) from a viewer on the stream; its reply frame back."""
        raw = await _body(request, limit)
        try:
            if not same_site(request):
                raise AppError("bad_origin", "This page may not send frames here.")
            if len(raw) > limit:
                raise AppError("too_large", f"Frames may be at most {limit} bytes.")
            text = raw.decode("utf-8", "replace")
            try:
                data = parse(text, limit)
            except AppError:
                data = {}  # answer() says what is wrong with it
            token = bearer_token(authorization) or ""
            if data.get("type") == "ping":  # the server's clock is no secret: no table needed
                if not service.seats.http_budget(
                    hash_token(token or client_address(request))
                ).allow():
                    raise AppError("rate_limited", "Too many frames; slow down a second.")
                pong = Pong(id=id_of(data), server_now=service.clock.now())
                return Response(pong.model_dump_json(), media_type="application/json")
            seat = await service.seats.visitor(session_id, token)
            if data.get("type") in ("hello", "language", "resync"):
                raise AppError(
                    "bad_message",
                    "Over HTTP the hello and the language go in the stream's opening body "
                    "(open it again to switch language or to get the whole view again).",
                )
            reply = await answer(service, seat, text, limit)
        except AppError as e:
            reply = error_frame(e)
        return Response(reply or "{}", media_type="application/json")

    return router
