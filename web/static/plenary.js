// The plenary screen of a workshop (projector or shared video-call screen): the one code while
// people join, then every table side by side (phase, clock, decision, the answers each table put
// on its screen). Public things only: it reads with the screen's link.
import { formatMs, h, keepAwake, messageBanner, mount, phaseLine, remainingMs, ROUND, sessionIdFromPath, setupChrome, showStatus, startClock, TableSocket, takeToken } from "./common.js";
import { decisionBlock } from "./components.js";
import { followTables, joinPanel } from "./room.js";
import { t } from "./i18n.js";

const sessionId = sessionIdFromPath();
const token = takeToken("screen", sessionId);
let lobby = null;
let socket = null;
const tables = new Map();

function tile(entry) {
  const v = entry.view;
  const heading = h("h2", {}, t("table.n", { n: entry.number }));
  if (!v) return h("section", { class: "table-card" }, heading);
  const running = v.timer.status === "running";
  const shown = v.answers.filter((a) => a.shown);
  return h("section", { class: "table-card" }, heading, h("p", { class: "phase" }, phaseLine({ ...v, workshop: null })),
    ["discussing", "deciding"].includes(v.phase) && !v.decision
      ? h("p", { class: "table-clock big", "data-deadline": running ? String(v.timer.deadline) : null }, formatMs(remainingMs(v.timer))) : null,
    v.opdracht && ["reading", "discussing", "deciding"].includes(v.phase) && !v.decision ? h("p", { class: "tile-opdracht" }, v.opdracht.text) : null,
    v.decision ? decisionBlock(v) : null,
    shown.length ? h("ul", { class: "wall small", "aria-label": t("plenary.answers") }, shown.map((a) => h("li", {}, a.text))) : null);
}

function render() {
  if (!lobby) return;
  keepAwake([...tables.values()].some((e) => ROUND.includes(e.view?.phase)));
  const formed = lobby.workshop?.tables.length > 0;
  const any = [...tables.values()].find((e) => e.view?.message)?.view;
  mount(document.getElementById("app"), messageBanner(any ?? lobby),
    formed ? h("div", { class: "tables plenary" }, [...tables.values()].map(tile))
      : h("div", { class: "stage lobby" }, joinPanel(lobby, { big: true }),
        h("div", {}, h("p", { class: "headline" }, t("plenary.forming")), h("p", {}, t("players.count", { n: lobby.players.length })))));
}

setupChrome(render, () => socket);
socket = new TableSocket(sessionId, token, (v) => { lobby = v; followTables(v, tables, token, render); render(); }, showStatus);
startClock();
