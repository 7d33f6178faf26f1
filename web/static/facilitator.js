// The facilitator's laptop: one obvious next step that follows the printed script, with its cue;
// what cannot be undone or skips part of the game set apart and confirmed; counters; the links.
import { confirmButton, door, exportButtons, linksPanel, personSelect, runSheetNote } from "./staff.js";
import { clearError, commander, sayOnce, h, keepAwake, mount, nameOf, phaseLine, ROUND, sessionIdFromPath, setupChrome, showError, showStatus, startClock, TableSocket, takeToken, unitNames } from "./common.js";
import { decisionBlock, opdrachtCard, playerList, promptCard, supportCounts, timerBlock } from "./components.js";
import { checkoutResults, summary } from "./ending.js";
import { joinPanel, readyLine } from "./room.js";
import { coFacilitators, copyable } from "./cofacilitators.js";
import { t } from "./i18n.js";

const sessionId = sessionIdFromPath();
const token = takeToken("fac", sessionId);
let view = null;
let socket = null;
let links = null;
let peek = false;
let newPhone = null;  // the last new-phone link made here: { name, link, qr_svg }
const api = (path, init = {}) => fetch(`/api/sessions/${sessionId}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, "content-type": "application/json" } });
const act = commander(() => socket);
const run = (name, args) => act(name, args).catch(() => {});

function primary(key, name, args, { disabled = false } = {}) {
  return h("button", { type: "button", class: "primary", key, disabled, onclick: () => run(name, args) }, t(key));
}

// `id`: the data-key, when two buttons take turns in one place (the focus stays on it)
function button(key, name, args, params, id = key) {
  return h("button", { type: "button", class: "secondary", key: id, onclick: () => run(name, args) }, t(key, params));
}

function select(id, options) {
  return h("select", { id }, options.map(([value, label]) => h("option", { value }, label)));
}

function unitsTable(v) {
  return h("section", {}, h("h2", {}, t("fac.units")),
    h("label", { class: "check", for: "peek" }, h("input", { id: "peek", type: "checkbox", checked: peek, onchange: (e) => { peek = e.target.checked; render(); } }), t("fac.peek")),
    h("table", {}, h("tbody", {}, v.units.map((u) => h("tr", {},
      h("th", { scope: "row" }, unitNames(v, u)),
      h("td", {}, u.ready ? "✓" : u.paper && v.phase === "reading"
        ? h("button", { type: "button", class: "secondary small", key: `ready-${u.id}`, onclick: () => run("ready", { unit_id: u.id }) }, t("fac.paperReady"), h("span", { class: "visually-hidden" }, ` · ${unitNames(v, u)}`)) : ""),
      h("td", {}, peek || u.revealed ? (u.strategy?.title ?? "") : t("card.hidden")),
      h("td", {}, h("label", { class: "check small", for: `paper-${u.id}` },
        h("input", { id: `paper-${u.id}`, type: "checkbox", checked: u.paper, onchange: (e) => run("set_paper", { unit_id: u.id, paper: e.target.checked }) }),
        t("fac.paper"), h("span", { class: "visually-hidden" }, ` · ${unitNames(v, u)}`))))))));
}

function choosingTools(v) {
  const who = v.players.map((p) => [p.id, p.name]);
  const card = select("opdracht", v.opdrachten_left.map((o) => [o.id, o.text]));
  const picker = personSelect("picker", who);
  const a = personSelect("swap-a", who);
  const b = personSelect("swap-b", who);
  return h("div", { class: "tools" },
    h("label", { for: "opdracht" }, t("fac.choose")), card,
    h("p", {}, h("button", { type: "button", class: "secondary", key: "choose", onclick: () => run("choose_opdracht", { opdracht_id: card.value }) }, t("fac.chooseBtn"))),
    h("label", { for: "picker" }, t("fac.picker")), picker,
    h("p", {}, h("button", { type: "button", class: "secondary", key: "set-picker", onclick: () => picker.value ? run("set_picker", { player_id: picker.value }) : showError({ reason: "choose_person" }) }, t("fac.setPicker"))),
    v.units.some((u) => u.members.length > 1) ? h("fieldset", {}, h("legend", {}, t("fac.swap")),
      h("label", { for: "swap-a", class: "visually-hidden" }, t("fac.swap")), a,
      h("label", { for: "swap-b", class: "visually-hidden" }, t("fac.swap")), b,
      h("p", {}, h("button", { type: "button", class: "secondary", key: "swap", onclick: () => a.value && b.value ? run("swap_players", { a: a.value, b: b.value }) : showError({ reason: "choose_person" }) }, t("fac.swapBtn")))) : null);
}

function decisionForm(v) {
  const id = `decision-${v.round}`;
  const text = h("textarea", { id, rows: 2, maxlength: 1000 }, v.decision?.text ?? "");
  const reached = ["yes", "partly", "no"].map((value) => h("label", { class: "check", for: `${id}-${value}` },
    h("input", { type: "radio", name: "reached", id: `${id}-${value}`, value, checked: v.decision?.reached === value }), t(`reached.${value}`)));
  const form = h("form", { class: "decision-form" }, h("label", { for: id }, t("fac.decision")), text,
    h("fieldset", {}, h("legend", {}, t("fac.reached")), h("div", { class: "row" }, reached)),
    h("button", { type: "submit", class: v.decision ? "secondary" : "primary", key: "record" }, t("fac.record")),
    v.decision ? h("p", { class: "done", "data-say": "" }, "✓ ", t("fac.recorded")) : null);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector("input[name=reached]:checked")?.value;  // never assumed
    if (!chosen) { showError({ reason: "choose_reached" }); return; }
    run("record_decision", { text: text.value, reached: chosen });
  });
  return form;
}

function voted(v) {
  const c = supportCounts(v);
  return h("p", { class: "counter" }, t("fac.voted", { n: v.players.length - c.none, of: v.players.length }));
}

function answers(v) {
  const here = v.answers.filter((a) => a.prompt_id === v.prompt?.id);
  const count = new Set(here.map((a) => a.id)).size;
  return h("section", {}, h("p", { class: "counter" }, t("fac.answers", { n: count, of: v.players.length })),
    h("ul", { class: "answers" }, here.map((a) => h("li", { class: a.shown ? "shown" : "" },
      h("strong", {}, a.author ?? t("fac.anonymous")), ": ", a.text, " ",
      h("button", { type: "button", class: "secondary small", key: `show-${a.id}`, onclick: () => run("show_answer", { answer_id: a.id, shown: !a.shown }) }, t(a.shown ? "fac.hide" : "fac.show"))))));
}

// After the reflection (or skipping what is left of it, or all of it): next round, or the end.
// Always asked; when it skips questions it says how many, and it is not the obvious button.
function leaveRound(v) {
  const last = v.round >= v.rounds;
  const skipsAll = v.phase === "deciding";
  const left = v.prompt ? v.prompt.count - v.prompt.index : null;
  const warning = skipsAll ? t("fac.skipReflection") : left ? t("fac.skipWarning", { n: left }) : "";
  return confirmButton(t(last ? "fac.endGame" : "fac.nextRound"), () => run(last ? "end_game" : "next_round"),
    { key: last ? "end-game" : "next-round", warning, cls: warning ? "secondary" : "primary" });
}

// In the lobby: fewer rounds or other minutes when fewer people came (a workshop's table too).
function settingsForm(v) {
  const rounds = h("select", { id: "set-rounds" }, [1, 2, 3, 4, 5, 6].map((n) => h("option", { value: n, selected: n === v.settings.rounds }, String(n))));
  const minutes = h("input", { id: "set-minutes", type: "number", min: 1, max: 15, inputmode: "numeric", value: v.settings.round_seconds ? v.settings.round_seconds / 60 : "" });
  const form = h("form", {}, h("label", { for: "set-rounds" }, t("host.rounds")), rounds,
    h("label", { for: "set-minutes" }, t("host.minutes")), minutes,
    h("p", {}, h("button", { type: "submit", class: "secondary", key: "save-settings" }, t("fac.saveSettings"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const args = { rounds: Number(rounds.value) };
    if (minutes.value) args.round_seconds = Math.round(Number(minutes.value) * 60);
    run("configure", args);
  });
  return h("details", { class: "more", key: "settings" }, h("summary", { key: "settings-summary" }, t("fac.settings")), form);
}

// Per phase: [the next step and what it needs, details, actions set apart]
function phase(v) {
  const hints = (v.hints || []).map((key) => h("p", { class: "hint" }, t(`fac.hint.${key}`)));
  switch (v.phase) {
    case "lobby":
      return [[hints, v.strategy_cards < 6 ? h("p", { class: "hint" }, t("fac.fewerCards", { cards: v.strategy_cards, seats: 2 * v.strategy_cards })) : null,
        v.players.length < 3 ? h("p", {}, t("fac.startWait")) : null, primary("fac.start", "start_game", {}, { disabled: v.players.length < 3 })],
        [joinPanel(v), h("h2", {}, t("players.count", { n: v.players.length })), playerList(v, (p) => { if (confirm(t("fac.removeLobby", { name: p.name }))) run("remove_player", { player_id: p.id }); }), settingsForm(v)], []];
    case "choosing":
      return [[hints, h("p", { class: v.picker ? "big-note" : null }, v.picker ? t("step.picker", { name: nameOf(v, v.picker) }) : t("step.pickerFac")),
        v.picker ? h("p", {}, t("fac.orDraw"), " ", button("fac.draw", "choose_opdracht", {})) : primary("fac.draw", "choose_opdracht", {})],
        [choosingTools(v), unitsTable(v)], []];
    case "reading": {
      const closed = v.units.filter((u) => !u.revealed);
      const blocked = v.open_card && closed.length > 0;
      const waiting = v.still_reading.map((m) => nameOf(v, m));
      return [[hints, v.open_card ? null : h("p", { class: "counter" }, readyLine(v)),
        v.open_card ? h("div", { class: "row" }, closed.map((u) => button("fac.revealFor", "reveal", { unit_id: u.id }, { unit: unitNames(v, u) }))) : null,
        blocked ? h("p", {}, t("fac.stillClosed", { units: closed.map((u) => unitNames(v, u)).join(", ") })) : null,
        waiting.length ? h("p", { class: "hint" }, t("fac.waitingFor", { names: waiting.join(", ") })) : null,
        waiting.length && !blocked
          ? confirmButton(t("fac.startAnyway"), () => run("start_timer", { anyway: true }), { key: "start-anyway", warning: t("fac.stillReading", { names: waiting.join(", ") }) })
          : primary("fac.startTimer", "start_timer", {}, { disabled: blocked })],
        [opdrachtCard(v.opdracht), unitsTable(v)], []];
    }
    case "discussing":
      return [[timerBlock(v, { big: true }), h("div", { class: "row" },
        v.timer.status === "paused" ? button("fac.resume", "resume_timer", {}, {}, "pause") : button("fac.pause", "pause_timer", {}, {}, "pause"),
        button("fac.extend", "extend_timer", { seconds: 60 }))],
        [opdrachtCard(v.opdracht), unitsTable(v)],
        [confirmButton(t("fac.end"), () => run("end_discussion"), { key: "end-discussion", warning: t("fac.endWarning") })]];
    case "deciding":
      return [[v.decision ? null : h("p", { class: "big-note" }, t("timer.up")), decisionForm(v),
        v.decision ? primary("fac.startReflection", "next_prompt") : null],
        [decisionBlock(v), v.decision ? voted(v) : null, opdrachtCard(v.opdracht)], [v.decision ? leaveRound(v) : null]];
    case "reflecting": {
      const more = v.prompt && v.prompt.index < v.prompt.count;
      return [[promptCard(v.prompt), answers(v), more ? primary("fac.nextPrompt", "next_prompt") : leaveRound(v)],
        [decisionBlock(v), voted(v)], [more ? leaveRound(v) : null]];
    }
    case "ended":
      return [[h("p", {}, t("ended.thanks")), exportButtons(sessionId, token)],
        [checkoutResults(v.checkout_results, v.checkout?.given), summary(v)], []];
  }
  return [[], [], []];
}

// More time to read: for the whole table or a player; the discussion then waits for them.
function readingTime(v) {
  if (v.phase === "ended" || !v.players.length) return null;
  const box = (id, checked, label, args) => h("label", { class: "check small", for: id },
    h("input", { id, type: "checkbox", checked, onchange: (e) => run("give_reading_time", { ...args, more: e.target.checked }) }), label);
  return h("details", { class: "more", key: "reading-time" },
    h("summary", { key: "reading-time-summary" }, t("fac.readingTime")),
    box("time-all", v.more_time, t("fac.readingAll"), { player_id: null }),
    v.players.map((p) => box(`time-${p.id}`, v.given_time?.includes(p.id), t("fac.readingFor", { name: p.name }), { player_id: p.id })));
}


// Latecomers wait for the next deal; the facilitator can seat one now with a player alone.
function latecomers(v) {
  const solos = v.units.filter((u) => u.members.length === 1);
  return v.players.filter((p) => p.waiting).map((p) => {
    const id = `seat-${p.id}`;
    const unit = solos.length ? select(id, solos.map((u) => [u.id, unitNames(v, u)])) : null;
    return h("div", { class: "hint" }, h("p", {}, t("fac.late", { name: p.name })), unit ? h("div", { class: "row" },
      h("label", { for: id }, t("fac.seatWith", { name: p.name })), unit,
      h("button", { type: "button", class: "secondary", key: `${id}-btn`, onclick: () => run("seat_player", { player_id: p.id, unit_id: unit.value }) }, t("fac.seatBtn"))) : null);
  });
}

// Undo a removal while the cards of this round are still the same.
function restorable(v) {
  if (v.phase === "ended") return [];
  return (v.removed || []).filter((p) => p.restorable).map((p) => h("div", { class: "hint" },
    h("p", {}, t("fac.restoreNote", { name: p.name }), " ",
      h("button", { type: "button", class: "secondary", key: `restore-${p.id}`, onclick: () => run("restore_player", { player_id: p.id }) }, t("fac.restoreBtn", { name: p.name })))));
}

function svg(markup) {
  const doc = new DOMParser().parseFromString(markup, "image/svg+xml");
  const el = document.importNode(doc.documentElement, true);
  el.setAttribute("class", "qr");
  el.setAttribute("role", "img");
  return el;
}

async function reissue(playerId) {
  const response = await api(`/players/${encodeURIComponent(playerId)}/seat`, { method: "POST" });
  const body = await response.json();
  if (!response.ok) { showError(body.error); return; }
  newPhone = { ...body, name: nameOf(view, playerId) };
  render();
}

function newPhoneTool(v) {
  if (v.phase === "ended" || !v.players.length) return null;
  const who = personSelect("new-phone", v.players.map((p) => [p.id, p.name]));
  const shown = newPhone && v.moving?.includes(newPhone.player_id) ? newPhone : null;
  return h("div", { class: "new-phone" }, h("h3", {}, t("fac.newPhone")),
    h("div", { class: "row" }, h("label", { for: "new-phone" }, t("fac.newPhoneWho")), who,
      confirmButton(t("fac.newPhoneBtn"), () => reissue(who.value), { key: "new-phone-btn", warning: () => chosen(v, who, "fac.newPhoneWarning") })),
    shown ? h("div", { class: "join-panel" }, svg(shown.qr_svg),
      h("div", {}, h("p", {}, t("fac.newPhoneLink", { name: shown.name })), copyable(shown.link, "copy-new-phone"))) : null);
}

function labelOf(v, id) {
  return (v.facilitators || []).find((f) => f.id === id)?.label || t("fac.first");
}

// The confirmation names who it is about; with nobody chosen it says so and asks nothing.
function chosen(v, who, key) {
  if (!who.value) { showError({ reason: "choose_person" }); return null; }
  clearError();
  return t(key, { name: nameOf(v, who.value) });
}

function removal(v) {
  if (["lobby", "ended"].includes(v.phase) || !v.players.length) return null;
  const who = personSelect("remove", v.players.map((p) => [p.id, p.name]));
  return h("div", { class: "row" }, h("label", { for: "remove" }, t("fac.removeWho")), who,
    confirmButton(t("fac.removeBtn"), () => run("remove_player", { player_id: who.value }),
      { key: "remove", danger: true, warning: () => chosen(v, who, "fac.removeWarning") }));
}

function render() {
  if (!view) return;
  const v = view;
  const [next, details, apart] = phase(v);
  const lastRound = v.round >= v.rounds && ["deciding", "reflecting"].includes(v.phase);
  const endEarly = !["lobby", "ended"].includes(v.phase) && !lastRound
    ? confirmButton(t("fac.endGame"), () => run("end_game"), { key: "end-early", danger: true, warning: t("fac.endEarlyWarning", { round: v.round, rounds: v.rounds }) }) : null;
  mount(document.getElementById("app"),
    h("p", { class: "phase" }, phaseLine(v)),
    v.facilitators?.length > 1 && v.last_by ? h("p", { class: "last-by" }, v.last_by === socket?.welcome?.facilitator_id ? t("fac.lastByYou") : t("fac.lastBy", { label: labelOf(v, v.last_by) })) : null,
    h("div", { class: "console" },
      h("section", { class: "next", "aria-label": t("fac.next"), tabindex: "-1", "data-landing": "" },
        h("p", { class: "cue" }, t(`fac.cue.${v.phase === "reading" && v.open_card ? "open" : v.phase}`)), runSheetNote(v), next,
        h("p", { class: "preview" }, t("fac.screenNow", { what: t(`fac.screen.${v.phase}`) }))),
      h("div", { class: "details" }, door(v, run), restorable(v), latecomers(v), details, readingTime(v))),
    apart.some(Boolean) ? h("section", { class: "apart" }, apart) : null,
    h("details", { class: "more", key: "more" }, h("summary", { key: "more-summary" }, t("fac.more")), removal(v), newPhoneTool(v),
      h("p", { class: "row" }, ["reading", "discussing", "deciding", "reflecting"].includes(v.phase)
        ? h("a", { class: "button secondary", key: "print-deal", href: `/d/${sessionId}`, target: "_blank", rel: "noopener" }, t("fac.printDeal")) : null,
      h("a", { class: "button secondary", key: "print-cards", href: `/print/${v.settings.deck}`, target: "_blank", rel: "noopener" }, t("fac.printCards"))),
      h("p", {}, endEarly)),
    links ? h("details", { class: "links-box", key: "links" }, h("summary", { key: "links-summary" }, t("links.heading")), linksPanel(links), coFacilitators(v, { api, me: socket?.welcome?.facilitator_id, render })) : null);
  keepAwake(ROUND.includes(v.phase));  // a laptop that sleeps would stop the shared screen too
  if (v.knocking?.length) sayOnce(`knock-${v.knocking.map((k) => k.id).join()}`, t("fac.knocking", { n: v.knocking.length, names: v.knocking.map((k) => k.name).join(", ") }));
  if (["deciding", "reflecting"].includes(v.phase) && v.decision) {
    const n = v.players.length - supportCounts(v).none;
    sayOnce(`voted-${v.round}-${n}`, t("fac.voted", { n, of: v.players.length }));
  }
}

async function loadLinks() {
  const response = await fetch(`/api/sessions/${sessionId}/links`, { headers: { Authorization: `Bearer ${token}` } });
  if (response.ok) { links = await response.json(); render(); }
}

setupChrome(render, () => socket);
socket = new TableSocket(sessionId, token, (v) => { view = v; render(); }, (online, code, key) => {
  showStatus(online, code, key);
  if (online) clearError();
});
startClock(() => view);
loadLinks();
