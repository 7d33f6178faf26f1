"""Print uv's pinned requirement, with its hashes, as uv.lock holds it.

The Makefile and the Dockerfile install uv with `pip install --require-hashes` from this line, so
even the tool that installs the locked set is itself the locked version (`make lock` refreshes it
with everything else). Usage: python scripts/uv_requirement.py [uv.lock]
"""

import sys
import tomllib
from pathlib import Path


def requirement(lock: Path) -> str:
    [uv] = [p for p in tomllib.loads(lock.read_text())["package"] if p["name"] == "uv"]
    files = [*uv.get("wheels", []), *([uv["sdist"]] if "sdist" in uv else [])]
    hashes = " ".join(f"--hash={f['hash']}" for f in files)
    return f"uv=={uv['version']} {hashes}"


if __name__ == "__main__":
    print(requirement(Path(sys.argv[1] if len(sys.argv) > 1 else "uv.lock")))
