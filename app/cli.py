"""`theater serve` and `theater replay`: the product's command line (see docs/PROTOCOL.md)."""

import argparse
import asyncio
import functools
import logging
import logging.config
import math
import sys

from app.config import Config, ConfigError


def _serve(config: Config) -> None:
    import uvicorn

    from app.logs import config as log_config
    from app.wire.server import DrainingServer, create_app

    logging.config.dictConfig(log_config(config.log_format))
    app = create_app(config)
    where = config.public_url or f"http://{config.host}:{config.port}"
    say = (
        logging.getLogger("theater").info
        if config.log_format == "json"
        else functools.partial(print, flush=True)
    )
    say(f"Theater van Besluit: open {where}/  (API: /docs)")
    say(f"Events are stored in {config.db.split('@')[-1]}")  # no password
    if config.metrics_port:
        say(f"Metrics for Prometheus on http://{config.metrics_host}:{config.metrics_port}/metrics")
    settings = uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        ws_max_size=config.hard_frame_bytes,
        ws_per_message_deflate=False,
        log_level="info",
        log_config=log_config(config.log_format),
        proxy_headers=config.forwarded_allow_ips is not None,
        forwarded_allow_ips=config.forwarded_allow_ips,
        server_header=False,
        timeout_graceful_shutdown=math.ceil(config.drain_s),
    )
    DrainingServer(settings, app.state.service, config.drain_s).run()


def _replay(config: Config, session_id: str, fmt: str) -> int:
    from app.service import open_service

    async def run() -> str | None:
        service = open_service(config)
        await service.store.open()
        try:
            report = await service.logs.debrief(session_id, fmt)
            return report.body if report else None
        finally:
            await service.store.close()

    out = asyncio.run(run())
    if out is None:
        print(f"No session {session_id!r} in {config.db}", file=sys.stderr)
        return 1
    sys.stdout.write(out)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="theater", description="Theater van Besluit server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the app (HTTP + WebSocket)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--db", help="sqlite:///path/theater.db (default: ./theater.db) or postgresql://…"
    )
    serve.add_argument("--redis", help="redis://… (fan-out across servers)")
    replay = sub.add_parser("replay", help="a trainer's export of one session")
    replay.add_argument("session_id")
    replay.add_argument("--db")
    replay.add_argument("--format", choices=["md", "json", "csv"], default="md")
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            _serve(Config.from_env(host=args.host, port=args.port, db=args.db, redis=args.redis))
            return 0
        return _replay(Config.from_env(db=args.db), args.session_id, args.format)
    except ConfigError as e:
        print(f"theater: cannot start: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
