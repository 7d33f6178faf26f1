"""HTTP routes of the wire contract. Every error is `{"error": {"code", "reason", "message",
"params"}}` with the status of the code table (`app.errors`)."""

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response

from app import gcpause
from app.results import Created as NewSession
from app.service import AppError, Failure, Role, Service, Settings
from app.wire.hosts import Hosts
from app.wire.pages import qr_svg
from app.wire.protocol import (
    Admission,
    ClaimRequest,
    CollectorHealth,
    ErrorBody,
    ErrorResponse,
    FacilitatorLink,
    FacilitatorRequest,
    Health,
    JoinRequest,
    JoinResponse,
    Links,
    SeatLink,
    TableAnswer,
    TableRef,
    TablesCommand,
    TablesCommandResponse,
    TablesFormedResponse,
)
from app.wire.protocol import SessionCreatedResponse as Created
from cards import available_decks, load_decks

ERRORS: dict[int | str, dict[str, object]] = {
    s: {"model": ErrorResponse} for s in (400, 403, 404, 409, 413, 429)
}


def bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _links(
    base: str, sid: str, code: str, tokens: Mapping[Role, str], workshop: bool = False
) -> Links:
    """Tokens ride in the fragment: browsers never send it, so it is in no server log. A
    workshop's facilitator gets the console of all tables, its screen the plenary screen."""

    def link(page: str, role: Role) -> str | None:
        return f"{base}/{page}/{sid}#{tokens[role]}" if role in tokens else None

    return Links(
        join=f"{base}/j/{code}",
        facilitator=f"{base}/{'w' if workshop else 'f'}/{sid}#{tokens['facilitator']}",
        screen=link("v" if workshop else "s", "screen"),
        replay=link("r", "trainer"),
    )


def created_response(base: str, created: NewSession) -> Created:
    """A new session's ids, tokens and links, as the wire gives them."""
    tokens = created.tokens
    return Created(
        session_id=created.session_id,
        join_code=created.join_code,
        facilitator_token=tokens["facilitator"],
        screen_token=tokens["screen"],
        trainer_token=tokens["trainer"],
        links=_links(base, created.session_id, created.join_code, tokens, created.workshop),
    )


def _error(e: Failure) -> ErrorBody:
    return ErrorBody(code=e.code, reason=e.reason, message=e.message, params=e.params)


def build_router(service: Service, hosts: Hosts) -> APIRouter:
    router = APIRouter()

    @router.get(
        "/healthz",
        response_model=Health,
        responses={503: {"description": "Draining (the body says so), or the store is away"}},
        tags=["service"],
    )
    async def healthz(response: Response) -> Health:
        if service.tables.draining:
            response.status_code = 503
        return Health(
            status="draining" if service.tables.draining else "ok",
            sessions=await service.health(),
            events_read=service.store.events_read,
            collector=CollectorHealth.model_validate(gcpause.STATS.health()),
        )

    @router.post(
        "/api/sessions",
        status_code=201,
        response_model=Created,
        responses=ERRORS,
        tags=["sessions"],
    )
    async def create_session(request: Request, settings: Settings | None = None) -> Created:
        """Open a table. Keep the tokens: the facilitator's steers the game, the trainer's reads
        the log, the screen's shows the public view."""
        created = await service.create(settings or Settings(), client_address(request))
        return created_response(hosts.base_url(request), created)

    @router.get(
        "/api/sessions/{session_id}/links", response_model=Links, responses=ERRORS,
        tags=["sessions"],
    )  # fmt: skip
    async def links(
        request: Request, session_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> Links:
        """Every link of the session again (facilitator only): to open the screen or hand the
        replay to a trainer from another device."""
        tokens = await service.tokens(session_id, bearer_token(authorization))
        table = await service.get(session_id)
        code = table.state.join_code if table else ""
        workshop = bool(table and table.state.is_workshop)
        return _links(hosts.base_url(request), session_id, code, tokens, workshop)

    @router.get("/api/decks/{deck}", responses=ERRORS, tags=["sessions"])
    async def deck(
        deck: str, language: Annotated[str, Query(pattern="^(nl|en)$")] = "nl"
    ) -> dict[str, object]:
        """A deck's cards and questions, to print the game on paper (nothing here is secret)."""
        if deck not in available_decks():
            raise AppError("not_found", f"There is no deck {deck[:40]!r}.", "no_such_deck")
        decks = load_decks(deck)  # a deck without this language: its first
        return decks.get(language, next(iter(decks.values()))).model_dump(mode="json")

    @router.post(
        "/api/join", status_code=201, response_model=JoinResponse, responses=ERRORS,
        tags=["sessions"],
    )  # fmt: skip
    async def join(request: Request, response: Response, body: JoinRequest) -> JoinResponse:
        """Take a seat by join code. Keep `player_token`: it brings you back to your seat. At a
        locked table (or under a removed player's name) the answer is 202 with `waiting`: the
        facilitator lets you in or not (`GET /api/sessions/{id}/admission`)."""
        code = "".join(ch for ch in body.join_code.upper() if ch.isalnum())
        joined = await service.join(
            code, body.name, body.organisation or "", client_address(request)
        )
        if joined.player_id is None:
            response.status_code = 202
        return JoinResponse(
            session_id=joined.session_id,
            player_id=joined.player_id,
            player_token=joined.player_token,
            waiting=joined.player_id is None,
        )

    @router.get(
        "/api/sessions/{session_id}/admission", response_model=Admission, responses=ERRORS,
        tags=["sessions"],
    )  # fmt: skip
    async def admission(
        session_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> Admission:
        """A newcomer waiting at a locked table (bearer: the `player_token` of the join) asks
        whether the facilitator let them in; `refused` once turned away."""
        status, player_id = await service.admission(session_id, bearer_token(authorization))
        return Admission(status=status, player_id=player_id)

    @router.post(
        "/api/sessions/{session_id}/players/{player_id}/seat", status_code=201,
        response_model=SeatLink, responses=ERRORS, tags=["sessions"],
    )  # fmt: skip
    async def reissue_seat(
        request: Request,
        session_id: str,
        player_id: Annotated[str, Path(max_length=40)],
        authorization: Annotated[str | None, Header()] = None,
    ) -> SeatLink:
        """A player's phone died (facilitator): a one-time link for their seat on another
        device. The old device's token stops working at once (its socket closes with 4411)."""
        moved = await service.reissue_seat(session_id, bearer_token(authorization), player_id)
        link = f"{hosts.base_url(request)}/c/{session_id}#{moved.claim}"
        return SeatLink(player_id=moved.player_id, link=link, qr_svg=qr_svg(link, "New phone"))

    @router.post(
        "/api/sessions/{session_id}/claim", status_code=201, response_model=JoinResponse,
        responses=ERRORS, tags=["sessions"],
    )  # fmt: skip
    async def claim_seat(request: Request, session_id: str, body: ClaimRequest) -> JoinResponse:
        """The new device takes the seat (once): the same player, unit and card, a new token."""
        joined = await service.claim_seat(session_id, body.claim, client_address(request))
        return JoinResponse(
            session_id=joined.session_id,
            player_id=joined.player_id,
            player_token=joined.player_token,
        )

    @router.post(
        "/api/sessions/{session_id}/facilitators", status_code=201,
        response_model=FacilitatorLink, responses=ERRORS, tags=["sessions"],
    )  # fmt: skip
    async def add_facilitator(
        request: Request,
        session_id: str,
        body: FacilitatorRequest,
        authorization: Annotated[str | None, Header()] = None,
    ) -> FacilitatorLink:
        """A co-facilitator link with the same console (the first facilitator only). Each
        facilitator's actions are marked with their id in the log."""
        added = await service.add_facilitator(session_id, bearer_token(authorization), body.label)
        page = "w" if added.workshop else "f"
        link = f"{hosts.base_url(request)}/{page}/{session_id}#{added.token}"
        return FacilitatorLink(
            facilitator_id=added.facilitator_id, label=added.label, token=added.token, link=link
        )

    @router.delete(
        "/api/sessions/{session_id}/facilitators/{facilitator_id}", status_code=204,
        responses=ERRORS, tags=["sessions"],
    )  # fmt: skip
    async def revoke_facilitator(
        session_id: str,
        facilitator_id: Annotated[str, Path(max_length=40)],
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        """Revoke a co-facilitator link (the first facilitator only): its sockets close (4412)."""
        await service.revoke_facilitator(session_id, bearer_token(authorization), facilitator_id)
        return Response(status_code=204)

    @router.post(
        "/api/sessions/{session_id}/tables", status_code=201,
        response_model=TablesFormedResponse, responses=ERRORS, tags=["workshops"],
    )  # fmt: skip
    async def form_tables(
        session_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> TablesFormedResponse:
        """A workshop's facilitator confirms the proposal: each table becomes a session with
        its own deal and log; the players' phones move to their table by themselves."""
        ids = await service.workshops.form_tables(session_id, bearer_token(authorization))
        return TablesFormedResponse(
            tables=[TableRef(number=i, session_id=sid) for i, sid in enumerate(ids, 1)]
        )

    @router.post(
        "/api/sessions/{session_id}/tables/command", response_model=TablesCommandResponse,
        responses=ERRORS, tags=["workshops"],
    )  # fmt: skip
    async def command_tables(
        session_id: str,
        body: TablesCommand,
        authorization: Annotated[str | None, Header()] = None,
    ) -> TablesCommandResponse:
        """One facilitator command at every table at once (e.g. `start_timer`, `next_round`,
        `send_message`). Each table answers for itself: a table that is behind says why."""
        results = await service.workshops.command_tables(
            session_id, bearer_token(authorization), body.name, body.args
        )
        return TablesCommandResponse(
            results=[
                TableAnswer(
                    table=r.table,
                    session_id=r.session_id,
                    version=r.version,
                    error=_error(r.error) if r.error else None,
                )
                for r in results
            ]
        )

    @router.get("/api/sessions/{session_id}/events", responses=ERRORS, tags=["trainers"])
    async def events(
        session_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> list[dict[str, object]]:
        """The session's event log, oldest first (credentials and anonymous marks left out)."""
        return await service.logs.events(session_id, bearer_token(authorization))

    @router.get("/api/sessions/{session_id}/export", responses=ERRORS, tags=["trainers"])
    async def download(
        session_id: str,
        format: Annotated[str, Query(pattern="^(json|csv|md)$")] = "md",
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        """A debrief download: per round the assignment, who held which strategy, timings,
        decision, support and reflections."""
        report = await service.logs.export(session_id, bearer_token(authorization), format)
        return Response(
            report.body,
            media_type=report.media_type,
            headers={"Content-Disposition": f'attachment; filename="{report.filename}"'},
        )

    @router.get("/api/sessions/{session_id}/replay", responses=ERRORS, tags=["trainers"])
    async def replay(
        session_id: str,
        version: Annotated[int, Query(ge=1)],
        viewer: Annotated[str, Query(max_length=20)] = "trainer",
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, object]:
        """The session as `viewer` (trainer, facilitator, screen or a player id) saw it right after
        event `version`. A player's anonymous answers are not marked as theirs here: only their
        own phone can tell."""
        return await service.logs.replay(session_id, bearer_token(authorization), version, viewer)

    @router.delete(
        "/api/sessions/{session_id}", status_code=204, responses=ERRORS, tags=["sessions"]
    )
    async def delete(
        session_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        """Delete the session and its whole log (facilitator only). Connected clients are closed."""
        await service.delete(session_id, bearer_token(authorization))
        return Response(status_code=204)

    return router
