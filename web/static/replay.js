// A trainer reads back a session: what happened, in words and clock time, and at any step what
// any participant saw. Anonymous answers stay anonymous here too.
import { call, exportButtons } from "./staff.js";
import { h, mount, phaseLine, sessionIdFromPath, setupChrome, showError, takeToken, unitNames } from "./common.js";
import { decisionBlock, opdrachtCard, promptCard } from "./components.js";
import { summary } from "./ending.js";
import { t } from "./i18n.js";

const sessionId = sessionIdFromPath();
const token = takeToken("trainer", sessionId);
let viewer = "trainer";
let version = 1;
let data = null;
let events = [];

const api = (path) => call(`/api/sessions/${sessionId}/${path}`, token);

async function load(next = version) {
  try {
    data = await api(`replay?version=${next}&viewer=${encodeURIComponent(viewer)}`);
    version = data.version;
    render();
  } catch (error) { showError(error); }
}

function roundStart(direction) {
  const starts = events.map((e, i) => (["game_started", "round_started"].includes(e.type) ? i + 1 : 0)).filter(Boolean);
  const target = direction > 0 ? starts.find((v) => v > version) : starts.reverse().find((v) => v < version);
  return target ?? (direction > 0 ? events.length : 1);
}

// The log in words: who did what, at what time (the names as they were then).
function sentences() {
  const names = {};
  const knocks = {};  // knock id -> the name that asked to join
  const units = {};
  let prompts = {};
  let rounds = 3;
  let round = 0;
  const labels = {};  // co-facilitators by id
  const asked = (index) => {
    const ids = round < rounds ? ["in-spel-1", "in-spel-2", "in-spel-3"]
      : [1, 2, 3, 4, 5].map((i) => `over-spel-${i}`).concat([1, 2, 3, 4, 5, 6].map((i) => `uit-spel-${i}`));
    return prompts[ids[index - 1]] ?? "";
  };
  const clock = new Intl.DateTimeFormat(document.documentElement.lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return events.map((e) => {
    const who = (id) => names[id] ?? id;
    const unitOf = (id) => (units[id] ?? []).map(who).join(" & ");
    let text;
    switch (e.type) {
      case "session_created": prompts = Object.fromEntries(e.deck.prompts.map((p) => [p.id, p.text])); rounds = e.settings.rounds; text = t("ev.session_created"); break;
      case "settings_changed": rounds = e.settings.rounds; text = t("ev.settings_changed"); break;
      case "player_joined": names[e.player_id] = e.name; text = t("ev.player_joined", { name: e.name }); break;
      case "player_removed": case "picker_set": case "player_restored": case "player_seated": case "seat_reissued": case "seat_claimed":
        text = t(`ev.${e.type}`, { name: who(e.player_id) }); break;
      case "player_moved": text = t("ev.player_moved", { name: who(e.player_id), table: e.table }); break;
      case "facilitator_called": text = t("ev.facilitator_called", { name: who(e.player_id) }); break;
      case "guess_given": text = t("ev.guess_given", { name: who(e.player_id), unit: unitOf(e.unit_id) }); break;
      case "message_sent": text = t("ev.message_sent", { text: e.text }); break;
      case "facilitator_added": labels[e.facilitator_id] = e.label; text = t("ev.facilitator_added", { label: e.label }); break;
      case "facilitator_revoked": text = t("ev.facilitator_revoked", { label: labels[e.facilitator_id] ?? e.facilitator_id }); break;
      case "game_started": for (const u of e.units) units[u.id] = u.members; round = 1; text = t("ev.game_started"); break;
      case "players_swapped": text = t("ev.players_swapped", { a: who(e.a), b: who(e.b) }); break;
      case "opdracht_chosen": text = t("ev.opdracht_chosen", { round: e.round, how: t(`ev.how.${e.how}`, { name: who(e.by) }) }); break;
      case "unit_ready": text = e.player_id ? t("ev.unit_ready", { name: who(e.player_id) }) : t("ev.unit_ready_paper", { unit: unitOf(e.unit_id) }); break;
      case "unit_on_paper": text = t(e.paper ? "ev.unit_on_paper" : "ev.unit_off_paper", { unit: unitOf(e.unit_id) }); break;
      case "card_revealed": text = t("ev.card_revealed", { unit: unitOf(e.unit_id) }); break;
      case "timer_started": text = t("ev.timer_started", { minutes: t("minutes", { n: Math.round(e.duration_ms / 60000) }) }); break;
      case "timer_extended": text = t("ev.timer_extended", { seconds: t("seconds", { n: Math.round(e.by_ms / 1000) }) }); break;
      case "decision_recorded": text = t("ev.decision_recorded", { text: e.text, reached: t(`reached.${e.reached}`) }); break;
      case "support_given": text = t("ev.support_given", { name: who(e.player_id), value: t(`ev.support.${e.value}`) }); break;
      case "prompt_shown": text = t("ev.prompt_shown", { text: asked(e.index) }); break;
      case "answer_given": text = t("ev.answer_given", { name: e.player_id ? who(e.player_id) : t("fac.anonymous"), text: e.text }); break;
      case "answer_shown": text = t(e.shown ? "ev.answer_shown" : "ev.answer_hidden"); break;
      case "round_started": round = e.round; text = t("ev.round_started", { round: e.round }); break;
      case "joining_locked": text = t(e.locked ? "ev.joining_locked" : "ev.joining_open"); break;
      case "knocked": knocks[e.knock_id] = e.name; text = t(e.returning ? "ev.knocked_again" : "ev.knocked", { name: e.name }); break;
      case "knock_refused": text = t("ev.knock_refused", { name: knocks[e.knock_id] ?? "" }); break;
      case "reading_time_given": text = t(e.player_id ? (e.more ? "ev.reading_time_given" : "ev.reading_time_taken") : (e.more ? "ev.reading_time_all" : "ev.reading_time_none"), { name: who(e.player_id) }); break;
      default: text = t(`ev.${e.type}`);
    }
    if (e.facilitator && e.facilitator !== "f1") text += ` (${t("ev.by", { label: labels[e.facilitator] ?? e.facilitator })})`;
    return { at: clock.format(e.at), text };
  });
}

function timeline() {
  return h("section", { class: "timeline" }, h("h2", {}, t("replay.timeline")),
    h("ol", {}, sentences().map((s, i) => h("li", { class: i + 1 === version ? "current" : "" },
      h("button", { type: "button", class: "link", key: `step-${i + 1}`, "aria-current": i + 1 === version ? "step" : null, onclick: () => load(i + 1) },
        h("time", {}, s.at), " ", s.text)))));
}

// A workshop: each table's replay (the trainer's link opens every table); a table: its workshop.
function workshopLinks(v) {
  const formed = events.find((e) => e.type === "tables_formed");
  const rows = formed ? formed.tables.map((table) => [`/r/${table.session_id}#${token}`, t("replay.table", { n: table.number })])
    : v.workshop?.table ? [[`/r/${v.workshop.id}#${token}`, t("replay.workshop")]] : [];
  return rows.length ? h("nav", { class: "row", "aria-label": t("replay.tables") }, rows.map(([href, label]) => h("a", { class: "button secondary", href }, label))) : null;
}

function viewBlock(v) {
  return [
    h("p", { class: "phase" }, phaseLine(v)),
    opdrachtCard(v.opdracht),
    h("table", {}, h("tbody", {}, v.units.map((u) => h("tr", {}, h("th", { scope: "row" }, unitNames(v, u)),
      h("td", {}, u.strategy ? u.strategy.title : t("card.hidden")), h("td", {}, u.ready ? "✓" : ""))))),
    decisionBlock(v),
    promptCard(v.prompt),
    v.answers.length ? h("section", {}, h("h2", {}, t("replay.answers")),
      h("ul", {}, v.answers.map((a) => h("li", {}, h("strong", {}, `${a.author ?? t("fac.anonymous")}: `), a.text)))) : null,
    summary(v),
  ];
}

function render() {
  if (!data) return;
  const v = data.view;
  const who = h("select", { id: "viewer", onchange: (e) => { viewer = e.target.value; load(); } },
    h("option", { value: "trainer", selected: viewer === "trainer" }, t("replay.trainer")),
    h("option", { value: "screen", selected: viewer === "screen" }, t("replay.screen")),
    v.players.map((p) => h("option", { value: p.id, selected: viewer === p.id }, p.name)));
  const step = h("input", { id: "step", type: "range", min: 1, max: data.versions, value: version, onchange: (e) => load(Number(e.target.value)) });
  mount(document.getElementById("app"),
    workshopLinks(v),
    h("div", { class: "replay" },
      h("div", {},
        h("div", { class: "row" }, h("label", { for: "viewer" }, t("replay.viewer")), who),
        h("label", { for: "step" }, t("replay.step", { version, versions: data.versions })), step,
        h("div", { class: "row" },
          h("button", { type: "button", class: "secondary", key: "prev-round", disabled: version <= 1, onclick: () => load(roundStart(-1)) }, t("replay.prevRound")),
          h("button", { type: "button", class: "secondary", key: "prev", disabled: version <= 1, onclick: () => load(version - 1) }, t("replay.prev")),
          h("button", { type: "button", key: "next", disabled: version >= data.versions, onclick: () => load(version + 1) }, t("replay.next")),
          h("button", { type: "button", class: "secondary", key: "next-round", disabled: version >= data.versions, onclick: () => load(roundStart(1)) }, t("replay.nextRound"))),
        h("p", { role: "status", class: "now" }, sentences()[version - 1]?.text ?? ""),
        viewBlock(v),
        exportButtons(sessionId, token)),
      timeline()));
}

setupChrome(render);
api("events").then((list) => { events = list; return load(1); }).catch(showError);
