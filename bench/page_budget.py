"""The phone pages' budget: bytes transferred (uncompressed) for the join page and the player page
on a mobile profile, and Lighthouse performance and accessibility scores.

    .venv/bin/python bench/page_budget.py        (installs the locked Lighthouse of bench/lighthouse if missing)

Budget (issue "Phone-first pages"): under 60 KB per page in total, Lighthouse scores of 95 or more.
"""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.app.server import Server, new_session  # noqa: E402
from tests.e2e.conftest import ARGS, CHROMIUM  # noqa: E402

LIGHTHOUSE_DIR = ROOT / "bench" / "lighthouse"  # its own package-lock.json: one Lighthouse version
LIGHTHOUSE = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
BUDGET_BYTES = 60 * 1024
MIN_SCORE = 95


async def transferred(url: str) -> tuple[int, dict[str, int]]:
    """Every response a Pixel 7 loads for `url`, by body size (before compression)."""
    sizes: dict[str, int] = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = await browser.new_context(
            **{k: v for k, v in p.devices["Pixel 7"].items() if k != "default_browser_type"}
        )
        page = await ctx.new_page()

        async def record(response: object) -> None:
            body = await response.body()  # type: ignore[attr-defined]
            sizes[response.url.split("/", 3)[-1]] = len(body)  # type: ignore[attr-defined]

        page.on("response", lambda r: asyncio.ensure_future(record(r)))
        await page.goto(url, wait_until="networkidle")
        await page.wait_for_timeout(500)
        await browser.close()
    return sum(sizes.values()), sizes


def lighthouse(url: str) -> dict[str, float]:
    if not LIGHTHOUSE.exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=LIGHTHOUSE_DIR,
            check=True,
        )
    with tempfile.TemporaryDirectory() as out:
        report = Path(out) / "report.json"
        flags = " ".join(["--headless=new", *ARGS])
        subprocess.run(
            [str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet",
             "--only-categories=performance,accessibility", f"--chrome-flags={flags}"],
            env={**os.environ, "CHROME_PATH": CHROMIUM}, check=True, cwd=ROOT,
        )  # fmt: skip
        categories = json.loads(report.read_text())["categories"]
    return {name: round(c["score"] * 100) for name, c in categories.items()}


async def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "bench.db").start()
        try:
            async with httpx.AsyncClient(base_url=server.http) as http:
                s = await new_session(server, http)
                seat = await s.join(http, "Lighthouse")
            pages = {
                "join": f"{server.http}/j/{s.created['join_code']}",
                "player": f"{server.http}/p/{s.id}#{seat['player_token']}",
            }
            results = {}
            for name, url in pages.items():
                total, parts = await transferred(url)
                scores = lighthouse(url)
                results[name] = {"bytes": total, "files": parts, **scores}
        finally:
            server.stop()
    print(f"{'page':8} {'bytes':>8} {'budget':>8} {'perf':>5} {'a11y':>5}")
    ok = True
    for name, r in results.items():
        print(
            f"{name:8} {r['bytes']:>8} {BUDGET_BYTES:>8} {r['performance']:>5} {r['accessibility']:>5}"
        )
        ok &= (
            r["bytes"] < BUDGET_BYTES
            and r["performance"] >= MIN_SCORE
            and r["accessibility"] >= MIN_SCORE
        )
    print(json.dumps({"pages": results, "within_budget": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
