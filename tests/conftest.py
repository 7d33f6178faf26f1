import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.app.server import FAST, Server
from tests.scaled.services import postgres_cluster

GENEROUS = {
    "THEATER_JOINS_PER_MINUTE": "100000",
    "THEATER_FAILED_JOINS_PER_MINUTE": "100000",
    "THEATER_SESSIONS_PER_MINUTE": "100000",
    "THEATER_HELLO_TIMEOUT": "1",
    "THEATER_OFFLINE_GRACE": "0.2",
}


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real `theater serve` on 127.0.0.1 for the tests that share it."""
    srv = Server(tmp_path_factory.mktemp("srv") / "theater.db", env={**FAST, **GENEROUS}).start()
    yield srv
    srv.stop()


@pytest.fixture
def fresh_db(tmp_path: Path) -> Path:
    return tmp_path / "theater.db"


@pytest.fixture
async def http(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A real PostgreSQL cluster on 127.0.0.1 for the whole run (started when first asked)."""
    with postgres_cluster() as cluster:
        yield cluster.url


async def new_database(postgres_url: str) -> str:
    """A fresh, empty database on the test cluster: its URL."""
    name = f"t_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(postgres_url)
    await admin.execute(f"CREATE DATABASE {name}")
    await admin.close()
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
async def database(postgres: str) -> str:
    return await new_database(postgres)
