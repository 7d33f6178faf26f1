"""`pip install .` is the contract: the wheel, installed into a fresh virtualenv and started from an
empty folder with no settings, serves every page, its scripts and the API docs."""

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

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(where / "dist"), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    [wheel] = (where / "dist").glob("*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(where / "venv")], check=True)
    pip = where / "venv" / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", str(wheel)], check=True, capture_output=True)
    return where / "venv" / "bin" / "theater"


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
                       "library.js", "charts.js", "trainer.css", "stream.js", "nl-stream.js"):  # fmt: skip
            assert http.get(f"/static/{module}").status_code == 200, module
        assert ".pygal-chart" in http.get("/charts.css").text  # pygal came with the wheel
        trainer = {"Authorization": f"Bearer {created['trainer_token']}"}
        charts = http.get(f"/api/sessions/{sid}/insights", headers=trainer).json()["charts"]
        assert len(charts) == 6
        assert http.get(f"/qr/{code}.svg").headers["content-type"].startswith("image/svg")
        assert http.get("/docs").status_code == 200
        assert http.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
