"""Server settings: command-line flags win over THEATER_* environment variables over defaults.

Every value is checked at start-up; a bad one stops the server with a sentence naming the
variable, before anything is served or deleted.
"""

import os
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

# setting -> environment variable, for the ones a person may set
ENV = {
    "host": "THEATER_HOST",
    "port": "THEATER_PORT",
    "db": "THEATER_DB",
    "redis": "THEATER_REDIS",
    "public_url": "THEATER_PUBLIC_URL",
    "allowed_hosts": "THEATER_ALLOWED_HOSTS",
    "allowed_origins": "THEATER_ALLOWED_ORIGINS",
    "forwarded_allow_ips": "THEATER_FORWARDED_ALLOW_IPS",
    "clock_scale": "THEATER_CLOCK_SCALE",
    "retention_days": "THEATER_RETENTION_DAYS",
    "hello_timeout_s": "THEATER_HELLO_TIMEOUT",
    "joins_per_minute": "THEATER_JOINS_PER_MINUTE",
    "failed_joins_per_minute": "THEATER_FAILED_JOINS_PER_MINUTE",
    "sessions_per_minute": "THEATER_SESSIONS_PER_MINUTE",
    "commands_per_second": "THEATER_COMMANDS_PER_SECOND",
    "sockets_per_token": "THEATER_SOCKETS_PER_TOKEN",
    "sockets_per_address": "THEATER_SOCKETS_PER_ADDRESS",
    "guess_spacing_s": "THEATER_GUESS_SPACING",
    "evict_after_s": "THEATER_EVICT_AFTER",
    "offline_grace_s": "THEATER_OFFLINE_GRACE",
    "api_docs": "THEATER_API_DOCS",
    "gc_young": "THEATER_GC_YOUNG",
    "metrics_port": "THEATER_METRICS_PORT",
    "metrics_host": "THEATER_METRICS_HOST",
    "log_format": "THEATER_LOG_FORMAT",
    "drain_s": "THEATER_DRAIN",
}

Positive = Annotated[float, Field(gt=0)]


class ConfigError(ValueError):
    """A setting that cannot work; the message names the variable and what is allowed."""


def _list(value: Any) -> Any:
    return (
        tuple(v.strip() for v in value.split(",") if v.strip()) if isinstance(value, str) else value
    )


class Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    db: str = Field(default_factory=lambda: f"sqlite:///{Path.cwd() / 'theater.db'}")
    redis: str | None = None
    # Links and QR codes are built from this when set; else from the Host header, if allowed.
    public_url: str | None = None
    allowed_hosts: tuple[str, ...] = ()  # beyond localhost (and IP addresses when on 0.0.0.0)
    allowed_origins: tuple[str, ...] = ()  # browser origins other than the page's own host
    # behind a load balancer: whose X-Forwarded-For to believe (client addresses for limits)
    forwarded_allow_ips: str | None = None
    clock_scale: Positive = 1.0
    retention_days: float = Field(default=30.0, ge=1)
    # limits a well-behaved client never meets
    max_frame_bytes: int = 16 * 1024
    hard_frame_bytes: int = 1024 * 1024  # above this uvicorn closes the socket (1009)
    hello_timeout_s: Positive = 10.0
    commands_per_second: Positive = 10.0
    command_burst: int = Field(default=30, ge=1)
    send_queue: int = Field(default=64, ge=4)
    joins_per_minute: int = Field(default=120, ge=1)  # per address: a training day behind one NAT
    failed_joins_per_minute: int = Field(default=20, ge=1)  # then wrong codes slow down
    guess_spacing_s: float = Field(default=1.0, ge=0)  # one code checked per this, once throttled
    sessions_per_minute: int = Field(default=30, ge=1)
    sockets_per_token: int = Field(default=4, ge=1)  # a fifth replaces the oldest
    sockets_per_address: int = Field(default=300, ge=1)  # a venue's NAT: 40 phones and more
    offline_grace_s: float = Field(default=3.0, ge=0)  # a phone that drops and returns within
    evict_after_s: float = Field(default=60.0, ge=0)  # idle tables leave memory after this
    api_docs: bool = True  # /docs, with Swagger UI served from the package
    # Python's collector replaced by a walk of the last second's objects (app/gcpause.py): in
    # `make bench` at 500 tables (7,000 sockets), command p99 150 ms with Python's, 36-48 with ours.
    gc_young: bool = True
    # Prometheus metrics on their own port (app/metrics.py), off unless set; 127.0.0.1 unless the
    # operator's scraper sits elsewhere (compose: its private network)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    log_format: Literal["text", "json"] = "text"  # json: one object per line (app/logs.py)
    # on SIGTERM: this long at most to finish the commands being written and send the sockets on
    # (then as long again for uvicorn to close the rest) before the process exits
    drain_s: Positive = 5.0

    @field_validator("allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return _list(value)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be like https://theater.example.org")
        return value.rstrip("/")

    @field_validator("db")
    @classmethod
    def _db(cls, value: str) -> str:
        known = ("sqlite:///", "postgresql://", "postgres://", "memory://")
        if "://" in value and not value.startswith(known):
            raise ValueError("use sqlite:///path/theater.db or postgresql://…")
        return value

    @classmethod
    def from_env(cls, **overrides: object) -> "Config":
        """Read THEATER_* variables; flags given as `overrides` (None: not given) win."""
        values: dict[str, object] = {
            name: os.environ[var] for name, var in ENV.items() if os.environ.get(var)
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as e:
            first = e.errors()[0]
            name = str(first["loc"][0]) if first["loc"] else "?"
            raise ConfigError(
                f"{ENV.get(name, name)}={values.get(name)!s:.60}: {first['msg']}"
            ) from None

    @property
    def wildcard_bind(self) -> bool:
        return self.host in ("0.0.0.0", "::", "")  # noqa: S104 - naming the wildcard, not binding
