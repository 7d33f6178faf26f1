"""`pip install .` is the contract: the wheel, installed as the Dockerfile installs it (the locked
requirements, hash-checked, then the wheel alone) into a fresh virtualenv and started from an empty
folder with no settings, serves every page, its scripts and the API docs."""

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.app.server import free_port
from tests.test_lock import UV, locked_versions

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel and its locked requirements, made by the script the Dockerfile runs."""
    dist = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "UV": str(UV), "UV_PYTHON_DOWNLOADS": "never"}
    subprocess.run([str(ROOT / "scripts" / "locked-wheel.sh"), str(dist)], check=True, env=env)
    return dist


@pytest.fixture(scope="module")
def venv(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding the wheel, installed with the Dockerfile's two pip commands."""
    where = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    pip = [str(where / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps"]
    [wheel] = built.glob("*.whl")
    subprocess.run([*pip, "--require-hashes", "-r", str(built / "requirements.txt")], check=True)
    subprocess.run([*pip, str(wheel)], check=True)
    return where


@pytest.fixture(scope="module")
def installed(venv: Path) -> Path:
    return venv / "bin" / "theater"


def test_the_wheel_runs_on_exactly_the_locked_versions(venv: Path) -> None:
    listed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    have = {p["name"].lower().replace("_", "-"): p["version"] for p in json.loads(listed)}
    have.pop("pip")  # the virtualenv's own installer, not the product's
    have.pop("setuptools", None)
    want = locked_versions()
    want["theater-van-besluit"] = have["theater-van-besluit"]
    assert have == want
    check = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "check"], capture_output=True
    )
    assert check.returncode == 0, check.stdout


@pytest.fixture(scope="module")
def served(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    empty = tmp_path_factory.mktemp("empty")
    env = {k: v for k, v in os.environ.items() if not k.startswith("THEATER_")}
    port = free_port()
    proc = subprocess.Popen(
        [str(installed), "serve", "--port", str(port)],
        cwd=empty, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "the installed server did not start"
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)
    assert (empty / "theater.db").exists()  # the embedded default, in the working folder


def test_the_installed_wheel_serves_every_page_and_its_files(served: str) -> None:
    with httpx.Client(base_url=served) as http:
        created = http.post("/api/sessions", json={}).json()
        sid, code = created["session_id"], created["join_code"]
        library = http.post("/api/libraries", json={"label": "Ana"}).json()["library_id"]
        pages = ("/", "/j", f"/j/{code}", f"/p/{sid}", f"/f/{sid}", f"/s/{sid}", f"/r/{sid}",
                 f"/l/{library}", f"/b/{sid}", f"/w/{sid}", f"/d/{sid}", "/print/standaard")  # fmt: skip
        for path in pages:
            page = http.get(path)
            assert page.status_code == 200, path
            for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
                assert http.get(asset).status_code == 200, asset
        for module in ("common.js", "i18n.js", "player.js", "facilitator.js", "style.css",
                       "library.js", "charts.js", "trainer.css", "screen.css", "staff.css", "stream.js", "nl-stream.js",
                       "ending.js", "en-ending.js", "editor.js"):  # fmt: skip
            assert http.get(f"/static/{module}").status_code == 200, module
        assert ".pygal-chart" in http.get("/charts.css").text  # pygal came with the wheel
        trainer = {"Authorization": f"Bearer {created['trainer_token']}"}
        charts = http.get(f"/api/sessions/{sid}/insights", headers=trainer).json()["charts"]
        assert len(charts) == 6
        assert http.get(f"/qr/{code}.svg").headers["content-type"].startswith("image/svg")
        assert http.get("/docs").status_code == 200
        assert http.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
