"""The wire: HTTP routes, the WebSocket endpoint, the pages, and the protocol's models and docs.
Each module here talks to the service only."""
