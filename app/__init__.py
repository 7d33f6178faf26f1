"""The server: HTTP routes, the socket endpoint, live tables, the event store and fan-out."""
