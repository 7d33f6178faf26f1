"""A trainer's debrief of one session: JSON (everything), CSV (one row per seat per round and one
per answer, in the session's language, ready for a spreadsheet in that locale) and Markdown
(readable: per round the assignment, who held which strategy, timings, decision, support and
reflections). Built from the log through the trainer's view only."""

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from game import Actor, Event, State, public_dict, view
from game.guesses import recognition

TRAINER = Actor("trainer")

LABELS = {
    "nl": {
        "title": "Theater van Besluit — verslag",
        "session": "Sessie",
        "players": "Deelnemers",
        "round": "Ronde",
        "opdracht": "Opdracht",
        "strategies": "Strategiekaarten",
        "discussion": "Overleg",
        "seconds": "seconden",
        "decision": "Besluit",
        "reached": "Gezamenlijk besluit bereikt",
        "support": "Achter het besluit",
        "recognised": "Herkend (gokken van de andere duo's en deelnemers)",
        "of": "van",
        "reflections": "Reflectie",
        "anonymous": "anoniem",
        "open": "ronde met open kaarten",
        "yes": "ja",
        "partly": "deels",
        "no": "nee",
        "relaxed": "let op: na het verwijderen of wisselen van deelnemers kon niet elke regel gelden",
        "csv": [
            "soort", "ronde", "opdracht", "duo of deelnemer", "strategiekaart", "deelnemer",
            "organisatie", "overleg (seconden)", "besluit", "gezamenlijk besluit bereikt",
            "achter het besluit", "vraag", "antwoord", "kaart goed geraden door",
            "gokken op deze kaart",
        ],
        "seat": "kaart",
        "answer": "antwoord",
        "checkout": "check-out",
        "mean": "gemiddeld",
        "deck": "kaartenset",
        "version": "versie",
    },
    "en": {
        "title": "Theater van Besluit — report",
        "session": "Session",
        "players": "Players",
        "round": "Round",
        "opdracht": "Assignment",
        "strategies": "Strategy cards",
        "discussion": "Discussion",
        "seconds": "seconds",
        "decision": "Decision",
        "reached": "Joint decision reached",
        "support": "Behind the decision",
        "recognised": "Recognised (guesses of the other pairs and players)",
        "of": "of",
        "reflections": "Reflection",
        "anonymous": "anonymous",
        "open": "open-card round",
        "yes": "yes",
        "partly": "partly",
        "no": "no",
        "relaxed": "note: after players were removed or swapped not every dealing rule could hold",
        "csv": [
            "kind", "round", "assignment", "pair or player", "strategy card", "player",
            "organisation", "discussion (seconds)", "decision", "joint decision reached",
            "behind the decision", "question", "answer", "card guessed right by",
            "guesses on this card",
        ],
        "seat": "card",
        "answer": "answer",
        "checkout": "check-out",
        "mean": "mean",
        "deck": "deck",
        "version": "version",
    },
}  # fmt: skip
# A spreadsheet in a Dutch locale splits on semicolons (the comma is the decimal sign there).
CSV_DELIMITER = {"nl": ";", "en": ","}


@dataclass(frozen=True)
class Download:
    media_type: str
    filename: str
    body: str


def debrief(state: State, events: list[Event]) -> dict[str, Any]:
    v = view(state, TRAINER, state.ended_at or (events[-1].at if events else 0))
    titles = {s.id: s.title for s in state.deck.strategies}
    prompts = {p.id: p.text for p in state.deck.prompts}
    rounds = []
    for h in v.get("history", []):
        answers = [a for a in v["answers"] if a["round"] == h["round"]]
        rounds.append(
            {
                **h,
                "open_card": state.settings.open_card_last_round
                and h["round"] == state.settings.rounds,
                "deal": [
                    {
                        **d,
                        "title": titles[d["strategy"]],
                        "names": [state.name(m) for m in d["members"]],
                    }
                    for d in h["deal"]
                ],
                "supports": {state.name(pid): value for pid, value in h["supports"].items()},
                "answers": [{**a, "prompt": prompts[a["prompt_id"]]} for a in answers],
                "recognition": [
                    {
                        "unit": score.unit,
                        "strategy": score.strategy,
                        "title": titles[score.strategy],
                        "names": [
                            state.name(m) for m in state.rounds[h["round"] - 1].members[score.unit]
                        ],
                        "right": score.right,
                        "of": score.of,
                    }
                    for score in recognition(state.rounds[h["round"] - 1])
                    if score.of and state.phase == "ended"  # guesses are secret until then
                ],
            }
        )
    return {
        "session_id": state.session_id,
        "language": state.settings.language,
        "created_at": state.created_at,
        "ended_at": state.ended_at,
        "settings": v.get("settings"),
        "seed": state.seed,
        "players": v["players"],
        "rounds": rounds,
        "checkout": v.get("checkout_results", []),
        "checkout_given": len(state.checkouts),
        "events": [public_dict(e) for e in events],
    }


def _deck_played(d: dict[str, Any], t: dict[str, Any]) -> str:
    """The deck the session was played with, and its version (a library's deck)."""
    settings = d["settings"] or {}
    version = settings.get("deck_version")
    deck = str(settings.get("deck") or "standaard")
    return deck + (f" ({t['version']} {version})" if version else "")


def to_json(state: State, events: list[Event]) -> str:
    return json.dumps(debrief(state, events), ensure_ascii=False, indent=2)


def to_csv(state: State, events: list[Event]) -> str:
    """UTF-8 with a byte-order mark (so Excel reads the accents), words instead of ids."""
    d = debrief(state, events)
    t = LABELS[d["language"]]
    orgs = {p["name"]: p["organisation"] for p in d["players"]}
    rows: list[list[object]] = [list(t["csv"]), [t["deck"], "", _deck_played(d, t)]]
    for r in d["rounds"]:
        decision = r["decision"] or {}
        reached = t[decision["reached"]] if decision else ""
        secs = round(r["discussion_ms"] / 1000)
        opdracht = (r["opdracht"] or {}).get("text", "")
        scores = {s["unit"]: s for s in r["recognition"]}
        for seat in r["deal"]:
            unit = " & ".join(seat["names"])
            score = scores.get(seat["unit"])
            guessed = [score["right"], score["of"]] if score else ["", ""]
            for name in seat["names"]:
                support = r["supports"].get(name)
                rows.append(
                    [t["seat"], r["round"], opdracht, unit, seat["title"], name, orgs.get(name, ""),
                     secs, decision.get("text", ""), reached, t[support] if support else "", "", "",
                     *guessed]
                )  # fmt: skip
        for a in r["answers"]:
            rows.append(
                [t["answer"], r["round"], opdracht, "", "", a["author"] or t["anonymous"], "", "",
                 "", "", "", a["prompt"], a["text"], "", ""]
            )  # fmt: skip
    for q in d["checkout"]:  # one row per answer, in an order that tells nothing of who gave it
        given = [n for n, c in enumerate(q["counts"], start=1) for _ in range(c)] + q["lines"]
        for value in given:
            rows.append([t["checkout"], "", "", "", "", "", "", "", "", "", "", q["text"], value])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITER[d["language"]], lineterminator="\r\n")
    writer.writerows([[safe_cell(v) for v in row] for row in rows])
    return "\ufeff" + out.getvalue()


def safe_cell(value: object) -> object:
    """Spreadsheet apps run cells that start with = + - @; a player's text must never do that."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# What could turn a line of someone's text into Markdown structure: a heading, quote, list,
# table, fence or setext underline at its start; raw HTML, links, emphasis and entities inside.
_LINE_START = re.compile(r"^([#>+*=|~`:_-]|\d+(?=[.)]))")
_INLINE = re.compile(r"([\\`*_\[\]]|<(?=[A-Za-z/!?])|&(?=#?\w+;))")


def md_text(text: str, indent: str = "") -> str:
    """User text as Markdown that renders exactly as typed and cannot change the document's
    structure. Only the few characters that could are escaped, so ordinary prose reads the same
    in the raw file. Later lines are indented by `indent` to stay inside their list item."""
    lines = []
    for line in text.split("\n"):
        line = _INLINE.sub(r"\\\1", line)
        match = _LINE_START.match(line)
        if match and match.group(1).isdigit():
            line = f"{match.group(1)}\\{line[match.end() :]}"  # 1. -> 1\.
        elif match:
            line = "\\" + line
        lines.append(line)
    return f"  \n{indent}".join(lines)


def to_markdown(state: State, events: list[Event]) -> str:
    d = debrief(state, events)
    t = LABELS[d["language"]]
    lines = [f"# {t['title']}", "", f"{t['session']}: `{d['session_id']}`", ""]
    lines += [f"{str(t['deck']).capitalize()}: {md_text(_deck_played(d, t))}", ""]
    lines.append(f"## {t['players']}")
    for p in d["players"]:
        org = f" ({md_text(p['organisation'])})" if p["organisation"] else ""
        lines.append(f"- {md_text(p['name'])}{org}")
    for r in d["rounds"]:
        open_card = f" — {t['open']}" if r["open_card"] else ""
        lines += ["", f"## {t['round']} {r['round']}{open_card}", ""]
        if r["opdracht"]:
            lines.append(f"**{t['opdracht']}:** {md_text(r['opdracht']['text'])}")
        lines += ["", f"**{t['strategies']}:**", ""]
        for seat in r["deal"]:
            lines.append(f"- {seat['title']}: {md_text(' & '.join(seat['names']))}")
        if r["relaxed"]:
            lines.append(f"- _{t['relaxed']}_")
        seconds = round(r["discussion_ms"] / 1000)
        lines += ["", f"**{t['discussion']}:** {seconds} {t['seconds']}", ""]
        decision = r["decision"]
        if decision:
            lines.append(f"**{t['decision']}:** {md_text(decision['text'])}")
            lines += ["", f"**{t['reached']}:** {t[decision['reached']]}", ""]
        if r["supports"]:
            votes = " · ".join(f"{md_text(n)}: {t[v]}" for n, v in r["supports"].items())
            lines += [f"**{t['support']}:** {votes}", ""]
        if r["recognition"]:
            lines += [f"**{t['recognised']}:**", ""]
            for score in r["recognition"]:
                names = md_text(" & ".join(score["names"]))
                lines.append(
                    f"- {score['title']} ({names}): {score['right']} {t['of']} {score['of']}"
                )
            lines.append("")
        if r["answers"]:
            lines += [f"### {t['reflections']}"]
            for prompt_id in dict.fromkeys(a["prompt_id"] for a in r["answers"]):
                group = [a for a in r["answers"] if a["prompt_id"] == prompt_id]
                lines += ["", f"_{md_text(group[0]['prompt'])}_", ""]
                for a in group:
                    who = md_text(a["author"]) if a["author"] else f"_{t['anonymous']}_"
                    lines.append(f"- {who}: {md_text(a['text'], indent='  ')}")
    if d["checkout"]:
        lines += ["", f"## Check-out ({d['checkout_given']})"]
        for q in d["checkout"]:
            lines += ["", f"_{md_text(q['text'])}_", ""]
            if q["kind"] == "scale" and q["mean"] is not None:
                mean = str(q["mean"]).replace(".", "," if d["language"] == "nl" else ".")
                counts = " · ".join(f"{n}: {c}" for n, c in enumerate(q["counts"], start=1))
                lines.append(f"- {t['mean']} {mean} (n = {q['answered']}) · {counts}")
            lines += [f"- {md_text(line, indent='  ')}" for line in q["lines"]]
    return "\n".join(lines) + "\n"


RENDERERS = {
    "json": ("application/json", to_json),
    "csv": ("text/csv; charset=utf-8", to_csv),
    "md": ("text/markdown; charset=utf-8", to_markdown),
}


def render(state: State, events: list[Event], fmt: str) -> Download:
    media_type, renderer = RENDERERS[fmt]
    return Download(media_type, f"theater-{state.session_id}.{fmt}", renderer(state, events))


def render_workshop(
    workshop: State, tables: list[tuple[int, State, list[Event]]], fmt: str
) -> Download:
    """One download for a whole workshop: each table's debrief under its number."""
    media_type, renderer = RENDERERS[fmt]
    label = "Tafel" if workshop.settings.language == "nl" else "Table"
    if fmt == "json":
        body = json.dumps(
            {
                "workshop": workshop.session_id,
                "tables": [{"table": n, **debrief(state, events)} for n, state, events in tables],
            },
            ensure_ascii=False,
            indent=2,
        )
    elif fmt == "csv":  # one sheet: each table's rows (quoted newlines kept) under its number
        delimiter = CSV_DELIMITER[workshop.settings.language]
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        for i, (n, state, events) in enumerate(tables):
            text = renderer(state, events).lstrip("\ufeff")
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
            if i == 0:
                writer.writerow([label, *rows[0]])
            writer.writerows([n, *row] for row in rows[1:])
        body = "\ufeff" + out.getvalue()
    else:
        body = "\n\n---\n\n".join(
            f"# {label} {n}\n\n" + renderer(state, events) for n, state, events in tables
        )
    return Download(media_type, f"theater-workshop-{workshop.session_id}.{fmt}", body)
