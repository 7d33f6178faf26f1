"""Several servers, one game: the bus between them (in-process alone, Redis when scaled out)."""

from app.cluster.bus import Bus, Limit, Listener, LocalBus, Window, open_bus

__all__ = ["Bus", "Limit", "Listener", "LocalBus", "Window", "open_bus"]
