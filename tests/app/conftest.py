"""The service in process for the tests that want it without a socket: the in-memory store, the
local bus and a fake clock (`service`)."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.clock import FakeClock
from app.cluster import local_cluster
from app.config import Config
from app.service import Service
from app.stores import MemoryStore


def config(**overrides: Any) -> Config:
    return Config(db="memory://", offline_grace_s=3, evict_after_s=60, **overrides)


@pytest.fixture
async def service() -> AsyncIterator[Service]:
    svc = Service(config(), MemoryStore(), local_cluster(), FakeClock())
    await svc.start()
    yield svc
    await svc.close()
