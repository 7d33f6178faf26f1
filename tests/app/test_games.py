"""Whole games over real sockets against a real server: the dealing rules checked from the wire,
and every frame every player and the screen received scanned for leaked cards."""

import httpx

from tests.app.server import Server
from tests.app.wire import check_deals, check_guesses, check_no_leaks, names, play_game, seat


async def test_a_twelve_player_game_in_duos_keeps_every_rule_and_secret(
    server: Server, http: httpx.AsyncClient
) -> None:
    g = await seat(server, http, names(12), round_seconds=120)
    await play_game(g)
    units = g.fac.view["units"]
    assert len(units) == 6 and all(len(u["members"]) == 2 for u in units)
    for u in units:  # duos mix organisations when they can
        orgs = {p["organisation"] for p in g.fac.view["players"] if p["id"] in u["members"]}
        assert len(orgs) == 2
    check_deals(g)
    assert len(g.deals) == 3
    assert check_no_leaks(g) > 500
    check_guesses(g)
    assert g.guesses  # the two closed-card rounds were guessed
    # both members of a duo saw their unit's card in round 1
    for u in units:
        for member in u["members"]:
            seen = [
                f["view"]
                for f in g.players[member].frames
                if f["type"] == "state"
                and f["view"]["round"] == 1
                and f["view"]["phase"] == "reading"
            ]
            mine = next(x for x in seen[-1]["units"] if x["id"] == u["id"])
            assert mine["strategy"]["id"] == g.deals[1][u["id"]]
    r = await http.get(
        f"/api/sessions/{g.session.id}/export?format=md",
        headers={"Authorization": f"Bearer {g.session.token('trainer')}"},
    )
    md = r.text
    assert "## Ronde 3 — ronde met open kaarten" in md and "Speler 12" in md
    assert "Besluit ronde 2 \\<b>&\\</b>" in md  # user text escaped in the debrief
    assert "_anoniem_: Antwoord 2" in md
    assert "**Herkend (gokken van de andere duo's en deelnemers):**" in md
    await g.close()


async def test_a_five_player_game_with_a_round_without_consensus(
    server: Server, http: httpx.AsyncClient
) -> None:
    g = await seat(
        server, http, names(5), rounds=3, no_consensus_round=2, round_seconds=60, language="en"
    )
    await play_game(g)
    assert all(len(u["members"]) == 1 for u in g.fac.view["units"])
    check_deals(g, no_consensus_round=2)
    check_no_leaks(g, "en")
    for c in [g.screen, *g.players.values()]:
        assert all("no_consensus_round" not in r for r in c.raw)
    await g.close()
