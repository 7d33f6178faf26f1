"""Real PostgreSQL and Redis on 127.0.0.1 for the scaled-out tests, started here and stopped here
(`make test` installs them from Debian). PostgreSQL refuses to run as root, so it runs as the
`postgres` user the Debian package creates; each test gets a database of its own."""

import contextlib
import glob
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
import redis

from tests.app.server import FAST, Server, free_port
from tests.conftest import GENEROUS


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found[-1]


def _as_postgres(*argv: str) -> list[str]:
    return list(argv) if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *argv]


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A PostgreSQL cluster; yields the URL of its `postgres` database. Its directory is outside
    pytest's (which only root may enter), since the server runs as `postgres`."""
    base = Path(tempfile.mkdtemp(prefix="theater-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    data, port = base / "data", free_port()
    subprocess.run(
        _as_postgres(_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"),
        check=True,
        capture_output=True,
    )
    ctl = _as_postgres(_pg_bin("pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
    subprocess.run([*ctl, "-o", options, "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*ctl, "-m", "fast", "stop"], check=False, capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
async def database(postgres: str) -> AsyncIterator[str]:
    name = f"t_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(postgres)
    await admin.execute(f"CREATE DATABASE {name}")
    await admin.close()
    yield postgres.rsplit("/", 1)[0] + f"/{name}"


@dataclass
class Redis:
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "Redis":
        argv = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port)]
        argv += ["--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(argv, stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.exceptions.ConnectionError):
                if redis.Redis(port=self.port).ping():
                    return self
            time.sleep(0.05)
        raise RuntimeError(f"redis did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


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
