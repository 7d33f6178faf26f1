"""Several servers, one game: the bus between them (in-process alone, Redis when scaled out).
Whether Redis is configured is asked once, in `open_bus`."""

from app.cluster.bus import Bus, Limit, Listener, LocalBus, Window


def open_bus(redis_url: str | None) -> Bus:
    if redis_url is None:
        return LocalBus()
    from app.cluster.redis_bus import RedisBus  # redis only when asked for

    return RedisBus(redis_url)


__all__ = ["Bus", "Limit", "Listener", "LocalBus", "Window", "open_bus"]
