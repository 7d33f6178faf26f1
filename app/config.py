"""Server settings: command-line flags win over THEATER_* environment variables over defaults."""

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 8000
    db: str = field(default_factory=lambda: f"sqlite:///{Path.cwd() / 'theater.db'}")
    redis: str | None = None
    clock_scale: float = 1.0
    retention_days: float = 30.0
    # limits a well-behaved client never meets
    max_frame_bytes: int = 16 * 1024
    hard_frame_bytes: int = 1024 * 1024  # above this uvicorn closes the socket (1009)
    hello_timeout_s: float = 10.0
    commands_per_second: float = 10.0
    command_burst: int = 30
    send_queue: int = 64
    joins_per_minute: int = 120  # per client address: a training day behind one NAT fits
    failed_joins_per_minute: int = 20  # guessing codes: 31^6 of them, 20 tries a minute
    sessions_per_minute: int = 30
    # behind a load balancer: whose X-Forwarded-For to believe (client addresses for rate limits)
    forwarded_allow_ips: str | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> "Config":
        env: dict[str, object] = {}
        if os.environ.get("THEATER_HOST"):
            env["host"] = os.environ["THEATER_HOST"]
        if os.environ.get("THEATER_PORT"):
            env["port"] = int(os.environ["THEATER_PORT"])
        if os.environ.get("THEATER_DB"):
            env["db"] = os.environ["THEATER_DB"]
        if os.environ.get("THEATER_REDIS"):
            env["redis"] = os.environ["THEATER_REDIS"]
        if os.environ.get("THEATER_FORWARDED_ALLOW_IPS"):
            env["forwarded_allow_ips"] = os.environ["THEATER_FORWARDED_ALLOW_IPS"]
        env["clock_scale"] = _env_float("THEATER_CLOCK_SCALE", 1.0)
        env["retention_days"] = _env_float("THEATER_RETENTION_DAYS", 30.0)
        env["hello_timeout_s"] = _env_float("THEATER_HELLO_TIMEOUT", 10.0)
        for name in ("joins_per_minute", "failed_joins_per_minute", "sessions_per_minute"):
            raw = os.environ.get(f"THEATER_{name.upper()}")
            if raw:
                env[name] = int(raw)
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)  # type: ignore[arg-type]
