"""The pages: plain files from web/, a QR code per session, and a strict Content-Security-Policy.

Page URLs carry no secret: tokens travel in the fragment (`#…`) or in the phone's storage.
"""

import io
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# web/ sits beside app/ in the repository; an installed copy (the Docker image) names it.
WEB = Path(os.environ.get("THEATER_WEB") or Path(__file__).resolve().parent.parent / "web")

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
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
        # Swagger UI loads from a CDN, so the API docs go without the policy
        strict = not scope["path"].startswith(("/docs", "/redoc"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if strict:
                    headers["Content-Security-Policy"] = CSP
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
            await send(message)

        await self.app(scope, receive, with_headers)


# page -> (catalog key of its heading, layout class of <main>)
PAGES = {
    "host": ("host.heading", ""),
    "join": ("join.heading", ""),
    "player": ("app.title", ""),
    "facilitator": ("fac.heading", "wide"),
    "screen": ("app.title", "wide screen"),
    "replay": ("replay.heading", "wide"),
}


ROUTES = {
    "/": "host",
    "/j": "join",
    "/j/{code}": "join",
    "/p/{session_id}": "player",
    "/f/{session_id}": "facilitator",
    "/s/{session_id}": "screen",
    "/r/{session_id}": "replay",
}


def build_pages() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    shell = (WEB / "page.html").read_text(encoding="utf-8")

    def page(name: str) -> HTMLResponse:
        """One shell for every page: its script, its heading, its width."""
        heading, layout = PAGES[name]
        html = shell.format(script=name, heading=heading, layout=layout)
        return HTMLResponse(html, headers={"Cache-Control": "no-cache"})

    def serve(name: str) -> Callable[[], Awaitable[HTMLResponse]]:
        async def endpoint() -> HTMLResponse:
            return page(name)

        return endpoint

    # The path's second part (join code, session id) is read by the page's script.
    for path, name in ROUTES.items():
        router.add_api_route(path, serve(name), methods=["GET"])

    @router.get("/qr/{code}.svg")
    async def qr(request: Request, code: str) -> Response:
        """The join link as a QR code, drawn here so no page needs an outside service."""
        link = f"{str(request.base_url).rstrip('/')}/j/{code[:12]}"
        out = io.BytesIO()
        segno.make(link, error="m").save(
            out, kind="svg", scale=8, border=2, title=link, dark="#000", light="#fff"
        )
        return Response(
            out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"}
        )

    return router


def static_files() -> StaticFiles:
    return StaticFiles(directory=WEB / "static")
