"""The load benchmark still plays real games: a few tables for a few seconds, both servers.

Timings are not asserted here (a shared CI machine says nothing about speed); what is asserted
is that the bots' every command was accepted, every phone got every state, and the report's
last line is the JSON the README promises.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL = ("--tables", "4", "--seconds", "3", "--two-server-tables", "2", "--loop-turns")


def test_the_load_benchmark_runs_a_small_load_end_to_end() -> None:
    run = subprocess.run(
        [sys.executable, "bench/load.py", *SMALL],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
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
    two = result["theater"]["two_servers"]  # commands on A, phones on B (PostgreSQL + Redis)
    assert two["frames_lost"] == 0 and two["unreached"] == 0 and two["refused_examples"] == []
    assert two["connections"] == 2 * (12 + 2 + 12)
