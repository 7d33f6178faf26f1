"""A workshop's tables before they are formed: the fair split of its players, then the moves the
facilitator made. Both the rule that forms them and the facilitator's view read it here."""

from game import dealing
from game.state import State


def proposal(state: State) -> list[list[str]]:
    """A workshop's tables as they would be formed now: the fair split, then the facilitator's
    moves."""
    most = min(dealing.TABLE_MAX, 2 * len(state.deck.strategies))
    count = dealing.table_count(len(state.players), state.settings.tables or 1, most)
    people = [(p.id, p.organisation) for p in state.players.values()]
    tables = dealing.form_tables(people, count, state.seed)
    for pid, number in state.moves.items():
        if pid in state.players and number <= count:
            for table in tables:
                if pid in table:
                    table.remove(pid)
            tables[number - 1].append(pid)
    return tables


def table_code(workshop_code: str, number: int) -> str:
    """A table's own code: never typed (players join with the workshop's), unique with it."""
    return f"{workshop_code}-{number}"
