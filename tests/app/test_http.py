"""The HTTP half of the contract against a real server: sessions, joins and their errors,
trainer downloads and who may fetch them, deletion."""

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.app.server import Server, new_session


async def test_creating_a_session_returns_code_tokens_and_links(http: httpx.AsyncClient) -> None:
    r = await http.post("/api/sessions", json={"language": "en", "rounds": 2})
    assert r.status_code == 201
    body = r.json()
    assert len(body["join_code"]) == 6 and body["join_code"].isalnum()
    tokens = [body[f"{role}_token"] for role in ("facilitator", "screen", "trainer")]
    assert len(set(tokens)) == 3 and all(len(t) >= 40 for t in tokens)  # 256 bits, url-safe
    assert body["links"]["join"].endswith(f"/j/{body['join_code']}")
    # tokens ride only in the fragment, which browsers never send to a server
    assert body["links"]["facilitator"].split("#")[1] == body["facilitator_token"]
    assert body["facilitator_token"] not in body["links"]["facilitator"].split("#")[0]


async def test_a_session_without_a_body_takes_the_defaults(http: httpx.AsyncClient) -> None:
    assert (await http.post("/api/sessions")).status_code == 201


@pytest.mark.parametrize(
    ("body", "code", "needle"),
    [
        ({"rounds": 9}, "invalid_args", "rounds"),
        ({"language": "fr"}, "invalid_args", "language"),
        ({"deck": "kerst"}, "invalid_args", "kerst"),
        ({"rounds": 3, "no_consensus_round": 4}, "invalid_args", "consensus"),
        ({"colour": "red"}, "invalid_args", "colour"),
        ({"custom_opdrachten": [{"text": ""}]}, "invalid_args", "custom_opdrachten"),
    ],
)
async def test_bad_settings_are_refused_with_a_named_problem(
    http: httpx.AsyncClient, body: dict, code: str, needle: str
) -> None:
    r = await http.post("/api/sessions", json=body)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == code and needle in r.json()["error"]["message"]


async def test_malformed_json_is_a_bad_message(http: httpx.AsyncClient) -> None:
    r = await http.post("/api/join", content=b"{nope", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_message"


async def test_join_errors_name_the_problem(server: Server, http: httpx.AsyncClient) -> None:
    s = await new_session(server, http)
    code = s.created["join_code"]
    r = await http.post("/api/join", json={"join_code": "ZZZZZZ", "name": "Ann"})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_code")
    first = await http.post(
        "/api/join", json={"join_code": code.lower()[:3] + "-" + code.lower()[3:], "name": "Ann"}
    )
    assert first.status_code == 201 and first.json()["player_id"] == "p1"
    r = await http.post("/api/join", json={"join_code": code, "name": "ann "})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "name_taken")
    for i in range(11):
        assert (
            await http.post("/api/join", json={"join_code": code, "name": f"P{i}"})
        ).status_code == 201
    r = await http.post("/api/join", json={"join_code": code, "name": "Thirteen"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "table_full")
    r = await http.post("/api/join", json={"join_code": code, "name": ""})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_args")


async def test_wrong_codes_are_slowed_down_but_a_right_code_always_gets_in(fresh_db: Path) -> None:
    """One guesser behind a venue's NAT must not lock the room out: after too many wrong codes
    from an address, its codes are checked one at a time, slowly; the right one still joins."""
    env = {"THEATER_FAILED_JOINS_PER_MINUTE": "5", "THEATER_GUESS_SPACING": "0.3"}
    server = Server(fresh_db, env=env).start()
    try:
        async with httpx.AsyncClient(base_url=server.http) as http:
            s = await new_session(server, http)

            async def guess(i: int) -> int:
                r = await http.post("/api/join", json={"join_code": f"AAAA{i:02d}", "name": "x"})
                return r.status_code

            assert [await guess(i) for i in range(5)] == [404] * 5
            started = time.monotonic()
            assert await asyncio.gather(*(guess(i) for i in range(5, 11))) == [404] * 6
            assert time.monotonic() - started >= 5 * 0.3  # one check per 0.3 s, not six at once
            r = await http.post(
                "/api/join", json={"join_code": s.created["join_code"], "name": "Real"}
            )
            assert r.status_code == 201, r.text
    finally:
        server.stop()


async def test_downloads_need_the_facilitator_or_trainer_token(
    server: Server, http: httpx.AsyncClient
) -> None:
    s = await new_session(server, http)
    player = await s.join(http, "Ann")
    base = f"/api/sessions/{s.id}"
    allowed = {"facilitator": s.token("facilitator"), "trainer": s.token("trainer")}
    refused = {"screen": s.token("screen"), "player": player["player_token"], "nonsense": "x" * 43}
    for path in ("/events", "/export?format=json", "/export?format=csv", "/export?format=md"):
        for token in allowed.values():
            r = await http.get(base + path, headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200, (path, r.text)
        for token in refused.values():
            r = await http.get(base + path, headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
        assert (await http.get(base + path)).status_code == 403
    events = (
        await http.get(base + "/events", headers={"Authorization": f"Bearer {s.token('trainer')}"})
    ).json()
    assert [e["type"] for e in events] == ["session_created", "player_joined"]
    assert "token_hashes" not in events[0] and "token_hash" not in events[1]
    r = await http.get(
        "/api/sessions/nope/events", headers={"Authorization": f"Bearer {s.token('trainer')}"}
    )
    assert r.status_code == 404


async def test_only_the_facilitator_deletes_a_session_and_then_it_is_gone(
    server: Server, http: httpx.AsyncClient
) -> None:
    s = await new_session(server, http)
    await s.join(http, "Ann")
    url = f"/api/sessions/{s.id}"
    assert (
        await http.delete(url, headers={"Authorization": f"Bearer {s.token('trainer')}"})
    ).status_code == 403
    assert (
        await http.delete(url, headers={"Authorization": f"Bearer {s.token('facilitator')}"})
    ).status_code == 204
    r = await http.get(
        url + "/events", headers={"Authorization": f"Bearer {s.token('facilitator')}"}
    )
    assert r.status_code == 404
    r = await http.post("/api/join", json={"join_code": s.created["join_code"], "name": "Bob"})
    assert r.json()["error"]["code"] == "unknown_code"


async def test_health_and_api_docs_are_served(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json()["status"] == "ok"
    schema = (await http.get("/openapi.json")).json()
    assert {"/api/sessions", "/api/join", "/api/sessions/{session_id}/export"} <= set(
        schema["paths"]
    )
    assert (await http.get("/docs")).status_code == 200


async def test_the_facilitator_gets_every_link_again_on_another_device(
    http: httpx.AsyncClient,
) -> None:
    created = (await http.post("/api/sessions", json={})).json()
    sid, fac = created["session_id"], created["facilitator_token"]
    r = await http.get(f"/api/sessions/{sid}/links", headers={"Authorization": f"Bearer {fac}"})
    assert r.status_code == 200 and r.json() == created["links"]
    for other in (created["screen_token"], created["trainer_token"], "x" * 43):
        r = await http.get(
            f"/api/sessions/{sid}/links", headers={"Authorization": f"Bearer {other}"}
        )
        assert r.status_code == 403
