"""Playing whole games over real sockets, and checking from the wire what players saw."""

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from cards import load_deck
from game.deck import CONSENSUS
from tests.app.server import Client, Server, Session, StreamClient, new_session


@dataclass
class WireGame:
    session: Session
    fac: Client
    screen: Client
    trainer: Client
    players: dict[str, Client]  # player id -> client
    deals: dict[int, dict[str, str]] = field(default_factory=dict)  # round -> unit -> strategy
    opdrachten: list[str] = field(default_factory=list)
    guesses: dict[int, dict[tuple[str, str], str]] = field(default_factory=dict)  # round -> guesses

    @property
    def everyone(self) -> list[Client]:
        return [self.fac, self.screen, self.trainer, *self.players.values()]

    async def all_see(self, predicate: Any, timeout: float = 10) -> None:
        await asyncio.gather(*(c.until(predicate, timeout) for c in self.everyone))

    async def close(self) -> None:
        for c in self.everyone:
            await c.close()


async def seat(
    server: Server,
    http: httpx.AsyncClient,
    names: list[tuple[str, str]],
    streams: frozenset[str] = frozenset(),
    session: Session | None = None,
    **settings: Any,
) -> WireGame:
    """A table with everyone connected: on sockets, or for the names and roles in `streams` on
    the fallback transport (`session`: one made elsewhere, a library's)."""
    s = session or await new_session(server, http, **settings)
    for name, org in names:
        await s.join(http, name, org)

    async def connect(who: str) -> Client:
        return await s.client(who, kind=StreamClient if who in streams else Client).connect()

    players = {s.players[name]["player_id"]: await connect(name) for name, _ in names}
    fac = await connect("facilitator")
    screen = await connect("screen")
    trainer = await connect("trainer")
    game = WireGame(s, fac, screen, trainer, players)
    await fac.until(lambda v: all(p["connected"] for p in v["players"]))
    return game


async def play_round(g: WireGame, answers: bool = True) -> None:
    """One round from choosing to the end of its reflection, every step through the sockets."""
    v = await g.fac.until(lambda v: v["phase"] == "choosing")
    rnd = v["round"]
    picker = g.players[v["picker"]]
    await picker.until(lambda v: v["phase"] == "choosing" and v["me"]["is_picker"])
    slots = picker.view["opdracht_slots"]
    assert slots == 6 - (rnd - 1)
    await picker.ok("pick_opdracht", slot=slots - 1)
    await g.all_see(lambda v: v["phase"] == "reading" and v["round"] == rnd)
    fv = g.fac.view
    g.deals[rnd] = {u["id"]: u["strategy"]["id"] for u in fv["units"]}
    g.opdrachten.append(fv["opdracht"]["id"])
    for unit in fv["units"]:
        member = g.players[unit["members"][0]]
        await member.ok("ready")
        if fv["open_card"]:
            await member.ok("reveal", unit_id=unit["id"])
    await g.fac.until(
        lambda v: all(u["ready"] and (u["revealed"] or not v["open_card"]) for u in v["units"])
    )
    await g.fac.ok("start_timer")
    await g.all_see(lambda v: v["phase"] == "discussing")
    deadlines = {c.view["timer"]["deadline"] for c in g.everyone}
    assert len(deadlines) == 1, "everyone counts down to the same deadline"
    await g.all_see(lambda v: v["timer"]["warned"] or v["phase"] == "deciding")
    await g.all_see(lambda v: v["phase"] == "deciding", timeout=15)
    await g.fac.ok("record_decision", text=f"Besluit ronde {rnd} <b>&</b>", reached="partly")
    if not fv["open_card"]:  # each unit guesses the others' cards (each guess its own way)
        cards = [c["id"] for c in (await g.players[fv["units"][0]["members"][0]].until(
            lambda v: v["strategies"]))["strategies"]]  # fmt: skip
        for i, unit in enumerate(fv["units"]):
            guesser = g.players[unit["members"][0]]
            for j, other in enumerate(u for u in fv["units"] if u["id"] != unit["id"]):
                card = cards[(i + j) % len(cards)]
                await guesser.ok("guess", unit_id=other["id"], strategy_id=card)
                g.guesses.setdefault(rnd, {})[unit["id"], other["id"]] = card
    for i, c in enumerate(g.players.values()):
        await c.ok("support", value=("yes", "partly", "no")[i % 3])
    count = None
    index = 0
    while count is None or index < count:
        await g.fac.ok("next_prompt")
        v = await g.screen.until(lambda v, i=index: v["prompt"] and v["prompt"]["index"] == i + 1)
        count, index = v["prompt"]["count"], v["prompt"]["index"]
        if answers and index == 1:
            for j, c in enumerate(list(g.players.values())[:3]):
                await c.ok(
                    "answer",
                    prompt_id=v["prompt"]["id"],
                    text=f"Antwoord {j} <script>",
                    anonymous=j == 2,
                )
    if answers:
        first = (await g.fac.until(lambda v: len(v["answers"]) >= 3))["answers"][0]
        await g.fac.ok("show_answer", answer_id=first["id"])
        await g.screen.until(lambda v: any(a["id"] == first["id"] for a in v["answers"]))


async def play_game(g: WireGame) -> None:
    await g.fac.ok("start_game")
    rounds = g.fac.view["rounds"]
    for rnd in range(1, rounds + 1):
        await play_round(g)
        if rnd < rounds:
            await g.fac.ok("next_round")
    await g.fac.ok("end_game")
    await g.all_see(lambda v: v["phase"] == "ended")


def check_deals(g: WireGame, no_consensus_round: int | None = None) -> None:
    held: dict[str, set[str]] = {}
    assert len(set(g.opdrachten)) == len(g.opdrachten)
    for rnd, deal in g.deals.items():
        cards = list(deal.values())
        assert len(cards) == len(set(cards))
        assert (CONSENSUS in cards) == (rnd != no_consensus_round), (rnd, deal)
        for unit, card in deal.items():
            assert card not in held.setdefault(unit, set())
            held[unit].add(card)


def check_no_leaks(
    g: WireGame,
    language: str = "nl",
    others: list[tuple[str, Client]] | None = None,
    texts: dict[str, str] | None = None,
) -> int:
    """Every frame each player and the screen received: no unrevealed card of another unit.
    `others`: players' sockets no longer in `g.players` (an old phone, a removed player);
    `texts`: the strategy cards' texts, where the deck is not the standard one."""
    texts = texts or {s.id: s.text for s in load_deck("standaard", language).strategies}
    scanned = 0
    viewers: list[tuple[str | None, Client]] = [
        (None, g.screen),
        *g.players.items(),
        *(others or []),
    ]
    for pid, client in viewers:
        for raw, frame in zip(client.raw, client.frames, strict=True):
            scanned += 1
            v = frame.get("view")
            if v is not None and v.get("strategies"):  # the deck's public list to guess from
                assert all(set(c) == {"id", "title"} for c in v["strategies"])
                rest = {**frame, "view": {**v, "strategies": None}}
                raw = json.dumps(rest, ensure_ascii=False, separators=(",", ":"))
            allowed: set[str] = set()
            if v is not None and v["phase"] == "ended":
                continue  # the game is over: the summary shows every card to everyone
            if v is not None:
                deal = (
                    g.deals.get(v["round"], {}) if v["phase"] not in ("lobby", "choosing") else {}
                )
                mine = v.get("me", {}).get("unit")
                for u in v["units"]:
                    if u["id"] == mine and u["id"] in deal:
                        assert u["strategy"]["id"] == deal[u["id"]]
                        allowed.add(deal[u["id"]])
                    elif u["revealed"]:
                        allowed.add(deal[u["id"]])
                    else:
                        assert u["strategy"] is None, (pid, u)
            for sid, text in texts.items():
                if sid not in allowed:
                    assert text not in raw, f"{pid or 'screen'} saw {sid} in {raw[:200]}"
                    assert f'"id":"{sid}"' not in raw
    return scanned


def check_guesses(g: WireGame) -> None:
    """No phone ever saw another unit's guess; the ending scores every guess against the deal."""
    for client in g.players.values():
        for frame in client.frames:
            v = frame.get("view")
            if v is None or not v["me"]["guesses"]:
                continue
            mine = g.guesses.get(v["round"], {})
            for unit, card in v["me"]["guesses"].items():
                assert mine.get((v["me"]["unit"], unit)) == card, (v["me"], unit, card)
    summary = g.screen.view["summary"]
    for r in summary:
        made = g.guesses.get(r["round"], {})
        for score in r["recognition"]:
            about = [c for (_, unit), c in made.items() if unit == score["unit"]]
            assert score["of"] == len(about)
            assert score["right"] == sum(c == g.deals[r["round"]][score["unit"]] for c in about)
        assert len(r["recognition"]) == len({unit for _, unit in made})


def names(n: int) -> list[tuple[str, str]]:
    orgs = ["Gemeente", "GGD", "Bibliotheek", "Welzijn"]
    return [(f"Speler {i + 1}", orgs[i % len(orgs)]) for i in range(n)]
