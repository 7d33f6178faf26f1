// A workshop's console on the facilitator's laptop: the lobby with its proposal of tables (move
// people, then form them), then every table at a glance (phase, round, clock, who is ready, the
// decision, a call from a table) and the steps that run at every table at once.
import { confirmButton, door, linksPanel, runSheetNote } from "./staff.js";
import { announce, errorText, formatMs, h, keepAwake, mount, nameOf, phaseLine, remainingMs, ROUND, sessionIdFromPath, setupChrome, showError, showStatus, startClock, TableSocket, takeToken } from "./common.js";
import { playerList } from "./components.js";
import { followTables, joinPanel, readyLine } from "./room.js";
import { coFacilitators } from "./cofacilitators.js";
import { t } from "./i18n.js";

const sessionId = sessionIdFromPath();
const token = takeToken("fac", sessionId);
let lobby = null;
let socket = null;
let links = null;
let answers = null;  // the last all-tables command: each table's answer
const tables = new Map();  // session id -> { number, view, socket }
const api = (path, init = {}) => fetch(`/api/sessions/${sessionId}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, "content-type": "application/json" } });

async function together(name, args = {}) {
  const response = await api("/tables/command", { method: "POST", body: JSON.stringify({ name, args }) });
  const body = await response.json();
  if (!response.ok) { showError(body.error); return; }
  answers = body.results;
  render();
}

async function formTables() {
  const response = await api("/tables", { method: "POST" });
  if (!response.ok) showError((await response.json()).error);
}

function moveControl(v, pid, current, count) {
  if (count < 2) return null;
  const id = `move-${pid}`;
  const move = (table) => socket.command("move_player", { player_id: pid, table }).catch(showError);
  if (count === 2) {  // one other table: one button says where
    const other = current === 1 ? 2 : 1;
    return h("button", { type: "button", class: "secondary small", key: `${id}-btn`, "aria-label": `${t("console.moveTo", { name: nameOf(v, pid) })} ${t("console.table", { n: other })}`, onclick: () => move(other) }, `→ ${t("console.table", { n: other })}`);
  }
  const to = h("select", { id }, Array.from({ length: count }, (_, k) => k + 1).filter((n) => n !== current)
    .map((n) => h("option", { value: n }, t("console.table", { n }))));
  return h("span", { class: "move" }, h("label", { for: id, class: "visually-hidden" }, t("console.moveTo", { name: nameOf(v, pid) })), to,
    h("button", { type: "button", class: "secondary small", key: `${id}-btn`, onclick: () => move(Number(to.value)) }, t("console.move")));
}

function lobbyPage(v) {
  const proposal = v.proposal ?? [];
  return [
    h("div", { class: "console" },
      h("section", { class: "next" }, h("p", { class: "cue" }, t("console.cueLobby")),
        h("p", { class: "counter" }, t("console.joined", { n: v.players.length })),
        h("button", { type: "button", class: "primary", key: "form", disabled: v.players.length < 3, onclick: formTables }, t("console.form"))),
      joinPanel(v)),
    h("div", { class: "tables" }, proposal.map((members, i) => h("section", { class: "table-card" },
      h("h2", {}, t("console.table", { n: i + 1 }), " · ", t("players.count", { n: members.length })),
      h("ul", { class: "plain" }, members.map((pid) => {
        const p = v.players.find((x) => x.id === pid);
        return h("li", {}, p?.name ?? pid, p?.organisation ? h("span", { class: "org" }, ` · ${p.organisation}`) : null, " ", moveControl(v, pid, i + 1, proposal.length));
      }))))),
  ];
}

function clock(v) {
  const running = v.timer.status === "running";
  return h("p", { class: "table-clock", "data-deadline": running ? String(v.timer.deadline) : null }, formatMs(remainingMs(v.timer)));
}

// A call from a table, said once to screen readers (the polite live region) when it comes: the
// card shows it until answered, and a role=alert drawn again at every render would say it again.
const calls = new Map();  // table session id -> the call last said
function sayCall(v) {
  if (v.call && calls.get(v.session_id) !== v.call) announce(t("console.called", { name: nameOf(v, v.call) }));
  calls.set(v.session_id, v.call);
}

function tableCard(entry) {
  const v = entry.view;
  const heading = h("h2", {}, t("console.table", { n: entry.number }));
  if (!v) return h("section", { class: "table-card" }, heading, h("p", {}, t("console.offline")));
  const answer = answers?.find((a) => a.session_id === v.session_id);
  const waiting = v.players.filter((p) => p.waiting).length;
  sayCall(v);
  return h("section", { class: `table-card${v.call ? " calling" : ""}`, "aria-label": t("console.table", { n: entry.number }) }, heading,
    h("p", { class: "phase" }, phaseLine({ ...v, workshop: null })),
    runSheetNote(v, t("console.table", { n: entry.number })),
    v.call ? h("p", { class: "call" }, t("console.called", { name: nameOf(v, v.call) }), " ",
      h("button", { type: "button", class: "primary small", key: `answer-${entry.number}`, onclick: () => entry.socket.command("answer_call").catch(showError) }, t("console.answer"))) : null,
    door(v, (name, args) => entry.socket.command(name, args).catch(showError), `lock-${entry.number}`, false),
    ["discussing", "deciding"].includes(v.phase) ? clock(v) : null,
    v.phase === "reading" ? h("p", {}, readyLine(v)) : null,
    v.decision ? h("p", {}, h("strong", {}, v.decision.text), ` — ${t("decision.reached", { value: t(`reached.${v.decision.reached}`) })}`) : null,
    h("p", {}, t("players.count", { n: v.players.length }), waiting ? ` · ${t("console.waiting", { n: waiting })}` : ""),
    answer?.error ? h("p", { class: "behind" }, h("strong", {}, t("console.behind")), " ", errorText(answer.error)) : null,
    h("p", {}, h("a", { class: "button secondary", key: `open-${entry.number}`, href: `/f/${v.session_id}#${token}`, target: "_blank", rel: "noopener" }, t("console.open", { n: entry.number }))));
}

function toolbar() {
  const button = (key, name, args) => h("button", { type: "button", class: "secondary", key, onclick: () => together(name, args) }, t(key));
  const text = h("input", { id: "message", maxlength: 200, autocomplete: "off" });
  const form = h("form", { class: "row" }, h("label", { for: "message" }, t("console.message")), text,
    h("button", { type: "submit", class: "secondary", key: "send" }, t("console.send")),
    h("button", { type: "button", class: "secondary", key: "clear", onclick: () => together("send_message", { text: "" }) }, t("console.clear")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!text.value.trim()) return;
    together("send_message", { text: text.value }).then(() => { document.getElementById("message").value = ""; render(); });
  });
  const ok = answers ? answers.filter((a) => !a.error).length : 0;
  return h("section", { class: "together" }, h("h2", {}, t("console.together")),
    h("div", { class: "row" }, button("console.startAll", "start_game"), button("console.drawAll", "choose_opdracht"), button("console.timersAll", "start_timer"),
      button("console.extendAll", "extend_timer", { seconds: 60 }),
      confirmButton(t("console.nextAll"), () => together("next_round"), { key: "next-all" })),
    h("p", { class: "apart" }, confirmButton(t("console.endAll"), () => together("end_game"), { key: "end-all", danger: true, warning: t("console.endAllWarning") })),
    answers ? h("p", { class: "counter", role: "status" }, t("console.done", { ok, all: answers.length })) : null,
    form);
}

function render() {
  if (!lobby) return;
  const v = lobby;
  keepAwake([...tables.values()].some((e) => ROUND.includes(e.view?.phase)));
  const formed = v.workshop?.tables.length > 0;
  mount(document.getElementById("app"),
    door(v, (name, args) => socket.command(name, args).catch(showError)),
    formed ? [toolbar(), h("div", { class: "tables" }, [...tables.values()].map(tableCard))] : lobbyPage(v),
    formed ? null : h("h2", {}, t("players.count", { n: v.players.length })),
    formed ? null : playerList(v),
    links ? h("details", { class: "links-box", key: "links" }, h("summary", { key: "links-summary" }, t("links.heading")), linksPanel(links),
      coFacilitators(v, { api, me: socket?.welcome?.facilitator_id, render })) : null);
}

async function loadLinks() {
  const response = await api("/links");
  if (response.ok) { links = await response.json(); render(); }
}

setupChrome(render, () => socket);
socket = new TableSocket(sessionId, token, (v) => { lobby = v; followTables(v, tables, token, render); render(); }, showStatus);
startClock();
loadLinks();
