"""Fixtures for the scaled-out tests: a PostgreSQL cluster for the session, a database and a Redis
per test, and three `theater serve` processes sharing them. `make test` installs PostgreSQL and
Redis from Debian; the fixtures start and stop their own instances."""

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.app.server import FAST, Server, free_port
from tests.conftest import GENEROUS
from tests.scaled.services import Redis, postgres_cluster


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    with postgres_cluster() as url:
        yield url


@pytest.fixture
async def database(postgres: str) -> AsyncIterator[str]:
    name = f"t_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(postgres)
    await admin.execute(f"CREATE DATABASE {name}")
    await admin.close()
    yield postgres.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Redis]:
    server = Redis(free_port(), tmp_path / "redis.log").start()
    yield server
    server.stop()


@pytest.fixture
def servers(tmp_path: Path, database: str, redis_server: Redis) -> Iterator[list[Server]]:
    """Three `theater serve` processes sharing one PostgreSQL database and one Redis."""
    started = [
        Server(
            tmp_path / f"server{i}.db",
            env={**FAST, **GENEROUS},
            db_url=database,
            redis=redis_server.url,
        ).start()
        for i in range(3)
    ]
    yield started
    for server in started:
        server.stop()
