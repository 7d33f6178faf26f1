"""Phones behind a network that lets no WebSocket through, in Chromium: a proxy in the test passes
plain HTTP and either refuses every upgrade or accepts it and closes the socket at once (the
case SignalR does not fall back from, SignalR/SignalR#4686). The pages fall back to the HTTP
stream by themselves, say so discreetly, and play a whole game beside a phone on a socket; at
every step each phone shows its own card and no other."""

import asyncio
import base64
import contextlib
import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from cards import load_deck
from tests.app.server import Client, Server, free_port, new_session
from tests.e2e.conftest import assert_accessible, snap

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CARD_TEXT = {s.id: s.text for s in load_deck("standaard", "nl").strategies}


class BlockingProxy:
    """Plain HTTP through to the server; a WebSocket upgrade refused (`refuse`), accepted and
    closed at once (`close`), or let through (`pass`: the network was mended). Each connection's first request decides: browsers open a new
    connection for every WebSocket."""

    def __init__(self, upstream_port: int, mode: str) -> None:
        self.upstream_port, self.mode, self.port = upstream_port, mode, free_port()
        self.upgrades = 0  # upgrades blocked
        self.passed = 0  # upgrades let through

    async def __aenter__(self) -> "BlockingProxy":
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *_: object) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (
                line.partition(":") for line in head.decode("latin-1").split("\r\n")[1:]
            )
        }
        if headers.get("upgrade", "").lower() == "websocket" and self.mode != "pass":
            self.upgrades += 1
            if self.mode == "refuse":
                writer.write(
                    b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
            else:
                accept = base64.b64encode(
                    hashlib.sha1((headers["sec-websocket-key"] + GUID).encode()).digest()
                ).decode()
                writer.write(
                    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept.encode() + b"\r\n\r\n"
                )
            await writer.drain()
            writer.close()
            return
        self.passed += headers.get("upgrade", "").lower() == "websocket"
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        up_writer.write(head)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.fixture(params=["refuse", "close"])
async def proxy(request: pytest.FixtureRequest, web_server: Server) -> AsyncIterator[BlockingProxy]:
    async with BlockingProxy(web_server.port, request.param) as p:
        yield p


async def _phone(browser: Browser, url: str) -> Page:
    ctx = await browser.new_context(
        viewport={"width": 412, "height": 915}, is_mobile=True, has_touch=True, locale="nl-NL",
        bypass_csp=True,  # for axe; the CSP itself is tested elsewhere
    )  # fmt: skip
    page = await ctx.new_page()
    await page.goto(url)
    return page


async def test_phones_fall_back_to_http_and_play_a_whole_game(
    browser: Browser, web_server: Server, proxy: BlockingProxy
) -> None:
    async with httpx.AsyncClient(base_url=web_server.http) as http:
        s = await new_session(web_server, http, rounds=1, open_card_last_round=False)
        direct = await s.join(http, "Dewi")  # on a good network: a socket
    fac = await s.client("facilitator").connect()
    dewi = await Client(web_server, s.id, direct["player_token"], "Dewi").connect()
    phones: dict[str, Page] = {}
    base = f"http://127.0.0.1:{proxy.port}"
    for name in ("Anouk", "Bram", "Chris"):
        page = await _phone(browser, f"{base}/j/{s.created['join_code']}")
        await page.fill("#name", name)
        await page.locator("#join button[type=submit]").click()
        await expect(page.locator("#via")).to_be_visible(timeout=15_000)
        phones[name] = page
    assert proxy.upgrades >= 2 * len(phones)  # each tried a socket first
    await fac.until(lambda v: sum(p["connected"] for p in v["players"]) == 4)
    await snap(phones["Anouk"], f"fallback-{proxy.mode}-lobby")
    await assert_accessible(phones["Anouk"], "a phone on the fallback")

    async def own_cards_only() -> None:
        units = {p["name"]: p["unit"] for p in fac.view["players"]}
        deal = {u["id"]: u["strategy"]["id"] for u in fac.view["units"] if u["strategy"]}
        for name, page in phones.items():
            html = await page.content()
            for card, text in CARD_TEXT.items():
                if card != deal.get(units[name] or ""):
                    assert text not in html, f"{name} shows {card}"
            mine = deal.get(units[name] or "")
            if mine:
                await expect(page.locator(".card.strategy").first).to_contain_text(
                    CARD_TEXT[mine][:30]
                )

    await fac.ok("start_game")
    await fac.ok("choose_opdracht")
    await fac.until(lambda v: v["phase"] == "reading")
    await own_cards_only()
    for page in phones.values():  # four players: four units of one
        await page.locator("[data-key=ready]").click()
    await dewi.ok("ready")
    await fac.until(lambda v: all(u["ready"] for u in v["units"]))
    await fac.ok("start_timer")
    await fac.until(lambda v: v["phase"] == "discussing")
    await own_cards_only()
    await snap(phones["Bram"], f"fallback-{proxy.mode}-discussing")
    await fac.ok("end_discussion")
    await fac.ok("record_decision", text="Naar het museum", reached="partly")
    for page in phones.values():
        await page.locator("[data-key=support-yes]").click()
        await expect(page.locator("[data-key=support-yes]")).to_have_attribute(
            "aria-pressed", "true"
        )
    await fac.ok("end_game")
    for page in phones.values():
        await expect(page.locator(".summary")).to_be_visible(timeout=15_000)
    await snap(phones["Chris"], f"fallback-{proxy.mode}-ended")
    await fac.close()
    await dewi.close()
    for page in phones.values():
        await page.context.close()


async def test_a_page_on_the_fallback_tries_a_socket_again_after_five_minutes(
    browser: Browser, web_server: Server
) -> None:
    """A phone that moved from the office network to its own: after a drop, five minutes on,
    it tries a socket again and leaves the detour."""
    async with httpx.AsyncClient(base_url=web_server.http) as http:
        s = await new_session(web_server, http)
    async with BlockingProxy(web_server.port, "close") as proxy:
        ctx = await browser.new_context(viewport={"width": 412, "height": 915}, locale="nl-NL")
        page = await ctx.new_page()
        await page.clock.install()
        await page.goto(f"http://127.0.0.1:{proxy.port}/j/{s.created['join_code']}")
        await page.fill("#name", "Eva")
        await page.locator("#join button[type=submit]").click()
        await expect(page.locator("#via")).to_be_visible(timeout=15_000)
        tried = proxy.upgrades
        proxy.mode = "pass"
        await page.clock.fast_forward("06:00")  # silence: the page drops the stream, reconnects
        await expect(page.locator("#via")).to_have_count(0, timeout=15_000)
        await expect(page.locator(".phase")).to_be_visible()
        assert proxy.upgrades == tried and proxy.passed >= 1  # back on a socket
        await ctx.close()
