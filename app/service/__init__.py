"""The service: what HTTP, the socket endpoint and the command line call, and nothing else.

`Service` holds the live tables and takes its ports (event store, the cluster's bus, timer ledger and limits, clock) in its constructor;
`open_service` builds it from the settings, the one place that decides which adapters run.
"""

from app.clock import Clock, SystemClock
from app.cluster import open_cluster
from app.config import Config
from app.errors import CODES, AppError, Failure, close_code, http_status
from app.reading.export import Download
from app.results import Created, Joined
from app.service.limits import TokenBucket
from app.service.live import LiveTable, Seat
from app.service.outbox import Outbox
from app.service.service import Service
from app.stores import open_store
from game import COMMANDS, SOCKET_COMMANDS, Refusal, Role, Settings


def open_service(config: Config, clock: Clock | None = None) -> Service:
    return Service(
        config, open_store(config.db), open_cluster(config.redis), clock or SystemClock()
    )


__all__ = [
    "CODES",
    "COMMANDS",
    "SOCKET_COMMANDS",
    "AppError",
    "Config",
    "Created",
    "Download",
    "Failure",
    "Joined",
    "LiveTable",
    "Outbox",
    "Refusal",
    "Role",
    "Seat",
    "Service",
    "Settings",
    "TokenBucket",
    "close_code",
    "http_status",
    "open_service",
]
