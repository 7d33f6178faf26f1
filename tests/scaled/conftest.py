"""Fixtures for the scaled-out tests: a PostgreSQL cluster for the session, a database and a Redis
per test, and three `theater serve` processes sharing them. `make test` installs PostgreSQL and
Redis from Debian; the fixtures start and stop their own instances."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.server import FAST, Server, free_port
from tests.conftest import GENEROUS
from tests.scaled.services import Redis


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Redis]:
    server = Redis(free_port(), tmp_path / "redis.log").start()
    yield server
    server.stop()


@contextlib.contextmanager
def three_servers(tmp_path: Path, database: str, redis: Redis) -> Iterator[list[Server]]:
    """Three `theater serve` processes sharing one PostgreSQL database and one Redis."""
    env = {**FAST, **GENEROUS}
    started = [
        Server(tmp_path / f"server{i}.db", env=env, db_url=database, redis=redis.url).start()
        for i in range(3)
    ]
    try:
        yield started
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def servers(tmp_path: Path, database: str, redis_server: Redis) -> Iterator[list[Server]]:
    with three_servers(tmp_path, database, redis_server) as started:
        yield started
