"""The pages: plain files from the `web` package, a QR code per session, the API docs served from
this server, and a strict Content-Security-Policy on all of it.

Page URLs carry no secret: tokens travel in the fragment (`#…`) or in the phone's storage.
"""

import io
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.wire.hosts import Hosts

WEB = Path(str(files("web")))

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI sets style attributes; its scripts still come from this server only.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace(
    "img-src 'self'", "img-src 'self' data:"
)


class SecurityHeaders:
    """Plain ASGI, not BaseHTTPMiddleware: that one runs every request in a task group of its own,
    which costs a join noticeable time and leaves cyclic garbage behind."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_CSP if scope["path"].startswith("/docs") else CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                metrics.HTTP_RESPONSES.labels(f"{message['status'] // 100}xx").inc()
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = policy
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:  # the 500 is sent further out (Starlette's ServerErrorMiddleware)
            metrics.HTTP_RESPONSES.labels("5xx").inc()
            raise


# page -> (catalog key of its heading, layout class of <main>)
PAGES = {
    "host": ("host.heading", ""),
    "join": ("join.heading", ""),
    "player": ("app.title", ""),
    "facilitator": ("fac.heading", "wide"),
    "screen": ("app.title", "wide screen"),
    "replay": ("replay.heading", "wide"),
    "claim": ("claim.heading", ""),
    "console": ("console.heading", "wide"),
    "plenary": ("app.title", "wide screen"),
    "deal": ("print.dealHeading", "wide"),
    "cards": ("print.cardsHeading", "wide"),
    "library": ("library.heading", "wide"),
    "debrief": ("debrief.heading", "wide"),
    "editor": ("deck.heading", "wide"),
}

PHONE_PAGES = {"join", "player", "claim"}  # within the phone pages' weight budget

ROUTES = {
    "/": "host",
    "/j": "join",
    "/j/{code}": "join",
    "/p/{session_id}": "player",
    "/f/{session_id}": "facilitator",
    "/s/{session_id}": "screen",
    "/r/{session_id}": "replay",
    "/c/{session_id}": "claim",
    "/w/{session_id}": "console",
    "/v/{session_id}": "plenary",
    "/d/{session_id}": "deal",
    "/print/{deck}": "cards",
    "/l/{library_id}": "library",
    "/b/{session_id}": "debrief",
    "/k/{library_id}/{deck_id}": "editor",
}

DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Theater van Besluit — HTTP API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head><body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body></html>
"""


def qr_svg(link: str, title: str | None = None) -> str:
    out = io.BytesIO()
    segno.make(link, error="m").save(
        out, kind="svg", scale=8, border=2, title=title or link, dark="#000", light="#fff"
    )
    return out.getvalue().decode()


def build_pages(hosts: Hosts, api_docs: bool) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    shell = (WEB / "page.html").read_text(encoding="utf-8")

    def serve(name: str) -> Callable[[], Awaitable[HTMLResponse]]:
        heading, layout = PAGES[name]
        sheets = [] if name in PHONE_PAGES else ["staff"]  # a phone loads the least
        sheets += ["screen"] if "screen" in layout.split() else []  # the room's screens
        styles = "".join(f'<link rel="stylesheet" href="/static/{s}.css">\n' for s in sheets)
        html = shell.format(script=name, heading=heading, layout=layout, styles=styles)

        async def endpoint() -> HTMLResponse:
            return HTMLResponse(html, headers={"Cache-Control": "no-cache"})

        return endpoint

    # The path's second part (join code, session id) is read by the page's script.
    for path, name in ROUTES.items():
        router.add_api_route(path, serve(name), methods=["GET"])

    @router.get("/qr/{code}.svg")
    async def qr(request: Request, code: str) -> Response:
        """The join link as a QR code, drawn here so no page needs an outside service."""
        safe = "".join(ch for ch in code[:12] if ch.isalnum())
        link = f"{hosts.base_url(request)}/j/{safe}"
        return Response(qr_svg(link), media_type="image/svg+xml", headers={"Vary": "Host"})

    if api_docs:

        @router.get("/docs")
        async def docs() -> HTMLResponse:
            """Swagger UI from the swagger-ui-bundle package: nothing from another host."""
            return HTMLResponse(DOCS_PAGE)

    return router


def static_files() -> StaticFiles:
    return StaticFiles(directory=WEB / "static")


def docs_assets() -> StaticFiles:
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    return StaticFiles(directory=swagger_ui_path)
