"""Several servers, one game: the ports between them (`ports.py`), in-process alone
(`local.py`), over Redis when scaled out. Whether Redis is configured is asked once, here."""

from app.cluster.local import Window, local_cluster
from app.cluster.ports import Bus, Cluster, Limit, Limits, Listener, TimerLedger


def open_cluster(redis_url: str | None) -> Cluster:
    if redis_url is None:
        return local_cluster()
    from app.cluster.redis_bus import redis_cluster  # redis only when asked for

    return redis_cluster(redis_url)


__all__ = [
    "Bus",
    "Cluster",
    "Limit",
    "Limits",
    "Listener",
    "TimerLedger",
    "Window",
    "local_cluster",
    "open_cluster",
]
