"""The FastAPI application: routes, socket, error shape, start-up recovery and retention."""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from app import gcpause
from app.config import Config
from app.fanout import Fanout
from app.http import STATUS, ApiError, build_router, error_response
from app.pages import SecurityHeaders, build_pages, static_files
from app.sessions import Sessions
from app.socket import serve_socket
from app.store import open_store
from game import GameError

log = logging.getLogger("theater")

SWEEP_SECONDS = 3600


def create_app(config: Config | None = None) -> FastAPI:
    config = config or Config.from_env()
    store = open_store(config.db)
    fanout = Fanout(config.redis) if config.redis else None
    sessions = Sessions(store, config, fanout)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await store.open()
        started = time.perf_counter()
        recovered = await sessions.recover()
        log.info(
            "recovered %d unfinished sessions in %.3f s", recovered, time.perf_counter() - started
        )
        sessions.listen()
        sweeper = asyncio.create_task(_sweep_forever(sessions))
        collector = asyncio.create_task(gcpause.keep_young())
        try:
            yield
        finally:
            sweeper.cancel()
            collector.cancel()
            await sessions.close()
            if fanout is not None:
                await fanout.close()
            await store.close()

    app = FastAPI(
        title="Theater van Besluit",
        version="0.1.0",
        description=(
            "The digital table for Theater van Besluit. HTTP creates and joins sessions; the game "
            "itself runs over the WebSocket `/ws/{session_id}` (see docs/PROTOCOL.md and "
            "docs/asyncapi.json)."
        ),
        lifespan=lifespan,
    )
    app.state.sessions = sessions
    app.include_router(build_router(sessions))
    app.include_router(build_pages())
    app.mount("/static", static_files(), name="static")
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.code, exc.message, exc.status)

    @app.exception_handler(GameError)
    async def refused(request: Request, exc: GameError) -> JSONResponse:
        return error_response(exc.code, exc.message, STATUS.get(exc.code, 400))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid", "type": ""}
        if first.get("type") == "json_invalid":
            return error_response("bad_message", "The request body is not valid JSON.", 400)
        where = ".".join(str(p) for p in first["loc"] if p != "body") or "body"
        return error_response("invalid_args", f"{where}: {first['msg']}", 400)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
        return error_response(code, str(exc.detail), exc.status_code)

    @app.websocket("/ws/{session_id}")
    async def socket(websocket: WebSocket, session_id: str) -> None:
        await serve_socket(websocket, session_id, sessions, config)

    return app


async def _sweep_forever(sessions: Sessions) -> None:
    while True:
        try:
            await sessions.sweep()
        except Exception:
            log.exception("retention sweep failed; trying again later")
        await asyncio.sleep(SWEEP_SECONDS)
