"""What an operator watches, in Prometheus's text format (prometheus-client, never written by hand).

Served on its own port (`THEATER_METRICS_PORT`, on 127.0.0.1 unless `THEATER_METRICS_HOST` says
otherwise), never on the public one. Counts and durations only: every label value comes from a
fixed set (command names, error codes, roles, kinds of bus message), never a name, an answer, a
card, a session id or a token. Units are in the names (`_seconds`, `_total`).
"""

import asyncio
import contextlib
import logging
import socket
import time
from collections import Counter as Tally
from collections.abc import Collection, Iterator, Mapping
from typing import Any, Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.service.outbox import Sent


class Watched(Protocol):
    """What the live figures read at a scrape (the service is one)."""

    @property
    def tables(self) -> Mapping[str, Any]: ...
    @property
    def store(self) -> Any: ...
    @property
    def seats(self) -> Any: ...


log = logging.getLogger("theater.metrics")
REGISTRY = CollectorRegistry()
SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
ROLES = ("facilitator", "player", "screen", "trainer")

COMMANDS = Counter(
    "theater_commands",
    "Commands received over sockets and streams, by name and outcome (ok, or the refusal's code)",
    ["command", "outcome"],
    registry=REGISTRY,
)
COMMAND_SECONDS = Histogram(
    "theater_command_seconds",
    "From a command's frame to its new state queued for every socket of the table",
    buckets=SECONDS,
    registry=REGISTRY,
)
TIMER_LATE = Histogram(
    "theater_timer_late_seconds",
    "How long after its moment a warning or time-up was recorded",
    buckets=SECONDS,
    registry=REGISTRY,
)
HTTP_RESPONSES = Counter(
    "theater_http_responses",
    "HTTP responses by status class (5xx: the server failed or the store did not answer)",
    ["status"],
    registry=REGISTRY,
)
REFUSALS = Counter(
    "theater_refusals",
    "Refusals by error code (rate_limited: a limit was hit) and transport: http for the HTTP API,"
    " frames for the socket's and the HTTP stream's frames",
    ["code", "transport"],
    registry=REGISTRY,
)
STORE_APPEND_SECONDS = Histogram(
    "theater_store_append_seconds",
    "Appending a command's events to the store",
    buckets=SECONDS,
    registry=REGISTRY,
)
BUS_MESSAGES = Counter(
    "theater_bus_messages",
    "Messages from other servers over Redis, by kind",
    ["kind"],
    registry=REGISTRY,
)
LOOP_LAG = Histogram(
    "theater_event_loop_lag_seconds",
    "How late the event loop woke a half-second sleep: how long everything else waited",
    buckets=SECONDS,
    registry=REGISTRY,
)
GC_PAUSE = Histogram(
    "theater_gc_pause_seconds",
    "Pauses of the server's own garbage collection (app/gcpause.py), by walk",
    ["walk"],
    buckets=SECONDS,
    registry=REGISTRY,
)


def command_name(name: object, known: Collection[str]) -> str:
    """A label for a command's name: one of ours, or "other" (a label never repeats input)."""
    return name if isinstance(name, str) and name in known else "other"


class Live(Collector):
    """What holds now, read from the service at each scrape (on the event loop's thread)."""

    def __init__(self, service: Watched) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        service = self.service
        roles: Tally[str] = Tally(
            str(s.actor.role) for t in service.tables.values() for s in t.seats
        )
        seats = GaugeMetricFamily(
            "theater_seats", "Sockets and streams past their hello, by role", labels=["role"]
        )
        for role in ROLES:
            seats.add_metric([role], roles.get(role, 0))
        yield seats
        yield GaugeMetricFamily(
            "theater_connections",
            "Sockets and streams open here, hello or not",
            value=service.seats.open_streams(),
        )
        yield GaugeMetricFamily(
            "theater_tables_held", "Tables held in this server's memory", value=len(service.tables)
        )
        yield CounterMetricFamily(
            "theater_frames_sent", "Frames taken from outboxes to be sent", value=Sent.frames
        )
        yield CounterMetricFamily(
            "theater_frame_characters_sent",
            "Characters of those frames (JSON text: about its bytes)",
            value=Sent.characters,
        )
        yield CounterMetricFamily(
            "theater_events_read",
            "Events read from the store since start",
            value=service.store.events_read,
        )


def exposition() -> bytes:
    return generate_latest(REGISTRY)


_live: list[Live] = []


def watch(service: Watched) -> None:
    """Read this service's live figures at each scrape (the last app made in this process)."""
    for earlier in _live:
        REGISTRY.unregister(earlier)
    _live[:] = [Live(service)]
    REGISTRY.register(_live[0])


async def _asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """GET /metrics, and nothing else."""
    if scope["type"] != "http":
        return
    found = scope["path"] == "/metrics" and scope["method"] in ("GET", "HEAD")
    body = exposition() if found else b"not found\n"
    headers = [(b"content-type", CONTENT_TYPE_LATEST.encode() if found else b"text/plain")]
    await send({"type": "http.response.start", "status": 200 if found else 404, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class MetricsServer:
    """The metrics' own small HTTP server, on the app's event loop (so a scrape reads the service's
    tables on the thread that changes them). It leaves the signals to the main server, and a port
    it cannot bind costs the metrics only: it says so and the game goes on."""

    def __init__(self, host: str, port: int) -> None:
        import uvicorn

        # log_config and log_level None, access_log left on: a uvicorn.Config otherwise reconfigures
        # the process's loggers, the main server's among them (its access lines went silent)
        config = uvicorn.Config(_asgi, host=host, port=port, lifespan="off", log_config=None,
                                log_level=None)  # fmt: skip

        class Quiet(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:
                yield  # SIGTERM and SIGINT stay the main server's

        self.server = Quiet(config)
        self.task: asyncio.Task[None] | None = None
        self.where = (host, port)

    def start(self) -> None:
        try:
            sock = socket.create_server(self.where, reuse_port=False)
        except OSError as e:
            log.error("metrics: cannot listen on %s:%d (%s); serving without", *self.where, e)
            return
        self.task = asyncio.create_task(self.server.serve(sockets=[sock]))

    async def stop(self) -> None:
        if self.task is None:
            return
        self.server.should_exit = True
        with contextlib.suppress(Exception, SystemExit):
            await self.task


async def watch_loop(every_s: float = 0.5) -> None:
    """Measure the event loop's lag for the server's life."""
    while True:
        began = time.perf_counter()
        await asyncio.sleep(every_s)
        LOOP_LAG.observe(max(0.0, time.perf_counter() - began - every_s))
