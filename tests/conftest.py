from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.app.server import FAST, Server

GENEROUS = {
    "THEATER_JOINS_PER_MINUTE": "100000",
    "THEATER_FAILED_JOINS_PER_MINUTE": "100000",
    "THEATER_SESSIONS_PER_MINUTE": "100000",
    "THEATER_HELLO_TIMEOUT": "1",
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
