"""The server, in layers: `service` (sessions, live tables, commands) over its ports `stores`
(SQLite, PostgreSQL, memory), `cluster` (the bus between servers) and `clock`; `wire` (HTTP,
WebSocket, pages, protocol) on top; `cli` to run it."""
