"""A bad venue network, in Chromium: a proxy of ours cuts every socket of a table at once and
holds or refuses the pages for about seven seconds while the table goes on (each page shows
the server's state within two seconds of the network's return, a tap whose answer was lost counts
once, no frame holds another unit's card); forty phones join one code on Chrome's "Slow 3G" (the
times until 90 % and 100 % are in are printed: the aim of 90 % within 30 s is not met yet, see
the README); a page stopped as a frozen background tab is (the debugger stands in for the
freeze) shows the server's state within two seconds of running again."""

import asyncio
import contextlib
import json
import math
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.app.server import Client, Server, new_session
from tests.conftest import GENEROUS
from tests.e2e.conftest import snap
from tests.e2e.test_pages_phones import TEXTS, _phone, _table, _to_discussion

NAMES = [("Anouk", "Gemeente"), ("Bram", "GGD"), ("Chris", "School"), ("Dewi", "Politie")]
# Chrome DevTools' "Slow 3G" preset (SDK.NetworkManager.Slow3GConditions): 500 kbit/s × 0.8 both
# ways and 400 ms × 5 of latency per request
SLOW_3G = {
    "offline": False,
    "latency": 400 * 5,
    "downloadThroughput": 500 * 1024 / 8 * 0.8,
    "uploadThroughput": 500 * 1024 / 8 * 0.8,
}
BACK_WITHIN_S = 2.0


def clock_text(ms: int) -> str:
    """common.js's formatMs: what a phone's clock shows for `ms` left."""
    total = math.ceil(ms / 1000)
    return f"{total // 60}:{total % 60:02d}"


class TooSlow(AssertionError):
    """A time bound missed (raised last, after every other check)."""


class Gate:
    """A TCP proxy of ours between the phones and the server. `cut()` resets every connection
    through it at once, and until `reopen()` new connections are held (accepted, linked only
    then: a network that answers late) or refused (reset at once: a network that is down).
    `freeze()` stops what the server says from reaching the phones, so a tap's answer is lost."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self.server: asyncio.Server | None = None
        self.port = 0
        self.open = asyncio.Event()
        self.flowing = asyncio.Event()
        self.refusing = False
        self.stopping = False
        self.held = 0
        self.refused = 0
        self.tasks: set[asyncio.Task[None]] = set()

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> "Gate":
        self.open.set()
        self.flowing.set()
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            await self._link(reader, writer)
        finally:
            self.tasks.discard(task)

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open.is_set():
            if self.refusing:
                self.refused += 1
                writer.transport.abort()
                return
            self.held += 1
            await self.open.wait()
        if self.stopping:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        link = (writer, up_writer)
        self.links.add(link)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, down: bool) -> None:
            with contextlib.suppress(OSError, RuntimeError):
                while data := await src.read(65536):
                    if down:
                        await self.flowing.wait()
                    dst.write(data)
                    await dst.drain()
            dst.close()

        try:
            await asyncio.gather(pipe(reader, up_writer, False), pipe(up_reader, writer, True))
        finally:
            self.links.discard(link)

    def freeze(self) -> None:
        self.flowing.clear()

    def cut(self, refuse: bool) -> int:
        """Reset every connection now and close the gate; returns how many there were."""
        self.open.clear()
        self.refusing = refuse
        links = list(self.links)
        for down, up in links:
            down.transport.abort()
            up.transport.abort()
        self.flowing.set()
        return len(links)

    def reopen(self) -> None:
        self.open.set()

    async def stop(self) -> None:
        self.stopping = True
        if self.server is not None:
            self.server.close()
        self.reopen()  # the held ones go, and are reset
        self.cut(refuse=True)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.server is not None:
            await self.server.wait_closed()


async def _context(browser: Browser, **storage: str) -> BrowserContext:
    ctx = await browser.new_context(viewport={"width": 412, "height": 915}, locale="nl-NL",
                                    is_mobile=True, has_touch=True)  # fmt: skip
    for key, value in storage.items():
        await ctx.add_init_script(f"localStorage.setItem('{key}', '{value}')")
    return ctx


def _heard(page: Page, frames: list[str]) -> None:
    """Every frame the page's sockets receive, from now on."""

    def watch(ws: Any) -> None:
        ws.on("framereceived", lambda payload: frames.append(str(payload)))

    page.on("websocket", watch)


def _strings(value: Any) -> str:
    """Every string in a decoded frame, one a line (card texts as the page would show them)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return "\n".join(_strings(v) for v in value)
    return ""


async def _events(server: Server, session_id: str, token: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=server.http) as http:
        r = await http.get(
            f"/api/sessions/{session_id}/events", headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 200, r.text
        return list(r.json())


async def _shows(page: Page, script: str, arg: Any, since: float, timeout: float) -> float:
    """Seconds from `since` until `script(arg)` holds on the page (polled every 50 ms)."""
    await page.wait_for_function(script, arg=arg, polling=50, timeout=timeout * 1000)
    return time.monotonic() - since


PAUSED_AT = """([clock]) => {
  const timer = document.querySelector('.timer');
  return !!timer?.querySelector('.paused')
    && timer.querySelector('.clock')?.textContent === clock;
}"""


@pytest.mark.parametrize(
    "network",
    [
        "held",
        "refused",
    ],
)
async def test_a_cut_of_every_socket_and_seconds_without_network_then_every_page_is_right_in_2_s(
    browser: Browser, tmp_path: Path, network: str
) -> None:
    """Four phones and the facilitator's laptop reach the server through our proxy; in the
    discussion the laptop taps +1 minute and its answer is lost in a cut of every socket; for
    about seven seconds new connections are held (or refused) while the warning comes and the
    facilitator, on another line, pauses the timer. Once the proxy lets them through again every
    page shows the paused clock the server has within two seconds, the phones say they missed
    the warning, the +1 minute counted once, and no phone ever received another unit's card."""
    server = Server(tmp_path / "theater.db", env={**GENEROUS, "THEATER_CLOCK_SCALE": "10"}).start()
    gate = await Gate(server.port).start()
    contexts: list[BrowserContext] = []
    fac: Client | None = None
    try:
        async with httpx.AsyncClient(base_url=server.http) as http:
            s = await new_session(
                server, http, rounds=1, open_card_last_round=False, round_seconds=120
            )  # 12 s, warned at 6 s left
            for name, org in NAMES:
                await s.join(http, name, org)
        fac = await s.client("facilitator").connect()  # the facilitator's other line
        heard: dict[str, list[str]] = {}
        phones: dict[str, Page] = {}
        for name, _ in NAMES:
            ctx = await _context(browser, **{f"tvb:seat:{s.id}": s.players[name]["player_token"]})
            contexts.append(ctx)
            page = await ctx.new_page()
            heard[name] = []
            _heard(page, heard[name])
            await page.goto(f"{gate.http}/p/{s.id}")
            phones[name] = page
        laptop_ctx = await browser.new_context(viewport={"width": 1280, "height": 900},
                                               locale="nl-NL")  # fmt: skip
        contexts.append(laptop_ctx)
        laptop = await laptop_ctx.new_page()
        await laptop.goto(f"{gate.http}/f/{s.id}#{s.token('facilitator')}")
        for name, page in phones.items():
            await expect(page.locator("#who")).to_have_text(name)

        await fac.ok("start_game")
        await fac.ok("choose_opdracht")
        for page in phones.values():
            await page.locator("[data-key='ready']").click()
        await fac.until(lambda v: v["phase"] == "reading" and all(u["ready"] for u in v["units"]))
        await fac.ok("start_timer")
        began = time.monotonic()
        for page in [*phones.values(), laptop]:
            await expect(page.locator(".phase")).to_contain_text("Overleg")
        while time.monotonic() - began < 4.8:  # 7.2 s left: the warning comes 7.2 s after the
            await asyncio.sleep(0.05)  # +1 minute (at 6 s left), while the network is gone

        gate.freeze()  # the laptop's +1 minute reaches the server; its answer never comes back
        await laptop.locator("[data-key='fac.extend']").click()
        await fac.until(lambda v: v["timer"]["duration_ms"] == 18_000)
        links = gate.cut(refuse=network == "refused")
        cut = time.monotonic()
        assert not fac.view["timer"]["warned"]
        assert links >= 5, links  # every page's socket (and any open HTTP connection)
        await fac.until(lambda v: v["timer"]["warned"], timeout=15)  # meanwhile: the warning,
        await fac.ok("pause_timer")  # and the facilitator pauses on the other line
        paused = fac.view["timer"]
        assert paused["status"] == "paused"
        while time.monotonic() - cut < 5:
            await asyncio.sleep(0.05)
        clock = clock_text(paused["remaining_ms"])
        for page in [*phones.values(), laptop]:  # nothing reached the pages meanwhile
            assert await page.locator(".timer .paused").count() == 0
        gate.reopen()
        back = time.monotonic()
        took = await asyncio.gather(
            *(_shows(p, PAUSED_AT, [clock], back, 15) for p in [*phones.values(), laptop])
        )
        outage = back - cut
        print(
            f"\n{network}: {gate.held} connections held, {gate.refused} refused during "
            f"{outage:.1f} s; the pages showed the server's paused clock {clock} after "
            + ", ".join(f"{t:.2f}" for t in took)
            + " s"
        )
        await snap(phones["Anouk"], f"network-{network}-back-after-cut")

        for page in phones.values():
            status = page.locator("#status")
            await expect(status).to_contain_text("Je bent weer verbonden. Intussen:")
            await expect(status).to_contain_text("Nog één minuut!")
            await expect(page.locator(".phase")).to_contain_text("Overleg")
        await expect(laptop.locator(".timer .clock")).to_have_text(clock)

        events = await _events(server, s.id, s.token("facilitator"))
        kinds = [e["type"] for e in events]
        assert kinds.count("timer_extended") == 1, "the +1 minute whose answer was lost: once"
        assert kinds.count("unit_ready") == len(NAMES)
        assert fac.view["timer"]["duration_ms"] == 18_000

        units = {u["id"]: u["strategy"]["id"] for u in fac.view["units"]}
        for name, frames in heard.items():
            mine = next(
                u["strategy"]["id"]
                for u in fac.view["units"]
                if s.players[name]["player_id"] in u["members"]
            )
            assert frames, name
            seen = "\n".join(_strings(json.loads(f)) for f in frames)
            assert TEXTS[mine] in seen, f"{name} saw their own card"
            others = [c for c in units.values() if c != mine and TEXTS[c] in seen]
            assert others == [], f"{name} received another unit's card: {others}"
        if max(took) > BACK_WITHIN_S:  # last, so that everything else is checked in any case
            raise TooSlow(f"back after {max(took):.2f} s, not within {BACK_WITHIN_S} s: {took}")
    finally:
        for ctx in contexts:
            await ctx.close()
        if fac is not None:
            await fac.close()
        await gate.stop()
        server.stop()


PHONES = 40
ONE_EVERY_S = 0.25  # the forty start within ten seconds: a room that scans the code on the screen
GIVE_UP_S = 60  # after the burst's start: a phone not in by then counts as not in


@pytest.mark.timeout(150)  # forty browser contexts to make first, on a busy 2-core machine
async def test_forty_phones_join_one_code_through_slow_3g_each_seated_once_as_themselves(
    browser: Browser, tmp_path: Path
) -> None:
    """A training day: forty phones join the one code of a workshop, each on Chrome's "Slow 3G"
    (its own throttled network: each request 2 s, 50 KB/s each way), starting within ten
    seconds: open the join page, type a name, send it, and wait on the player page until it
    shows their name. Timed per phone from starting to load the join page to its name in the
    header (a phone still loading after 60 s counts as not in). One phone on the full network
    joins first, so that what follows is about the network. The server has the product's limits
    (a venue is one address: 120 joins a minute, 10 s for the hello)."""
    server = Server(tmp_path / "theater.db").start()
    contexts: set[BrowserContext] = set()
    try:
        async with httpx.AsyncClient(base_url=server.http) as http:
            r = await http.post("/api/sessions", json={"tables": "auto", "rounds": 1})
            assert r.status_code == 201, r.text
            created = r.json()
        code = created["join_code"]
        control = await _context(browser)  # first one phone on the full network: the way in works
        contexts.add(control)
        page = await control.new_page()
        await page.goto(f"{server.http}/j/{code}")
        await page.fill("#name", "Controle")
        await page.locator("[data-key='join']").click()
        await expect(page.locator("#who")).to_have_text("Controle")
        await control.close()
        contexts.discard(control)

        async def ready() -> Page:
            """A phone with its browser open, on a slow network (not timed)."""
            ctx = await _context(browser)
            ctx.set_default_timeout(GIVE_UP_S * 1000)  # the burst's own deadline decides
            contexts.add(ctx)
            page = await ctx.new_page()
            network = await ctx.new_cdp_session(page)
            await network.send("Network.enable")
            await network.send("Network.emulateNetworkConditions", SLOW_3G)
            return page

        phones = dict(enumerate(await asyncio.gather(*(ready() for _ in range(PHONES)))))
        took: dict[int, float] = {}
        shown: dict[int, str] = {}

        async def join(i: int) -> None:
            await asyncio.sleep(i * ONE_EVERY_S)
            page = phones[i]
            began = time.monotonic()
            await page.goto(f"{server.http}/j/{code}")
            await page.fill("#name", f"Deelnemer {i + 1}")
            await page.locator("[data-key='join']").click()
            await page.locator("#who:not([hidden])").wait_for()
            seconds = time.monotonic() - began
            shown[i] = await page.locator("#who").inner_text()
            took[i] = seconds
            if i == 0:
                await snap(page, "network-slow-3g-joined")
            await page.context.close()
            contexts.discard(page.context)

        burst = time.monotonic()
        tasks = [asyncio.create_task(join(i)) for i in range(PHONES)]
        _, late = await asyncio.wait(tasks, timeout=GIVE_UP_S)
        for task in late:
            task.cancel()
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(outcome, BaseException) and not isinstance(
                outcome, asyncio.CancelledError
            ):
                raise outcome
        wall = time.monotonic() - burst
        stuck: dict[str, int] = {}  # where the phones not in yet are
        for i, page in phones.items():
            if i in took:
                continue
            error = page.locator("#error")
            assert not await error.is_visible(), await error.inner_text()  # nothing refused
            where = "player page" if "/p/" in page.url else "join page"
            stuck[where] = stuck.get(where, 0) + 1
        times = sorted(took.values()) + [math.inf] * (PHONES - len(took))
        nine = math.ceil(0.9 * PHONES) - 1
        print(
            f"\n{PHONES} phones on Slow 3G, one every {ONE_EVERY_S} s: {len(took)} in within "
            f"{GIVE_UP_S} s; per phone from loading the join page to its name: fastest "
            f"{times[0]:.1f} s, median {times[PHONES // 2]:.1f} s, 90 % {times[nine]:.1f} s, "
            f"100 % {times[-1]:.1f} s (the burst took {wall:.1f} s); still loading: {stuck}"
        )
        assert {i: shown[i] for i in took} == {i: f"Deelnemer {i + 1}" for i in took}  # its own
        async with httpx.AsyncClient(base_url=server.http) as http:
            r = await http.get(
                f"/api/sessions/{created['session_id']}/events",
                headers={"Authorization": f"Bearer {created['facilitator_token']}"},
            )
        names = [e["name"] for e in r.json() if e["type"] == "player_joined"]
        assert len(names) == len(set(names)), "nobody joined twice"
        assert {f"Deelnemer {i + 1}" for i in took} <= set(names)
        assert took, "not one phone got in within a minute"
    finally:
        for ctx in list(contexts):
            await ctx.close()
        server.stop()


async def test_a_page_stopped_like_a_frozen_background_tab_is_right_within_two_seconds_of_running(
    browser: Browser, web_server: Server
) -> None:
    """Debian's Chromium takes the DevTools lifecycle freeze but keeps running timers, so the
    page is paused in the debugger instead: no script runs for ten seconds while the warning and
    the time-up come. Once it runs again the phone shows the deciding within two seconds, with
    no clock left over from the discussion, and says that the time is up."""
    g = await _table(web_server, round_seconds=120)  # 12 s, warned at 6 s left
    phone = await _phone(browser, web_server, g, "Chris")
    sockets: list[str] = []
    phone.on("websocket", lambda ws: sockets.append(ws.url))
    await _to_discussion(g)
    await expect(phone.locator(".phase")).to_contain_text("Overleg")
    cdp = await phone.context.new_cdp_session(phone)
    stopped = asyncio.Event()
    cdp.on("Debugger.paused", lambda _: stopped.set())
    await cdp.send("Debugger.enable")
    await cdp.send("Debugger.pause")  # at the next script: the clock ticks every 250 ms
    await asyncio.wait_for(stopped.wait(), 5)
    frozen = time.monotonic()
    await g.fac.until(lambda v: v["phase"] == "deciding", timeout=20)  # warning and time-up
    while time.monotonic() - frozen < 10:
        await asyncio.sleep(0.1)
    await cdp.send("Debugger.resume")
    resumed = time.monotonic()
    took = await _shows(
        phone,
        """() => document.querySelector('.phase')?.textContent.includes('Besluit')
             && !document.querySelector('.timer')""",
        None,
        resumed,
        15,
    )
    print(
        f"\npaused in the debugger {resumed - frozen:.1f} s; the phone showed the deciding "
        f"{took:.2f} s after running again; new sockets: {len(sockets)}"
    )
    # Its socket stayed open (the network service held the frames for it), so it did not go
    # offline and says no "Intussen:"; the frames came in order and the step says it itself:
    await expect(phone.locator(".step h2")).to_contain_text("De tijd is om.")
    await expect(phone.locator("#live")).to_have_text("Tijd is om")  # said to a screen reader
    await snap(phone, "network-back-after-pause")
    assert took <= BACK_WITHIN_S, took
    await cdp.send("Debugger.disable")
    await cdp.detach()
    await phone.context.close()
    await g.close()
