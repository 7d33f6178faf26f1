"""uv.lock is the one list of versions: the test environment is exactly it, and a dependency added
to pyproject.toml without `make lock` stops `make test` with a sentence saying what to do."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).parent / "uv"  # the locked uv of the dev extra, beside this Python


def locked_versions(*extras: str) -> dict[str, str]:
    """Name → version of everything uv.lock installs here (this Python, this platform)."""
    exported = subprocess.run(
        [str(UV), "export", "--frozen", "--no-emit-project", "--no-hashes", "--no-header",
         "--format", "requirements-txt", *(f"--extra={e}" for e in extras)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    versions = {}
    for line in exported.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate():
            [spec] = req.specifier
            versions[req.name.lower()] = spec.version
    return versions


def test_the_test_environment_is_exactly_the_lock() -> None:
    from importlib.metadata import distributions

    have = {d.metadata["Name"].lower().replace("_", "-"): d.version for d in distributions()}
    have.pop("theater-van-besluit")
    have.pop("pip", None)  # a virtualenv made before uv managed it may still hold its own pip
    assert have == locked_versions("dev")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for name in ("Makefile", "pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def lock_check(where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(where), "-o", str(UV), "lock-check",
         f"UV={UV}"],
        capture_output=True, text=True,
    )  # fmt: skip


def test_a_dependency_added_without_relocking_stops_make_test(copy: Path) -> None:
    assert lock_check(copy).returncode == 0  # the copy as committed agrees with its lock
    pyproject = copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"pygal>=3.1",', '"pygal>=3.1", "six",'))
    refused = lock_check(copy)
    assert refused.returncode != 0
    assert "run 'make lock'" in refused.stdout
