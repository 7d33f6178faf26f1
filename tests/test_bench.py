"""The load benchmark still plays real games: a few tables for a few seconds, both servers, two
runs of each in turn.

Timings are not asserted here (a shared CI machine says nothing about speed); what is asserted
is that the bots' every command was accepted, every phone got every state, and the report's
last line is the JSON the README promises.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMALL = (
    "--tables",
    "4",
    "--seconds",
    "3",
    "--two-server-tables",
    "6",
    "--loop-turns",
    "--repeat",
    "2",
)


@pytest.mark.timeout(420)
def test_the_load_benchmark_runs_a_small_load_end_to_end() -> None:
    run = subprocess.run(
        [sys.executable, "bench/load.py", *SMALL],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    assert "p99 cmd -> last phone (ms)" in run.stdout
    result = json.loads(lines[-1])
    for side in ("raw", "theater"):
        assert result[side]["frames_lost"] == 0
        assert result[side]["storm"]["seated"] == 2 * 12
        for window in ("half", "full"):
            figures = result[side][window]
            assert figures["unreached"] == 0
            assert figures["unexpected_closes"] == 0
            assert figures["changes_per_s"] > 0
    assert result["theater"]["full"]["connections"] == 4 * 14
    assert result["theater"]["refused_examples"] == []
    assert result["theater"]["recovery"]["sessions"] == 4
    turns = result["theater"]["loop_turns"]  # the server's loop, timed turn by turn
    assert sum(turns["turns_by_ms"].values()) > 100
    assert turns["slowest_callbacks"] and all(c["what"] for c in turns["slowest_callbacks"])
    assert "server event-loop turns" in run.stdout
    collector = result["theater"]["collector"]  # the server's own pauses, read from /healthz
    assert collector["ticks"] > 0 and 0 <= collector["p99_ms"] <= collector["max_ms"]
    assert "server's garbage collection (whole run)" in run.stdout
    scaled = result["theater"]["two_servers"]  # PostgreSQL + Redis: one server, then two
    for run_ in (scaled["one"], scaled["two"]):
        assert run_["frames_lost"] == 0 and run_["unreached"] == 0
        assert run_["refused_examples"] == []
        assert run_["connections"] == 6 * (12 + 2 + 12)
    a, b = scaled["two"]["cpu_share_each"]  # where the second server's cost is: A's or B's
    assert a > 0 and b > 0 and a + b == pytest.approx(scaled["two"]["cpu_share"], abs=0.02)
    assert "of which A / B" in run.stdout
    assert scaled["three"]["frames_lost"] == 0 and scaled["three"]["refused_examples"] == []
    three = scaled["three"]["servers"]  # tables spread 1:2:3, each table's sockets on its own
    assert [s["tables"] for s in three] == [1, 2, 3]
    assert [s["tables_held"] for s in three] == [1, 2, 3]  # each its own, nobody another's
    targets = result["targets"]  # the targets, judged against the same run's raw figures
    assert {"half_p99_le_2x_raw", "full_cpu_per_frame_le_raw", "collector_p99_le_20ms"} <= set(
        targets
    )
    assert {"storm_ge_0.8x_raw", "two_servers_p99_le_1.5x_one"} <= set(targets)
    assert targets["full_no_frames_lost"] and targets["two_servers_no_frames_lost"]
    assert "targets:" in run.stdout
    ratios = result["ratios"]  # two runs of raw and ours in turn: each ratio's median and range
    for name in ("half_p99_ms", "full_cpu_us_per_frame", "storm_seated_per_s"):
        middle, low, high = ratios[name]
        assert 0 < low <= middle <= high, (name, ratios[name])
    assert "ratios to raw over 2 runs" in run.stdout


@pytest.mark.timeout(300)
def test_the_recovery_benchmark_restarts_a_real_server_on_each_kind_of_snapshot() -> None:
    run = subprocess.run(
        [sys.executable, "bench/recovery.py", "--sessions", "20", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "stored 20 sessions, 3,100 events" in run.stdout  # a third round under way, each
    read = dict(re.findall(r"(\w[\w ]+), run 1: raw read .* s, ([\d,]+) events read", run.stdout))
    assert read == {"no snapshot": "3,100", "after a crash": "100", "after a stop": "0"}, read
