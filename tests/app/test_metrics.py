"""What an operator sees: Prometheus metrics on their own local port that move with a game, and a
JSON log of one object per line; neither ever holds a name, an answer, a card or a token."""

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from cards import load_deck
from tests.app.server import FAST, Server, free_port
from tests.app.wire import play_game, seat
from tests.conftest import GENEROUS

# names and words nobody else uses, to grep for
NAMES = [("Xenophon Zwaluwstaart", "Qwerty BV"), ("Yolanda Kwikstaart", "Qwerty BV"),
         ("Zeger Vlindervleugel", "Azerty NV")]  # fmt: skip


@pytest.fixture
def observed(tmp_path: Path) -> Iterator[tuple[Server, int]]:
    port = free_port()
    env = {**FAST, **GENEROUS, "THEATER_METRICS_PORT": str(port), "THEATER_LOG_FORMAT": "json"}
    server = Server(tmp_path / "theater.db", env=env).start()
    yield server, port
    server.stop()


def scrape(port: int) -> tuple[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    return text, samples


async def test_metrics_move_with_a_game_and_the_logs_are_json_without_anything_personal(
    observed: tuple[Server, int],
) -> None:
    server, port = observed
    async with httpx.AsyncClient(base_url=server.http) as http:
        assert (await http.get("/metrics")).status_code == 404  # not on the public port
        _, before = scrape(port)
        g = await seat(server, http, NAMES, rounds=1, round_seconds=60)
        refused = await g.fac.command("next_round")  # wrong phase: refused, counted
        assert refused["type"] == "error"
        await play_game(g)
        text, after = scrape(port)
        await g.close()

    def value(name: str, **labels: str) -> float:
        return after.get((name, tuple(sorted(labels.items()))), 0.0)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("theater_commands_total", command="start_game", outcome="ok") == 1
    assert grew("theater_commands_total", command="next_round", outcome=refused["code"]) == 1
    assert grew("theater_refusals_total", code=refused["code"], transport="frames") >= 1
    assert grew("theater_command_seconds_count") >= 10
    assert (
        grew("theater_timer_late_seconds_count") >= 1
    )  # the warning and time-up, if not ended first
    assert grew("theater_store_append_seconds_count") >= 10
    assert (
        grew("theater_frames_sent_total") > 50 and grew("theater_frame_characters_sent_total") > 0
    )
    assert value("theater_seats", role="player") == 3 and value("theater_seats", role="screen") == 1
    assert value("theater_tables_held") >= 1 and value("theater_connections") >= 6
    assert value("theater_event_loop_lag_seconds_count") > 0
    ticks = sum(value("theater_gc_pause_seconds_count", walk=w) for w in ("freeze", "young"))
    assert ticks > 0

    log = server.logs()
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]  # every line JSON
    commands = [line for line in lines if line.get("command")]
    assert {"session", "table", "command", "outcome", "latency_ms"} <= set(commands[0])
    assert any(c["command"] == "start_game" and c["outcome"] == "ok" for c in commands)
    assert all(c["session"] == g.session.id for c in commands)
    assert any(
        line["logger"] == "uvicorn.access" and "/api/join" in line["message"] for line in lines
    )

    secrets = [n for pair in NAMES for n in pair] + [w for pair in NAMES for w in pair[0].split()]
    secrets += ["Antwoord", "Besluit ronde", "<script>"]  # what play_game answers and decides
    secrets += [g.session.token(r) for r in ("facilitator", "screen", "trainer")]
    secrets += [p["player_token"] for p in g.session.players.values()]
    secrets += [s.id for s in load_deck("standaard", "nl").strategies]
    for where, words in (("metrics", text), ("log", log)):
        found = [s for s in secrets if re.search(re.escape(s), words, re.IGNORECASE)]
        assert found == [], f"{where} holds {found}"
    assert g.session.id not in text  # no session in a metric's label either


ROOT = Path(__file__).resolve().parents[2]


def test_the_dashboard_and_alerts_name_only_metrics_the_server_exports(
    observed: tuple[Server, int],
) -> None:
    _, port = observed
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
    exported = {  # declared, whether or not anything was counted yet
        f.name + suffix
        for f in text_string_to_metric_families(text)
        for suffix in suffixes.get(f.type, ("",))
    }
    dashboard = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text())
    assert dashboard["uid"] and dashboard["title"] and isinstance(dashboard["schemaVersion"], int)
    exprs = []
    for panel in dashboard["panels"]:
        assert panel["title"] and panel["type"] == "timeseries"
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"])
        assert panel["targets"] and all(t["refId"] and t["expr"] for t in panel["targets"])
        exprs += [t["expr"] for t in panel["targets"]]
    alerts = yaml.safe_load((ROOT / "deploy" / "alerts.yml").read_text())
    rules = [r for group in alerts["groups"] for r in group["rules"]]
    assert all(r["alert"] and r["expr"] and r["annotations"]["summary"] for r in rules)
    exprs += [str(r["expr"]) for r in rules]
    named = {m for e in exprs for m in re.findall(r"theater_\w+", e)}
    assert named and named <= exported, named - exported
    prometheus = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    assert prometheus["rule_files"] == ["/etc/prometheus/alerts.yml"]


def test_a_taken_metrics_port_costs_the_metrics_only_and_sigterm_still_stops(
    tmp_path: Path,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**FAST, **GENEROUS, "THEATER_METRICS_PORT": str(port)}
        server = Server(tmp_path / "theater.db", env=env).start()
        try:
            assert httpx.post(f"{server.http}/api/sessions", json={}).status_code == 201
        finally:
            server.stop()
    log = server.logs()
    assert f"metrics: cannot listen on 127.0.0.1:{port}" in log
    assert "Application shutdown complete" in log and "Traceback" not in log  # SIGTERM: clean
