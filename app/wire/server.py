"""The FastAPI application: the service behind HTTP routes, the socket and the pages; one error
shape for everything; start-up recovery and upkeep in its lifespan."""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from types import FrameType

import uvicorn
from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from app import gcpause, metrics
from app.config import Config
from app.service import AppError, Failure, Refusal, Service, http_status, open_service
from app.wire.api import build_router
from app.wire.hosts import AllowedHosts, Hosts
from app.wire.library_api import build_library_router
from app.wire.pages import SecurityHeaders, build_pages, docs_assets, static_files
from app.wire.stream import build_stream_router
from app.wire.ws import RawSend, serve_socket

log = logging.getLogger("theater")


def error_body(
    code: str, message: str, reason: str | None = None, params: object = None
) -> dict[str, object]:
    return {
        "error": {
            "code": code,
            "reason": reason or code,
            "message": message,
            "params": params or {},
        }
    }


def _failure(error: Failure) -> JSONResponse:
    metrics.REFUSALS.labels(error.code, "http").inc()
    body = error_body(error.code, error.message, error.reason, error.params)
    return JSONResponse(body, status_code=http_status(error))


def create_app(config: Config | None = None, service: Service | None = None) -> FastAPI:
    config = config or Config.from_env()
    service = service or open_service(config)
    hosts = Hosts(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        started = time.perf_counter()
        with gcpause.recovering(freeze=config.gc_young):
            recovered = await service.start()
        log.info(
            "recovered %d unfinished sessions in %.3f s", recovered, time.perf_counter() - started
        )
        upkeep = asyncio.create_task(service.maintain())
        lag = asyncio.create_task(metrics.watch_loop())
        scrape = (
            metrics.MetricsServer(config.metrics_host, config.metrics_port)
            if config.metrics_port
            else None
        )
        if scrape is not None:
            scrape.start()
        collector = (
            asyncio.create_task(
                gcpause.collect_young(
                    service.seats.open_streams,
                    lambda: service.seats.streams_closed,
                    lambda: service.seats.short_lived,
                )
            )
            if config.gc_young
            else None
        )
        try:
            yield
        finally:
            upkeep.cancel()
            lag.cancel()
            if scrape is not None:
                await scrape.stop()
            if collector is not None:
                collector.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await collector
            await service.close()

    app = FastAPI(
        title="Theater van Besluit",
        version="0.2.0",
        description=(
            "The digital table for Theater van Besluit. HTTP creates and joins sessions; the game "
            "itself runs over the WebSocket `/ws/{session_id}` (see docs/PROTOCOL.md and "
            "docs/asyncapi.json)."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    metrics.watch(service)

    # first: a socket is matched before the routers' HTTP routes are walked (126 us after them)
    @app.websocket("/ws/{session_id}")
    async def socket(websocket: WebSocket, session_id: str) -> None:
        await serve_socket(websocket, session_id, service, hosts)

    app.include_router(build_router(service, hosts))
    app.include_router(build_library_router(service, hosts))
    app.include_router(build_stream_router(service, hosts))
    app.include_router(build_pages(hosts, config.api_docs))
    app.mount("/static", static_files(), name="static")
    if config.api_docs:
        app.mount("/docs/assets", docs_assets(), name="docs-assets")
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AllowedHosts, hosts=hosts)
    app.add_middleware(RawSend)  # outermost: the server's own send, for the socket pumps

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> JSONResponse:
        return _failure(exc)

    @app.exception_handler(Refusal)
    async def refused(request: Request, exc: Refusal) -> JSONResponse:
        return _failure(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid", "type": ""}
        if first.get("type") == "json_invalid":
            return JSONResponse(
                error_body("bad_message", "The request body is not valid JSON."), status_code=400
            )
        where = ".".join(str(p) for p in first["loc"] if p != "body") or "body"
        body = error_body("invalid_args", f"{where}: {first['msg']}", params={"field": where})
        return JSONResponse(body, status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)

    return app


class DrainingServer(uvicorn.Server):
    """uvicorn, except that the first stop signal drains the service before uvicorn stops (it
    would cut every socket at once, and its `/healthz` would answer "ok" meanwhile): `/healthz`
    says "draining", the sockets are sent elsewhere, the timers handed over, then it stops. A
    second signal stops at once."""

    def __init__(self, config: uvicorn.Config, service: Service, within_s: float) -> None:
        super().__init__(config)
        self.service, self.within_s = service, within_s
        self.asked: int | None = None
        self.drained: asyncio.Task[None] | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.asked is None:  # in a signal handler: the loop starts the drain (on_tick)
            self.asked = sig
        else:
            super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        if self.asked is not None and self.drained is None:
            log.info("stop signal: draining (at most %.1f s)", self.within_s)
            self.drained = asyncio.create_task(self.service.tables.drain(self.within_s))
        if self.drained is not None and self.drained.done():
            self.should_exit = True  # (not re-raised at exit as uvicorn would: it was handled)
        return await super().on_tick(counter)
