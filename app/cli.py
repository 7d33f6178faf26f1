"""`theater serve` and `theater replay`: the product's command line (see docs/PROTOCOL.md)."""

import argparse
import asyncio
import logging
import sys

from app.config import Config


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from app.main import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    config = Config.from_env(host=args.host, port=args.port, db=args.db, redis=args.redis)
    app = create_app(config)
    print(
        f"Theater van Besluit: open http://{config.host}:{config.port}/  (API: /docs)", flush=True
    )
    print(f"Events are stored in {config.db.split('@')[-1]}", flush=True)  # no password
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        ws_max_size=config.hard_frame_bytes,
        ws_per_message_deflate=False,
        log_level="info",
        proxy_headers=config.forwarded_allow_ips is not None,
        forwarded_allow_ips=config.forwarded_allow_ips,
    )


def _replay(args: argparse.Namespace) -> int:
    from app.export import FORMATS
    from app.store import open_store
    from game import fold

    config = Config.from_env(db=args.db)

    async def run() -> str | None:
        store = open_store(config.db)
        await store.open()
        try:
            events = await store.load(args.session_id)
            return FORMATS[args.format][1](fold(events), events) if events else None
        finally:
            await store.close()

    out = asyncio.run(run())
    if out is None:
        print(f"No session {args.session_id!r} in {config.db}", file=sys.stderr)
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
    if args.command == "serve":
        _serve(args)
        return 0
    return _replay(args)


if __name__ == "__main__":
    sys.exit(main())
