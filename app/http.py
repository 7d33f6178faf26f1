"""HTTP routes of the wire contract. Every error is `{"error": {"code", "message"}}`."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from app import export
from app.protocol import (
    ErrorResponse,
    Health,
    JoinRequest,
    JoinResponse,
    Links,
    SessionCreatedResponse,
)
from app.ratelimit import Limit, RedisWindow, Window
from app.sessions import Sessions, require_role
from app.table import Table
from app.tokens import normalise_join_code
from cards import DeckError
from game import Actor, GameError, Role, Settings, State, fold, public_dict, view

STATUS = {
    "forbidden": 403,
    "unknown_code": 404,
    "not_found": 404,
    "table_full": 409,
    "name_taken": 409,
    "game_started": 409,
    "rate_limited": 429,
}


class ApiError(Exception):
    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        self.code, self.message = code, message
        self.status = status or STATUS.get(code, 400)


def error_response(code: str, message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


ERRORS: dict[int | str, dict[str, object]] = {
    s: {"model": ErrorResponse} for s in (400, 403, 404, 409, 422, 429)
}


def _viewer(state: State, viewer: str) -> Actor:
    roles: tuple[Role, ...] = ("trainer", "facilitator", "screen")
    for role in roles:
        if viewer == role:
            return Actor(role)
    if viewer in state.players:
        return Actor("player", viewer)
    raise ApiError("invalid_args", f"No viewer {viewer[:20]!r} in this session at that step.")


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def build_router(sessions: Sessions) -> APIRouter:
    router = APIRouter()
    config = sessions.config

    def window(name: str, limit: int) -> Limit:
        if sessions.fanout is None:
            return Window(limit)
        return RedisWindow(sessions.fanout.redis, name, limit)

    joins = window("joins", config.joins_per_minute)
    failed_joins = window("failed_joins", config.failed_joins_per_minute)
    creations = window("sessions", config.sessions_per_minute)

    def client(request: Request) -> str:
        return request.client.host if request.client else "?"

    async def table_or_404(session_id: str) -> Table:
        table = await sessions.get(session_id) if len(session_id) <= 64 else None
        if table is None:
            raise ApiError(
                "not_found", "There is no session with this id (it may have been deleted)."
            )
        return table

    @router.get("/healthz", response_model=Health, tags=["service"])
    async def healthz() -> Health:
        await sessions.store.find_code("-")  # the store answers
        return Health(status="ok", sessions=len(sessions.tables))

    @router.post(
        "/api/sessions",
        status_code=201,
        response_model=SessionCreatedResponse,
        responses=ERRORS,
        tags=["sessions"],
    )
    async def create_session(
        request: Request, settings: Settings | None = None
    ) -> SessionCreatedResponse:
        """Open a table. Keep the tokens: the facilitator's steers the game, the trainer's reads
        the log, the screen's shows the public view."""
        ip = client(request)
        if await creations.full(ip):
            raise ApiError("rate_limited", "Too many sessions created from here; wait a minute.")
        await creations.hit(ip)
        try:
            table, tokens = await sessions.create(settings or Settings())
        except DeckError as e:
            raise ApiError("invalid_args", f"Unknown or broken deck: {e}") from None
        sid = table.session_id
        base = str(request.base_url).rstrip("/")
        return SessionCreatedResponse(
            session_id=sid,
            join_code=table.state.join_code,
            facilitator_token=tokens["facilitator"],
            screen_token=tokens["screen"],
            trainer_token=tokens["trainer"],
            # tokens ride in the fragment: browsers never send it, so it is in no server log
            links=Links(
                join=f"{base}/j/{table.state.join_code}",
                facilitator=f"{base}/f/{sid}#{tokens['facilitator']}",
                screen=f"{base}/s/{sid}#{tokens['screen']}",
                replay=f"{base}/r/{sid}#{tokens['trainer']}",
            ),
        )

    @router.post(
        "/api/join",
        status_code=201,
        response_model=JoinResponse,
        responses=ERRORS,
        tags=["sessions"],
    )
    async def join(request: Request, body: JoinRequest) -> JoinResponse:
        """Take a seat by join code. Keep `player_token`: it brings you back to your seat."""
        ip = client(request)
        if await joins.full(ip) or await failed_joins.full(ip):
            raise ApiError("rate_limited", "Too many tries from here; wait a minute and try again.")
        await joins.hit(ip)
        code = normalise_join_code(body.join_code)
        try:
            table, player_id, token = await sessions.join(code, body.name, body.organisation or "")
        except LookupError:
            await failed_joins.hit(ip)
            raise ApiError(
                "unknown_code",
                f"No session has the code {code[:8]!r}; check it with your facilitator.",
            ) from None
        except GameError as e:
            raise ApiError(e.code, e.message) from None
        return JoinResponse(session_id=table.session_id, player_id=player_id, player_token=token)

    @router.get("/api/sessions/{session_id}/events", responses=ERRORS, tags=["trainers"])
    async def events(
        session_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> list[dict[str, object]]:
        """The session's event log, oldest first (credentials left out, anonymous answers unsigned)."""
        table = await table_or_404(session_id)
        _guard(table, authorization)
        return [public_dict(e) for e in await sessions.store.load(session_id)]

    @router.get("/api/sessions/{session_id}/export", responses=ERRORS, tags=["trainers"])
    async def download(
        session_id: str,
        format: Annotated[str, Query(pattern="^(json|csv|md)$")] = "md",
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        """A debrief download: per round the assignment, who held which strategy, timings,
        decision, support and reflections."""
        table = await table_or_404(session_id)
        _guard(table, authorization)
        media, render = export.FORMATS[format]
        body = render(table.state, await sessions.store.load(session_id))
        name = f"theater-{session_id}.{format}"
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.get("/api/sessions/{session_id}/replay", responses=ERRORS, tags=["trainers"])
    async def replay(
        session_id: str,
        version: Annotated[int, Query(ge=1)],
        viewer: Annotated[str, Query(max_length=20)] = "trainer",
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, object]:
        """The session as `viewer` (trainer, facilitator, screen or a player id) saw it right after
        event `version`: the same fold the live table uses, stopped early."""
        table = await table_or_404(session_id)
        _guard(table, authorization)
        events = await sessions.store.load(session_id)
        prefix = events[: min(version, len(events))]
        state = fold(prefix)
        actor = _viewer(state, viewer)
        return {
            "version": len(prefix),
            "versions": len(events),
            "event": public_dict(prefix[-1]),
            "view": view(state, actor, prefix[-1].at),
        }

    @router.delete(
        "/api/sessions/{session_id}", status_code=204, responses=ERRORS, tags=["sessions"]
    )
    async def delete(
        session_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        """Delete the session and its whole log (facilitator only). Connected clients are closed."""
        table = await table_or_404(session_id)
        _guard(table, authorization, "facilitator")
        await sessions.delete(session_id)
        return Response(status_code=204)

    def _guard(table: Table, authorization: str | None, *roles: Role) -> None:
        try:
            require_role(
                table, sessions, _bearer(authorization), *(roles or ("facilitator", "trainer"))
            )
        except GameError as e:
            raise ApiError("forbidden", e.message) from None

    return router
