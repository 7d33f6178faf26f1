// A trainer steps through a finished (or running) session, event by event or round by round,
// seeing what any participant saw at that moment; and downloads the debrief.
import { downloadExport, formatMs, h, mount, nameOf, phaseLine, sessionIdFromPath, setupChrome, showError, unitNames } from "./common.js";
import { t } from "./i18n.js";

const sessionId = sessionIdFromPath();
const token = location.hash.slice(1);
let viewer = "trainer";
let version = 1;
let data = null;
let events = [];

async function api(path) {
  const response = await fetch(`/api/sessions/${sessionId}/${path}`, { headers: { Authorization: `Bearer ${token}` } });
  const body = await response.json();
  if (!response.ok) throw body.error;
  return body;
}

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

function viewBlock(v) {
  return [
    h("p", { class: "phase" }, phaseLine(v)),
    v.opdracht ? h("section", { class: "card" }, h("h2", { class: "label" }, t("opdracht.heading")), h("p", {}, v.opdracht.text)) : null,
    h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("fac.units")), h("th", { scope: "col" }, t("fac.strategy")), h("th", { scope: "col" }, t("card.isReady")))),
      h("tbody", {}, v.units.map((u) => h("tr", {}, h("th", { scope: "row" }, unitNames(v, u)),
        h("td", {}, u.strategy ? u.strategy.title : t("card.hidden")), h("td", {}, u.ready ? t("card.isReady") : ""))))),
    v.phase === "discussing" ? h("p", {}, `${t("timer.label")}: ${formatMs(v.timer.remaining_ms)}`) : null,
    v.decision ? h("p", {}, `${t("phase.deciding")}: `, v.decision.text, ` (${t(`reached.${v.decision.reached}`)})`) : null,
    v.prompt ? h("p", {}, h("strong", {}, t("reflect.question", { index: v.prompt.index, count: v.prompt.count })), " ", v.prompt.text) : null,
    v.answers.length ? h("section", {}, h("h2", {}, t("replay.answers")),
      h("ul", {}, v.answers.map((a) => h("li", {}, a.author ? h("strong", {}, `${a.author}: `) : `${t("fac.anonymous")}: `, a.text)))) : null,
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
    h("div", { class: "row" }, h("label", { for: "viewer" }, t("replay.viewer")), who),
    h("label", { for: "step" }, t("replay.step", { version, versions: data.versions })), step,
    h("div", { class: "row" },
      h("button", { type: "button", class: "secondary", disabled: version <= 1, onclick: () => load(roundStart(-1)) }, t("replay.prevRound")),
      h("button", { type: "button", class: "secondary", disabled: version <= 1, onclick: () => load(version - 1) }, t("replay.prevEvent")),
      h("button", { type: "button", disabled: version >= data.versions, onclick: () => load(version + 1) }, t("replay.nextEvent")),
      h("button", { type: "button", class: "secondary", disabled: version >= data.versions, onclick: () => load(roundStart(1)) }, t("replay.nextRound"))),
    h("p", { role: "status" }, t("replay.event", { type: data.event.type })),
    viewBlock(v),
    h("div", { class: "row" }, ["md", "csv", "json"].map((format) => h("button", { type: "button", class: "secondary", onclick: () => downloadExport(sessionId, token, format) }, t("fac.export", { format })))));
}

setupChrome(render);
api("events").then((list) => { events = list; return load(1); }).catch(showError);
