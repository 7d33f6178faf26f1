"""The service in process, with its real logic and the in-memory store, the local bus and a fake
clock: timers, restarts, presence, eviction, seats and outboxes, without a socket and without
sleeping. The wire and the real processes are tested in the other modules here."""

import json
from typing import Any

import pytest

from app.clock import FakeClock
from app.cluster import local_cluster
from app.service import AppError, Outbox, Refusal, Seat, Service
from app.service.live import PRESENCE_TICK_MS
from game import Settings, fold
from tests.app.conftest import config
from tests.viewing import Follower

DAY = 24 * 3600 * 1000


FOLLOWERS: dict[int, Follower] = {}  # per seat (by id): the view its client holds


def frames(seat: Seat) -> list[dict[str, Any]]:
    """What this viewer was sent since the last look (the outbox, drained as a transport would),
    each patch as the state frame it stands for."""
    follower = FOLLOWERS.setdefault(id(seat), Follower())
    out = [follower.take(json.loads(frame)) for _, frame in seat.outbox.queue]
    seat.outbox.queue.clear()
    return out


def states(seat: Seat) -> list[dict[str, Any]]:
    return [f["view"] for f in frames(seat) if f["type"] == "state"]


class Room:
    """A service and the viewers of one session."""

    def __init__(self, service: Service, clock: FakeClock) -> None:
        self.service, self.clock = service, clock
        self.session_id = ""
        self.tokens: dict[str, str] = {}
        self.seats: dict[str, Seat] = {}

    async def open(self, players: int, **settings: Any) -> "Room":
        created = await self.service.create(Settings(**settings), "10.0.0.1")
        self.session_id = created.session_id
        self.tokens = dict(created.tokens)
        for i in range(players):
            joined = await self.service.join(created.join_code, f"Speler {i + 1}", "", "10.0.0.2")
            self.tokens[joined.player_id] = joined.player_token
        for who in self.tokens:
            self.seats[who] = await self.connect(who)
        self.clock.advance(PRESENCE_TICK_MS)  # everyone has heard who came
        return self

    async def connect(self, who: str) -> Seat:
        return await self.service.seats.connect(self.session_id, self.tokens[who])

    async def do(self, who: str, name: str, **args: Any) -> int:
        return await self.service.seats.command(self.seats[who], name, args)

    def view(self, who: str) -> dict[str, Any]:
        """The view this viewer's client holds now."""
        frames(self.seats[who])
        return FOLLOWERS[id(self.seats[who])].view

    async def discussing(self) -> int:
        """Start the game and the discussion; the deadline."""
        await self.do("facilitator", "start_game")
        await self.do("facilitator", "choose_opdracht")
        await self.do("facilitator", "start_timer")
        return int(self.view("facilitator")["timer"]["deadline"])

    async def log(self) -> list[str]:
        return [
            e["type"]
            for e in await self.service.logs.events(self.session_id, self.tokens["trainer"])
        ]


@pytest.fixture
async def room(service: Service) -> Room:
    assert isinstance(service.clock, FakeClock)
    return await Room(service, service.clock).open(4)


async def test_a_hello_gets_welcome_then_state_and_commands_reach_every_viewer(room: Room) -> None:
    first = frames(await room.connect("p1"))
    assert [f["type"] for f in first] == ["welcome", "state"]
    assert first[0]["player_id"] == "p1" and first[1]["view"]["me"]["name"] == "Speler 1"
    version = await room.do("facilitator", "configure", rounds=2)
    for who in ("facilitator", "screen", "trainer", "p1", "p4"):
        assert room.view(who)["rounds"] == 2
    assert version == len(await room.log())


async def test_the_warning_and_time_up_fire_on_the_clock_exactly_once(room: Room) -> None:
    deadline = await room.discussing()
    room.clock.advance(deadline - room.clock.now() - 60_001)
    await room.service.tables.settled()
    assert "warning_given" not in await room.log()
    room.clock.advance(1)
    await room.service.tables.settled()
    assert room.view("screen")["timer"]["warned"]
    room.clock.advance(60_000)
    await room.service.tables.settled()
    assert room.view("p2")["phase"] == "deciding"
    log = await room.log()
    assert log.count("warning_given") == 1 and log.count("time_up") == 1


async def test_after_a_restart_past_the_deadline_time_up_comes_at_once(room: Room) -> None:
    await room.discussing()
    store = room.service.store
    await room.service.close()
    room.clock.advance(10 * 60_000)  # the server was down for ten minutes
    again = Service(config(), store, local_cluster(), room.clock)
    assert await again.start() == 1
    room.clock.advance(0)
    await again.tables.settled()
    types = [e.type for e in await store.load(room.session_id)]
    assert types[-1] == "time_up" and "warning_given" not in types
    await again.close()


async def test_a_phone_that_drops_and_returns_quickly_costs_the_others_nothing(room: Room) -> None:
    frames(room.seats["facilitator"])
    frames(room.seats["p2"])
    for _ in range(30):  # a reconnect storm from one phone
        room.service.seats.disconnect(room.seats["p1"])
        room.seats["p1"] = await room.connect("p1")
    assert frames(room.seats["facilitator"]) == []
    assert frames(room.seats["p2"]) == []
    extra = []
    with pytest.raises(AppError) as info:  # and a storm has its limit
        for _ in range(20):
            extra.append(await room.connect("p1"))
    assert info.value.code == "too_many_sockets"
    for seat in [room.seats["p1"], *extra]:
        room.service.seats.disconnect(seat)
    room.clock.advance(3000)  # the grace, then one tick: the others hear of it in one frame
    assert states(room.seats["facilitator"]) == []
    room.clock.advance(PRESENCE_TICK_MS)
    [seen] = states(room.seats["facilitator"])
    assert not next(p for p in seen["players"] if p["id"] == "p1")["connected"]


async def test_a_burst_of_phones_costs_each_seat_one_frame_per_tick(room: Room) -> None:
    """Twelve phones coming back at once: each gets its own view at once; the others hear of
    all of them in one frame a tick later. A command is never held back for the tick."""
    players = ["p1", "p2", "p3", "p4"]
    for pid in players:
        room.service.seats.disconnect(room.seats[pid])
    room.clock.advance(3000 + PRESENCE_TICK_MS)
    frames(room.seats["facilitator"])
    devices = []
    for pid in players * 3:  # each phone on three devices, all within one tick
        devices.append(seat := await room.connect(pid))
        assert [f["type"] for f in frames(seat)] == ["welcome", "state"]
        assert next(p for p in FOLLOWERS[id(seat)].view["players"] if p["id"] == pid)["connected"]
    assert frames(room.seats["facilitator"]) == []
    room.clock.advance(PRESENCE_TICK_MS)
    [seen] = states(room.seats["facilitator"])
    assert all(p["connected"] for p in seen["players"])
    for seat in devices[::4]:  # p1 goes: shown offline after the grace, told within a tick...
        room.service.seats.disconnect(seat)
    room.clock.advance(3000)
    await room.do("facilitator", "start_game")  # ...but a command in that tick goes at once
    [seen] = states(room.seats["facilitator"])
    assert seen["phase"] == "choosing" and not seen["players"][0]["connected"]
    room.clock.advance(PRESENCE_TICK_MS)
    assert states(room.seats["facilitator"]) == []  # and the tick has nothing left to say


async def test_a_link_opened_on_a_fifth_device_takes_over_from_the_oldest(room: Room) -> None:
    extra = [await room.connect("p1") for _ in range(4)]  # with the first: five
    assert room.seats["p1"].outbox.closed and room.seats["p1"].outbox.close_code == 4409
    assert not any(seat.outbox.closed for seat in extra)


async def test_a_removed_player_is_told_so_and_cannot_act(room: Room) -> None:
    await room.do("facilitator", "remove_player", player_id="p3")
    assert room.seats["p3"].outbox.close_code == 4403
    with pytest.raises(AppError) as info:
        await room.connect("p3")
    assert info.value.code == "removed"  # told why, not "bad link": they may be brought back


async def test_an_anonymous_answer_is_stored_without_its_author(room: Room) -> None:
    await room.discussing()
    await room.do("facilitator", "end_discussion")
    await room.do("facilitator", "record_decision", text="Museum", reached="yes")
    await room.do("facilitator", "next_prompt")
    await room.do("p2", "answer", prompt_id="in-spel-1", text="Niemand weet het", anonymous=True)
    log = await room.service.store.load(room.session_id)
    assert '"p2"' not in log[-1].model_dump_json()
    assert [a["mine"] for a in room.view("p2")["answers"]] == [True]
    assert room.view("p1")["answers"] == []
    again = await room.connect("p2")  # another device with the same link: still theirs
    assert [a["mine"] for a in states(again)[-1]["answers"]] == [True]
    await room.do("p2", "answer", prompt_id="in-spel-1", text="Toch anders", anonymous=True)
    assert [a["text"] for a in room.view("facilitator")["answers"]] == ["Toch anders"]


async def test_idle_tables_leave_memory_and_come_back_whole(room: Room) -> None:
    service = room.service
    await room.do("facilitator", "configure", rounds=2)
    for seat in room.seats.values():
        service.seats.disconnect(seat)
    room.clock.advance(59_000)
    assert service.tables.evict() == 0
    room.clock.advance(1_000)
    assert service.tables.evict() == 1 and room.session_id not in service.tables
    back = await room.connect("facilitator")
    assert states(back)[-1]["rounds"] == 2


async def test_a_running_timer_keeps_its_table_in_memory(room: Room) -> None:
    await room.discussing()
    for seat in room.seats.values():
        room.service.seats.disconnect(seat)
    room.clock.advance(60_000)
    room.service.tables.evict()
    assert room.session_id in room.service.tables


async def test_unknown_session_ids_leave_nothing_behind(service: Service) -> None:
    for i in range(3000):
        assert await service.get(f"{i:016x}") is None
        assert await service.get(f"not an id {i}") is None
    assert service.tables == {} and service.tables._loading == {}


async def test_retention_counts_from_the_last_event_and_includes_unfinished(
    service: Service,
) -> None:
    clock = service.clock
    assert isinstance(clock, FakeClock)
    old = await Room(service, clock).open(3)
    clock.advance(2 * DAY)
    recent = await Room(service, clock).open(3)
    clock.advance(28 * DAY + 1)  # old: 30 days and a bit since its last event; recent: 28
    assert await service.sweep() == [old.session_id]
    assert old.seats["facilitator"].outbox.close_code == 4410
    assert await service.get(recent.session_id) is not None


async def test_a_slow_reader_keeps_only_the_newest_state_and_is_let_go_when_full() -> None:
    outbox = Outbox(limit=8)
    for i in range(20):
        outbox.put(json.dumps({"type": "state", "version": i}), is_state=True)
    assert [json.loads(f)["version"] for _, f in outbox.queue][-1] == 19
    assert len(outbox.queue) <= 8 and outbox.dropped >= 12 and not outbox.closed
    for i in range(9):
        outbox.put(json.dumps({"type": "ack", "id": i}))  # answers are never dropped
    assert outbox.closed and outbox.close_code == 1013
    assert await outbox.get() is None


async def test_a_sender_that_does_not_read_is_read_slower() -> None:
    outbox = Outbox(limit=8)
    for i in range(4):
        outbox.put(f"frame {i}")
    waiting = outbox.room()
    assert outbox.queue and len(outbox.queue) >= outbox.limit // 2
    for _ in range(4):
        await outbox.get()
    await waiting  # returns once the reader caught up


async def test_commands_are_refused_by_the_rules_with_a_reason(room: Room) -> None:
    with pytest.raises(Refusal) as info:
        await room.do("facilitator", "start_timer")
    assert (info.value.code, info.value.reason) == ("invalid_phase", "wrong_phase")


async def test_a_table_keeps_snapshots_as_it_plays_and_comes_back_from_the_last(
    room: Room,
) -> None:
    service, store = room.service, room.service.store
    for i in range(60):  # sixty changes of the settings: sixty events
        await room.do("facilitator", "configure", rounds=2 + i % 2)
    await service.tables.settled()
    version = len(await room.log())
    kept = await store.snapshot(room.session_id)
    assert kept is not None and 50 <= kept[0] <= version  # the periodic one, written on the way
    await room.do("facilitator", "configure", rounds=4)
    for seat in room.seats.values():
        service.seats.disconnect(seat)
    room.clock.advance(60_000)
    assert service.tables.evict() == 1
    await service.tables.settled()
    kept = await store.snapshot(room.session_id)
    assert kept is not None and kept[0] == version + 1  # and one as it left memory
    read = store.events_read
    back = await room.connect("p2")
    assert store.events_read == read  # loaded from the snapshot alone
    assert states(back)[-1]["rounds"] == 4
    found = await service.tables.stored(room.session_id)
    assert found is not None and found[0] == fold(await store.load(room.session_id))
