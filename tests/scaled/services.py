"""Real PostgreSQL and Redis on 127.0.0.1, started and stopped by whoever needs them (the scaled-out
tests, the load benchmark's two-server run). PostgreSQL refuses to run as root, so it runs as the
`postgres` user the Debian package creates, from a directory outside pytest's (which only root may
enter)."""

import asyncio
import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import redis

from tests.app.server import free_port


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found[-1]


def _as_postgres(*argv: str) -> list[str]:
    return list(argv) if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *argv]


@dataclass
class Postgres:
    """A throwaway PostgreSQL cluster that a test can stop and start again (an outage)."""

    base: Path
    port: int

    @property
    def url(self) -> str:
        """The URL of its `postgres` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *argv: str) -> None:
        ctl = [_pg_bin("pg_ctl"), "-D", str(self.base / "data"), "-l", str(self.base / "log")]
        subprocess.run(_as_postgres(*ctl, "-w", *argv), check=True, capture_output=True)

    def start(self) -> "Postgres":
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} -c fsync=off"
        self._ctl("-o", options, "start")
        return self

    def stop(self) -> None:
        """Fast shutdown: every open connection is cut, as when the database server goes down."""
        self._ctl("-m", "fast", "stop")


@contextlib.contextmanager
def postgres_cluster() -> Iterator[Postgres]:
    """A PostgreSQL cluster for as long as the block runs."""
    base = Path(tempfile.mkdtemp(prefix="theater-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    subprocess.run(
        _as_postgres(_pg_bin("initdb"), "-D", str(base / "data"), "-A", "trust", "-U", "postgres"),
        check=True,
        capture_output=True,
    )
    cluster = Postgres(base, free_port()).start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


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


class Proxy:
    """A TCP proxy of ours in this test process, in front of a database: `cut()` drops every
    connection through it at once (both ends reset), as a network fault or a failover does."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self.server: asyncio.Server | None = None
        self.port = 0
        self.cuts = 0

    async def start(self) -> "Proxy":
        self.server = await asyncio.start_server(self._link, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        link = (writer, up_writer)
        self.links.add(link)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, RuntimeError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            self.links.discard(link)

    def cut(self) -> int:
        """Reset every connection now; returns how many there were."""
        links = list(self.links)
        for down, up in links:
            down.transport.abort()
            up.transport.abort()
        self.cuts += 1
        return len(links)

    async def stop(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
