"""A trainer's debrief of one session: JSON (everything), CSV (one row per seat per round, and one
per answer) and Markdown (readable: per round the assignment, who held which strategy, timings,
decision, support and reflections). Built from the log through the trainer's view only."""

import csv
import io
import json
from typing import Any

from game import Actor, Event, State, public_dict, view

TRAINER = Actor("trainer")

LABELS = {
    "nl": {
        "title": "Theater van Besluit — verslag",
        "session": "Sessie",
        "players": "Deelnemers",
        "round": "Ronde",
        "opdracht": "Opdracht",
        "strategies": "Strategieën",
        "discussion": "Overleg",
        "seconds": "seconden",
        "decision": "Besluit",
        "reached": "Gezamenlijk besluit bereikt",
        "support": "Staat achter het besluit",
        "reflections": "Reflectie",
        "anonymous": "anoniem",
        "none": "geen",
        "open": "open kaart",
        "yes": "ja",
        "partly": "deels",
        "no": "nee",
        "relaxed": "let op: na het verwijderen van spelers kon niet elke regel gelden",
    },
    "en": {
        "title": "Theater van Besluit — debrief",
        "session": "Session",
        "players": "Players",
        "round": "Round",
        "opdracht": "Assignment",
        "strategies": "Strategies",
        "discussion": "Discussion",
        "seconds": "seconds",
        "decision": "Decision",
        "reached": "Joint decision reached",
        "support": "Stands behind the decision",
        "reflections": "Reflection",
        "anonymous": "anonymous",
        "none": "none",
        "open": "open card",
        "yes": "yes",
        "partly": "partly",
        "no": "no",
        "relaxed": "note: after players were removed not every dealing rule could hold",
    },
}


def debrief(state: State, events: list[Event]) -> dict[str, Any]:
    v = view(state, TRAINER, state.ended_at or (events[-1].at if events else 0))
    names = {p["id"]: p["name"] for p in v["players"]}
    strategies = {s.id: s.title for s in state.deck.strategies}
    prompts = {p.id: p.text for p in state.deck.prompts}
    rounds = []
    for h in v["history"]:
        answers = [a for a in v["answers"] if a["round"] == h["round"]]
        rounds.append(
            {
                **h,
                "open_card": state.settings.open_card_last_round
                and h["round"] == state.settings.rounds,
                "deal": [
                    {
                        **d,
                        "title": strategies[d["strategy"]],
                        "names": [names.get(m, m) for m in d["members"]],
                    }
                    for d in h["deal"]
                ],
                "supports": {names.get(pid, pid): value for pid, value in h["supports"].items()},
                "answers": [{**a, "prompt": prompts[a["prompt_id"]]} for a in answers],
            }
        )
    return {
        "session_id": state.session_id,
        "language": state.settings.language,
        "created_at": state.created_at,
        "ended_at": state.ended_at,
        "settings": v["settings"],
        "seed": state.seed,
        "players": v["players"],
        "rounds": rounds,
        "events": [public_dict(e) for e in events],
    }


def to_json(state: State, events: list[Event]) -> str:
    return json.dumps(debrief(state, events), ensure_ascii=False, indent=2)


def to_csv(state: State, events: list[Event]) -> str:
    d = debrief(state, events)
    orgs = {p["name"]: p["organisation"] for p in d["players"]}
    rows: list[list[object]] = [
        ["kind", "round", "opdracht_id", "unit", "strategy", "player", "organisation",
         "discussion_seconds", "decision", "reached", "support", "prompt_id", "text"]
    ]  # fmt: skip
    for r in d["rounds"]:
        decision = r["decision"] or {}
        secs = round(r["discussion_ms"] / 1000)
        opdracht = (r["opdracht"] or {}).get("id", "")
        for seat in r["deal"]:
            for name in seat["names"]:
                rows.append(
                    ["seat", r["round"], opdracht, seat["unit"], seat["strategy"], name,
                     orgs.get(name, ""), secs, decision.get("text", ""),
                     decision.get("reached", ""), r["supports"].get(name, ""), "", ""]
                )  # fmt: skip
        for a in r["answers"]:
            rows.append(
                ["answer", r["round"], opdracht, "", "", a["author"] or "", "", "", "", "", "",
                 a["prompt_id"], a["text"]]
            )  # fmt: skip
    out = io.StringIO()
    csv.writer(out).writerows([[_cell(v) for v in row] for row in rows])
    return out.getvalue()


def _cell(value: object) -> object:
    """Spreadsheet apps run cells that start with = + - @; a player's text must never do that."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_markdown(state: State, events: list[Event]) -> str:
    d = debrief(state, events)
    t = LABELS[d["language"]]

    def esc(text: str) -> str:
        return "".join("\\" + ch if ch in "\\`*_{}[]<>()#+-.!|" else ch for ch in text)

    lines = [f"# {t['title']}", "", f"{t['session']}: `{d['session_id']}`", ""]
    lines.append(f"## {t['players']}")
    for p in d["players"]:
        org = f" ({esc(p['organisation'])})" if p["organisation"] else ""
        lines.append(f"- {esc(p['name'])}{org}")
    for r in d["rounds"]:
        open_card = f" — {t['open']}" if r["open_card"] else ""
        lines += ["", f"## {t['round']} {r['round']}{open_card}", ""]
        if r["opdracht"]:
            lines.append(f"**{t['opdracht']}:** {esc(r['opdracht']['text'])}")
        lines += ["", f"**{t['strategies']}:**"]
        for seat in r["deal"]:
            lines.append(f"- {seat['title']}: {esc(', '.join(seat['names']))}")
        if r["relaxed"]:
            lines.append(f"- _{t['relaxed']}_")
        lines += ["", f"**{t['discussion']}:** {round(r['discussion_ms'] / 1000)} {t['seconds']}"]
        decision = r["decision"]
        if decision:
            lines.append(f"**{t['decision']}:** {esc(decision['text'])}")
            lines.append(f"**{t['reached']}:** {t[decision['reached']]}")
        if r["supports"]:
            votes = ", ".join(f"{esc(n)}: {t[v]}" for n, v in r["supports"].items())
            lines.append(f"**{t['support']}:** {votes}")
        if r["answers"]:
            lines += ["", f"### {t['reflections']}"]
            for prompt_id in dict.fromkeys(a["prompt_id"] for a in r["answers"]):
                group = [a for a in r["answers"] if a["prompt_id"] == prompt_id]
                lines += ["", f"_{esc(group[0]['prompt'])}_"]
                for a in group:
                    who = esc(a["author"]) if a["author"] else t["anonymous"]
                    lines.append(f"- {who}: {esc(a['text'])}")
    return "\n".join(lines) + "\n"


FORMATS = {
    "json": ("application/json", to_json),
    "csv": ("text/csv; charset=utf-8", to_csv),
    "md": ("text/markdown; charset=utf-8", to_markdown),
}
