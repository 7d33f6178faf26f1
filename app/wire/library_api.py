"""HTTP routes of trainers' libraries and insights. The library's key goes in the Authorization
header (`Bearer <key>`), as every other token; the page link carries it in the fragment."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from app.errors import AppError
from app.reading.charts import stylesheet
from app.reading.decks import DeckVersion
from app.reading.insights import to_csv
from app.reading.library import Chart, NewKey
from app.service import Service
from app.wire.api import ERRORS, bearer_token, client_address, created_response
from app.wire.hosts import Hosts
from app.wire.protocol import (
    DeckRequest,
    DeckSave,
    DeckSummary,
    DeckVersionOut,
    DeckVersionUse,
    FigureRow,
    FileRequest,
    InsightChart,
    Insights,
    Language,
    LibraryKey,
    LibraryListing,
    LibraryRequest,
    LibrarySessionRequest,
)
from app.wire.protocol import SessionCreatedResponse as Created
from cards.document import write_document

Auth = Annotated[str | None, Header()]
Lang = Annotated[Language, Query()]
Day = Annotated[str | None, Query(max_length=10, pattern=r"^\d{4}-\d{2}-\d{2}$")]
Version = Annotated[int | None, Query(ge=1)]
DECK_BYTES = 256 * 1024


def _insights(count: int, charts: list[Chart]) -> Insights:
    return Insights(
        sessions=count,
        charts=[
            InsightChart(
                id=c.figure.id,
                title=c.figure.title,
                columns=list(c.figure.columns),
                rows=[FigureRow(label=label, values=list(v)) for label, v in c.figure.rows],
                summary=c.summary,
                svg=c.svg,
            )
            for c in charts
        ],
    )


def _csv(charts: list[Chart], language: Language, name: str) -> Response:
    return Response(
        to_csv([c.figure for c in charts], language),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def build_library_router(service: Service, hosts: Hosts) -> APIRouter:
    router = APIRouter(tags=["trainers"])
    libraries = service.libraries

    def key_of(request: Request, new: NewKey) -> LibraryKey:
        link = f"{hosts.base_url(request)}/l/{new.library_id}#{new.key}"
        return LibraryKey(library_id=new.library_id, label=new.label, key=new.key, link=link)

    @router.post("/api/libraries", status_code=201, response_model=LibraryKey, responses=ERRORS)
    async def create_library(request: Request, body: LibraryRequest) -> LibraryKey:
        """A trainer's library: keep the key link; it is the only way in (no password)."""
        return key_of(request, await libraries.create(body.label, client_address(request)))

    @router.get("/api/libraries/{library_id}", response_model=LibraryListing, responses=ERRORS)
    async def listing(library_id: str, authorization: Auth = None) -> LibraryListing:
        """The library's sessions, newest first: date, label, tables, players, status and the
        date the retention sweep deletes each."""
        row, entries = await libraries.listing(library_id, bearer_token(authorization))
        return LibraryListing(
            library_id=row.library_id,
            label=row.label,
            created_at=row.created_at,
            retention_days=service.config.retention_days,
            sessions=entries,
        )

    @router.post(
        "/api/libraries/{library_id}/key", status_code=201, response_model=LibraryKey,
        responses=ERRORS,
    )  # fmt: skip
    async def rotate(request: Request, library_id: str, authorization: Auth = None) -> LibraryKey:
        """A new key for the library; the old one stops working at once."""
        return key_of(request, await libraries.rotate(library_id, bearer_token(authorization)))

    @router.delete("/api/libraries/{library_id}", status_code=204, responses=ERRORS)
    async def revoke(library_id: str, authorization: Auth = None) -> Response:
        """Revoke the key: the library is gone; its sessions stay (with their own links)."""
        await libraries.revoke(library_id, bearer_token(authorization))
        return Response(status_code=204)

    @router.post(
        "/api/libraries/{library_id}/sessions", status_code=201, response_model=Created,
        responses=ERRORS,
    )  # fmt: skip
    async def create_session(
        request: Request, library_id: str, body: LibrarySessionRequest, authorization: Auth = None
    ) -> Created:
        """Open a table (or workshop) filed in this library, with its label."""
        created = await libraries.create_session(
            library_id,
            bearer_token(authorization),
            body.settings,
            body.label,
            client_address(request),
        )
        return created_response(hosts.base_url(request), created)

    @router.post("/api/libraries/{library_id}/filed", status_code=204, responses=ERRORS)
    async def file_session(
        library_id: str, body: FileRequest, authorization: Auth = None
    ) -> Response:
        """File an existing session (its trainer or facilitator token proves it is yours)."""
        await libraries.add(
            library_id, bearer_token(authorization), body.session_id, body.token, body.label
        )
        return Response(status_code=204)

    @router.delete(
        "/api/libraries/{library_id}/sessions/{session_id}", status_code=204, responses=ERRORS
    )
    async def delete_session(
        library_id: str, session_id: str, authorization: Auth = None
    ) -> Response:
        """Delete a session the library owns, with its whole log (a workshop with its tables);
        one it only holds just leaves the library."""
        await libraries.remove(library_id, bearer_token(authorization), session_id)
        return Response(status_code=204)

    @router.get("/api/libraries/{library_id}/insights", response_model=Insights, responses=ERRORS)
    async def library_insights(
        library_id: str,
        language: Lang = "nl",
        since: Day = None,
        until: Day = None,
        label: Annotated[str | None, Query(max_length=80)] = None,
        deck: Annotated[str | None, Query(max_length=40)] = None,
        version: Version = None,
        format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
        authorization: Auth = None,
    ) -> Insights | Response:
        """Across the library's sessions (filtered by creation date, UTC, label, and the deck and
        its version played): time to decision, decisions, support per strategy, the round
        without consensus, recognition, per assignment card. `format=csv`: every figure behind
        the charts."""
        count, charts = await libraries.insights(
            library_id, bearer_token(authorization), language, since, until, label, deck, version
        )
        if format == "csv":
            return _csv(charts, language, f"theater-insights-{library_id}")
        return _insights(count, charts)

    @router.get("/api/sessions/{session_id}/insights", response_model=Insights, responses=ERRORS)
    async def session_insights(
        session_id: str,
        language: Lang = "nl",
        format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
        authorization: Auth = None,
    ) -> Insights | Response:
        """The same charts for one session, or a workshop over its tables (the debrief's)."""
        count, charts = await service.logs.charts(session_id, bearer_token(authorization), language)
        if format == "csv":
            return _csv(charts, language, f"theater-insights-{session_id}")
        return _insights(count, charts)

    decks = service.decks

    def version_out(v: DeckVersion) -> DeckVersionOut:
        r = v.row
        return DeckVersionOut(
            deck_id=r.deck_id, version=r.version, name=r.name, saved_at=r.saved_at,
            document=v.document,
        )  # fmt: skip

    async def body_of(request: Request) -> bytes:
        """The request's body, refused past DECK_BYTES (a deck is a few dozen KB)."""
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > DECK_BYTES:
                raise AppError("too_large", f"A deck may be at most {DECK_BYTES} bytes.")
        return body

    @router.get(
        "/api/libraries/{library_id}/decks", response_model=list[DeckSummary], responses=ERRORS
    )
    async def deck_list(library_id: str, authorization: Auth = None) -> list[DeckSummary]:
        """The library's own decks, each with its versions and the sessions played with each."""
        rows = await decks.rows(library_id, bearer_token(authorization))
        used = await libraries.deck_use(library_id)
        out: dict[str, DeckSummary] = {}
        for r in rows:
            entry = out.setdefault(
                r.deck_id, DeckSummary(deck_id=r.deck_id, name=r.name, versions=[])
            )
            entry.name = r.name
            entry.versions.append(DeckVersionUse(
                version=r.version, saved_at=r.saved_at, sessions=used.get((r.deck_id, r.version), []),
            ))  # fmt: skip
        return list(out.values())

    @router.post(
        "/api/libraries/{library_id}/decks", status_code=201, response_model=DeckVersionOut,
        responses=ERRORS,
    )  # fmt: skip
    async def deck_create(
        library_id: str, body: DeckRequest, authorization: Auth = None
    ) -> DeckVersionOut:
        """A new deck in the library: the standard deck's cards and questions under your name,
        version 1, to edit."""
        return version_out(await decks.create(library_id, bearer_token(authorization), body.name))

    @router.post(
        "/api/libraries/{library_id}/decks/file", status_code=201, response_model=DeckVersionOut,
        responses=ERRORS,
        openapi_extra={"requestBody": {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )  # fmt: skip
    async def deck_upload(
        request: Request, library_id: str, authorization: Auth = None
    ) -> DeckVersionOut:
        """Upload a deck file (as downloaded from any library): the next version of the deck
        with its id here, or a new deck."""
        raw = await body_of(request)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise AppError("invalid_args", "A deck file is UTF-8 text.", "not_a_deck") from None
        return version_out(await decks.upload(library_id, bearer_token(authorization), text))

    @router.get(
        "/api/libraries/{library_id}/decks/{deck_id}", response_model=DeckVersionOut,
        responses=ERRORS,
    )  # fmt: skip
    async def deck_get(
        library_id: str, deck_id: str, version: Version = None, authorization: Auth = None
    ) -> DeckVersionOut:
        """One version of a deck (the latest without `version`)."""
        key = bearer_token(authorization)
        return version_out(await decks.version(library_id, key, deck_id, version))

    @router.put(
        "/api/libraries/{library_id}/decks/{deck_id}", status_code=201,
        response_model=DeckVersionOut, responses=ERRORS,
    )  # fmt: skip
    async def deck_save(
        request: Request, library_id: str, deck_id: str, authorization: Auth = None
    ) -> DeckVersionOut:
        """Save an edited deck as its next version (`DeckSave`); nothing is saved when a card
        breaks a rule (`error.reason` `deck_problems`, each in `error.params.problems`)."""
        key = bearer_token(authorization)
        await libraries.open(library_id, key)  # the key before the body: a stranger learns nothing
        try:
            body = DeckSave.model_validate_json(await body_of(request))
        except ValidationError as e:  # said as every other request's bad body
            raise RequestValidationError(e.errors()) from None
        saved = await decks.save(library_id, key, deck_id, body.document, body.base_version)
        return version_out(saved)

    @router.get("/api/libraries/{library_id}/decks/{deck_id}/file", responses=ERRORS)
    async def deck_file(
        library_id: str, deck_id: str, version: Version = None, authorization: Auth = None
    ) -> Response:
        """The deck as one TOML file (every language of each card side by side), to keep, share
        and upload into another library; the repository's loader reads it as `deck.toml`."""
        v = await decks.version(library_id, bearer_token(authorization), deck_id, version)
        return Response(
            write_document(v.document),
            media_type="application/toml; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{v.row.deck_id}-v{v.row.version}.toml"'
            },
        )

    @router.get("/charts.css", include_in_schema=False)
    async def charts_css() -> Response:
        """pygal's chart rules as a file (the pages allow no inline style)."""
        return Response(
            stylesheet(), media_type="text/css", headers={"Cache-Control": "max-age=3600"}
        )

    return router
