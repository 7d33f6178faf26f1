"""Running the product: the Dockerfile's own command, `theater replay`, deletion and retention."""

import asyncio
import csv as csvlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.app.server import FAST, Client, Server, free_port, new_session
from tests.app.wire import names, play_game, seat
from tests.conftest import GENEROUS

ROOT = Path(__file__).resolve().parents[2]


def _docker_json(keyword: str) -> list[str]:
    """The exec-form arguments of a Dockerfile instruction (joined over line continuations)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    line = next(ln for ln in text.splitlines() if ln.startswith(keyword))
    return list(
        json.loads(
            line[line.index("CMD [") + 4 :] if keyword == "HEALTHCHECK" else line[len(keyword) :]
        )
    )


def test_the_dockerfile_command_serves_and_its_health_check_passes(tmp_path: Path) -> None:
    cmd = _docker_json("CMD")
    assert cmd == ["theater", "serve"]
    port = free_port()
    env = {
        **os.environ,
        "THEATER_HOST": "127.0.0.1",
        "THEATER_PORT": str(port),
        "THEATER_DB": f"sqlite:///{tmp_path}/data/theater.db",
    }
    exe = Path(sys.executable).parent / cmd[0]
    proc = subprocess.Popen(
        [str(exe), *cmd[1:]], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        first = proc.stdout.readline() if proc.stdout else ""
        assert f"http://127.0.0.1:{port}/" in first  # it prints the URL to open
        check = _docker_json("HEALTHCHECK")
        for _ in range(100):
            done = subprocess.run([sys.executable, *check[1:]], env=env, capture_output=True)
            if done.returncode == 0:
                break
            time.sleep(0.1)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "data" / "theater.db").exists()
    finally:
        proc.terminate()
        proc.wait(10)
    text = (ROOT / "Dockerfile").read_text()
    assert "USER theater" in text and 'VOLUME ["/data"]' in text and "python:3.11-slim" in text


async def test_replay_on_the_command_line_gives_the_debrief(
    server: Server, http: httpx.AsyncClient
) -> None:
    g = await seat(server, http, names(3), rounds=1, round_seconds=60)
    await play_game(g)
    await g.close()
    db = f"sqlite:///{server.db}"

    def replay(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", "replay", *args, "--db", db],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )

    md = replay(g.session.id)
    assert md.returncode == 0 and "# Theater van Besluit — verslag" in md.stdout
    assert "Hoe was het om je vanuit een opgelegde strategie te moeten gedragen?" in md.stdout
    csv = replay(g.session.id, "--format", "csv")
    rows = list(csvlib.reader(csv.stdout.lstrip("\ufeff").splitlines(), delimiter=";"))
    assert csv.stdout.startswith("\ufeffsoort;ronde;opdracht;")  # Excel in a Dutch locale
    seats = [r for r in rows if r[0] == "kaart"]
    assert len(seats) == 3 and {r[9] for r in seats} == {"deels"}  # words, not ids
    answers = [r for r in rows if r[0] == "antwoord"]
    assert answers and all(r[11].endswith("?") for r in answers)  # the question, in words
    assert (
        json.loads(replay(g.session.id, "--format", "json").stdout)["rounds"][0]["decision"][
            "reached"
        ]
        == "partly"
    )
    missing = replay("nope")
    assert missing.returncode == 1 and "No session 'nope'" in missing.stderr


async def test_deleting_a_session_closes_its_sockets(
    server: Server, http: httpx.AsyncClient
) -> None:
    s = await new_session(server, http)
    screen = await s.client("screen").connect()
    r = await http.delete(
        f"/api/sessions/{s.id}", headers={"Authorization": f"Bearer {s.token('facilitator')}"}
    )
    assert r.status_code == 204
    await asyncio.wait_for(screen.reader, 5)  # type: ignore[arg-type]
    assert screen.closed_code == 4410


async def test_an_impossible_setting_stops_the_server_before_it_deletes_anything(
    fresh_db: Path,
) -> None:
    a = Server(fresh_db, env={**FAST, **GENEROUS}).start()
    try:
        async with httpx.AsyncClient(base_url=a.http) as http:
            s = await new_session(a, http)
    finally:
        a.stop()
    env = {**os.environ, "THEATER_RETENTION_DAYS": "0"}
    cmd = [sys.executable, "-m", "app.cli", "serve", "--db", f"sqlite:///{fresh_db}"]
    refused = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert refused.returncode == 2
    assert "THEATER_RETENTION_DAYS=0" in refused.stderr and "Traceback" not in refused.stderr
    b = Server(fresh_db, env={**FAST, **GENEROUS}).start()
    try:
        await Client(b, s.id, s.token("facilitator")).connect()  # still there
    finally:
        b.stop()


async def test_no_token_ever_reaches_the_server_log(
    server: Server, http: httpx.AsyncClient
) -> None:
    g = await seat(server, http, names(3), rounds=1, round_seconds=60)
    await play_game(g)
    await g.close()
    log = server.logs()
    assert f"/ws/{g.session.id}" in log  # the log is real and covers this session
    tokens = [g.session.token(r) for r in ("facilitator", "screen", "trainer")]
    tokens += [p["player_token"] for p in g.session.players.values()]
    assert not [t for t in tokens if t in log]
