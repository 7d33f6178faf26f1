"""Workshops and trainers' libraries in process (the in-memory store, the local bus, a fake clock):
the same service the real servers run, without a socket, so a change to either is tried in a
second. The wire and several real servers are tried in `test_workshops.py`, `test_library.py`
and `tests/scaled/`."""

import pytest

from app.service import AppError, Refusal, Service
from game import Settings
from tests.app.test_service import states

HERE = "10.0.0.1"


async def test_a_workshop_forms_its_tables_and_steers_them_together(service: Service) -> None:
    created = await service.create(Settings(tables=2), HERE)
    fac = created.tokens["facilitator"]
    players = [await service.join(created.join_code, f"Deelnemer {i}", "", HERE) for i in range(8)]
    assert {p.session_id for p in players} == {created.session_id}, "all wait in the lobby"
    lobby = await service.seats.connect(created.session_id, players[0].player_token)
    workshop = await service.get(created.session_id)
    assert workshop is not None
    actor = service.access.authenticate(workshop, fac)
    assert actor is not None
    with pytest.raises(Refusal) as lobby_only:  # the lobby takes only the workshop's commands
        await workshop.execute(actor, "start_game", {})
    assert (lobby_only.value.code, lobby_only.value.reason) == ("invalid_phase", "workshop_lobby")

    tables = await service.workshops.form_tables(created.session_id, fac)
    assert len(tables) == 2
    assert states(lobby)[-1]["workshop"]["tables"], "the lobby phone learns its table"
    results = await service.workshops.command_tables(created.session_id, fac, "start_game", {})
    assert [r.error for r in results] == [None, None]
    for session_id in tables:
        table = await service.get(session_id)
        assert table is not None and table.state.phase == "choosing"
        assert len(table.state.players) == 4

    late = await service.join(created.join_code, "Laatkomer", "", HERE)
    assert late.session_id in tables, "a latecomer is sent to a table"
    with pytest.raises(AppError) as refused:  # one table's business is never sent to all
        await service.workshops.command_tables(created.session_id, fac, "swap_players", {})
    assert refused.value.code == "invalid_args" and "start_game" in refused.value.message
    screen = created.tokens["screen"]
    with pytest.raises(AppError):  # only the facilitator steers every table
        await service.workshops.command_tables(created.session_id, screen, "end_game", {})


async def test_a_library_files_lists_and_forgets_in_process(service: Service) -> None:
    libraries = service.libraries
    ana = await libraries.create("Ana", HERE)
    made = await libraries.create_session(ana.library_id, ana.key, Settings(), "GGD", HERE)
    other = await service.create(Settings(), HERE)
    await libraries.add(ana.library_id, ana.key, other.session_id, other.tokens["trainer"], "Wijk")
    _, entries = await libraries.listing(ana.library_id, ana.key)
    assert sorted((e.label, e.owned) for e in entries) == [("GGD", True), ("Wijk", False)]
    count, charts = await libraries.insights(ana.library_id, ana.key, "nl")
    assert count == 2 and charts

    bob = await libraries.create("Bob", HERE)
    with pytest.raises(AppError) as foreign:
        await libraries.listing(ana.library_id, bob.key)
    assert foreign.value.code == "forbidden"
    rotated = await libraries.rotate(ana.library_id, ana.key)
    with pytest.raises(AppError):
        await libraries.listing(ana.library_id, ana.key)
    await libraries.remove(ana.library_id, rotated.key, other.session_id)  # only filed: it stays
    await libraries.remove(ana.library_id, rotated.key, made.session_id)  # owned: deleted
    assert await service.get(other.session_id) is not None
    assert await service.get(made.session_id) is None
    _, entries = await libraries.listing(ana.library_id, rotated.key)
    assert entries == []
