"""Which Host and Origin this server answers to, so a link, a QR code or a socket can never be
steered to another site: links come from the configured public URL when there is one, else from
a Host that is this server's (localhost, the configured names, and its addresses when it listens
on every interface)."""

import ipaddress
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Config
from app.errors import close_code

LOCAL = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_HOST = 255


def _split(host: str) -> tuple[str, str]:
    """`name:port` / `[v6]:port` -> (name, port) in lower case; ("", "") if malformed."""
    host = host.strip().lower()
    if len(host) > MAX_HOST or not host or any(c in host for c in "/\\@ \t#?"):
        return "", ""
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        name, _, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    if port and not port.isdigit():
        return "", ""
    return name, port


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class Hosts:
    def __init__(self, config: Config) -> None:
        self.config = config
        names = set(LOCAL) | {h.lower() for h in config.allowed_hosts}
        if config.public_url:
            names.add((urlsplit(config.public_url).hostname or "").lower())
        self.names = names
        self.any = "*" in config.allowed_hosts

    def allowed(self, host: str | None) -> bool:
        if host is None:  # HTTP/1.0 without a Host: links fall back to this server's address
            return True
        name, _ = _split(host)
        if not name:
            return False
        return self.any or name in self.names or (self.config.wildcard_bind and _is_ip(name))

    def base_url(self, conn: HTTPConnection) -> str:
        """Where links point: the public URL, or this request's own (already allowed) host."""
        if self.config.public_url:
            return self.config.public_url
        return f"{conn.url.scheme}://{conn.url.netloc}"

    def origin_allowed(self, origin: str | None, host: str) -> bool:
        """A browser page may open a socket only from this server's own pages (or a listed
        origin); clients that are not browsers send no Origin."""
        if origin is None:
            return True
        if origin in self.config.allowed_origins:
            return True
        if self.config.public_url and origin == self.config.public_url:
            return True
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc.lower() == host.strip().lower()


class AllowedHosts:
    """Refuse requests and sockets addressed to a host that is not this server (400 bad_host)."""

    def __init__(self, app: ASGIApp, hosts: Hosts) -> None:
        self.app, self.hosts = app, hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind in ("http", "websocket") and not self.hosts.allowed(
            HTTPConnection(scope).headers.get("host")
        ):
            if kind == "websocket":
                await send({"type": "websocket.close", "code": close_code("bad_host")})
                return
            body = {
                "error": {
                    "code": "bad_host",
                    "reason": "bad_host",
                    "message": "This server does not answer to that host name.",
                    "params": {},
                }
            }
            await JSONResponse(body, status_code=400)(scope, receive, send)
            return
        await self.app(scope, receive, send)
