"""A small driver for the pure rules: a state plus the events that made it, one command at a time."""

from dataclasses import dataclass, field
from typing import Any

from cards import load_decks
from game import (
    FACILITATOR,
    Actor,
    Event,
    Settings,
    State,
    View,
    create_session,
    decide,
    evolve,
    view,
)
from game.timer import due

T0 = 1_700_000_000_000


def seat(player_id: str) -> Actor:
    """A player as the server knows them after their hello (with the key of their own token)."""
    return Actor("player", player_id, answer_key=f"key-of-{player_id}")


@dataclass
class Play:
    state: State
    events: list[Event] = field(default_factory=list)
    now: int = T0

    @classmethod
    def new(
        cls,
        players: int = 0,
        *,
        orgs: list[str] | None = None,
        seed: int = 7,
        time_scale: float = 1.0,
        session_id: str = "s1",
        join_code: str = "ABC234",
        now: int = T0,
        **settings: Any,
    ) -> "Play":
        created = create_session(
            session_id=session_id,
            join_code=join_code,
            settings=Settings(**settings),
            decks=load_decks("standaard"),
            seed=seed,
            time_scale=time_scale,
            token_hashes={"facilitator": "f", "screen": "s", "trainer": "t"},
            now=now,
        )
        table = cls(evolve(None, created), [created], now)
        for i in range(players):
            table.join(f"Speler {i + 1}", orgs[i] if orgs else "")
        return table

    def do(self, actor: Actor, name: str, args: dict[str, Any] | None = None) -> list[Event]:
        events = decide(self.state, actor, name, args or {}, self.now)
        for event in events:
            self.state = evolve(self.state, event)
        self.events.extend(events)
        return events

    def fac(self, name: str, args: dict[str, Any] | None = None) -> list[Event]:
        return self.do(FACILITATOR, name, args)

    def player(self, player_id: str, name: str, args: dict[str, Any] | None = None) -> list[Event]:
        return self.do(seat(player_id), name, args)

    def join(self, name: str, organisation: str = "") -> str:
        [event] = self.do(
            Actor(None),
            "join",
            {"name": name, "organisation": organisation, "token_hash": f"h-{name}"},
        )
        return event.player_id  # type: ignore[union-attr]

    def tick(self, ms: int) -> list[Event]:
        """Let time pass and fire whatever timer events fall due, as the server's scheduler does."""
        self.now += ms
        events = due(self.state, self.now)
        for event in events:
            self.state = evolve(self.state, event)
        self.events.extend(events)
        return events

    def view_of(self, actor: Actor) -> View:
        return view(self.state, actor, self.now, connected=set(self.state.players))

    def view(self, actor: Actor, language: str) -> View:
        return view(self.state, actor, self.now, set(self.state.players), language)

    def unit_member(self, unit_id: str) -> str:
        return self.state.units[unit_id].members[0]

    def play_round(self, decision: str = "Besluit", reached: str = "yes") -> None:
        """From choosing to deciding: the facilitator draws, everyone is ready, time runs out."""
        self.fac("choose_opdracht")
        for uid in list(self.state.units):
            self.player(self.unit_member(uid), "ready")
            if self.state.open_card:
                self.player(self.unit_member(uid), "reveal", {"unit_id": uid})
        self.fac("start_timer")
        self.tick(self.state.timer.duration_ms)
        self.fac("record_decision", {"text": decision, "reached": reached})

    def play_game(self) -> None:
        self.fac("start_game")
        for r in range(1, self.state.settings.rounds + 1):
            self.play_round(f"Besluit {r}")
            if r < self.state.settings.rounds:
                self.fac("next_round")
        self.fac("end_game")
