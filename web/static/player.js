// The phone: what to do now and its one action first, your own strategy card right below it
// (in every phase that has one), then the rest. Every tap gets a visible confirmation.
import { announce, applyLook, clearError, commander, h, keepAwake, messageBanner, mount, nameOf, notice, phaseLine, ROUND, sayOnce, sessionIdFromPath, setupChrome, showStatus, startClock, TableSocket, takeToken, unitNames } from "./common.js";
import { decisionBlock, faceDown, opdrachtCard, playerList, promptCard, strategyCard, timerBlock } from "./components.js";
import { lang, t } from "./i18n.js";

const sessionId = sessionIdFromPath();
const token = takeToken("seat", sessionId);
let view = null;
let socket = null;
const act = commander(() => socket);
let alerted = "";
let ending = null;  // the ending's pieces: loaded when the game ends, not before

function myUnit(v) { return v.units.find((u) => u.id === v.me.unit); }

function step(text, ...actions) {
  return h("section", { class: "step" }, h("h2", { tabindex: "-1", "data-landing": "" }, text), actions);
}

function done(text) { return h("p", { class: "done", "data-say": "" }, "✓ ", text); }

function supportStep(v) {
  const chosen = v.me.support;
  return step(t("step.support"),
    h("div", { class: "row choices" }, ["yes", "partly", "no"].map((value) =>
      h("button", { type: "button", key: `support-${value}`, class: chosen === value ? "chosen" : "secondary", "aria-pressed": String(chosen === value), onclick: () => act("support", { value }) }, t(`reached.${value}`)))),
    chosen ? done(t("step.supported", { value: t(`reached.${chosen}`) })) : null);
}

function answerStep(v) {
  const prompt = v.prompt;
  const mine = v.answers.find((a) => a.mine && a.prompt_id === prompt.id && a.round === v.round);
  const id = `answer-${v.round}-${prompt.id}`;
  const text = h("textarea", { id, rows: 2, maxlength: 2000 }, mine?.text ?? "");
  const anonymous = h("input", { id: `${id}-anon`, type: "checkbox", checked: mine?.anonymous ?? false, disabled: Boolean(mine) });
  const form = h("form", { class: "answer" },
    h("label", { for: id }, t("step.answer")), text,
    mine ? null : h("label", { class: "check", for: `${id}-anon` }, anonymous, t("step.anonymous")),
    h("button", { type: "submit", key: "send" }, t(mine ? "step.change" : "step.send")),
    mine ? done(t(mine.anonymous ? "step.sentAnonymous" : "step.sent")) : null);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act("answer", { prompt_id: prompt.id, text: text.value, anonymous: mine ? mine.anonymous : anonymous.checked }).catch(() => {});
  });
  return [promptCard(prompt), form];
}

function shownAnswers(v) {
  const shown = v.answers.filter((a) => a.shown && a.round === v.round);
  return shown.length ? h("section", {}, h("h2", {}, t("step.shown")), h("ul", { class: "wall small" }, shown.map((a) => h("li", {}, a.text, a.author ? h("span", { class: "by" }, a.author) : null)))) : null;
}

// After a closed-card round: which strategy did each other unit hold? Secret until the end.
function guessStep(v, unit) {
  if (!v.strategies || !unit) return null;
  const others = v.units.filter((u) => u.id !== unit.id);
  return h("section", { class: "guesses" }, h("h2", {}, t("guess.heading")), h("p", {}, t("guess.note")),
    others.map((u) => {
      const id = `guess-${v.round}-${u.id}`;
      const chosen = v.me.guesses[u.id] ?? "";
      return h("p", {}, h("label", { for: id }, unitNames(v, u)),
        h("select", { id, onchange: (e) => act("guess", { unit_id: u.id, strategy_id: e.target.value || null }).catch(() => {}) },
          h("option", { value: "", selected: !chosen }, t("guess.none")),
          v.strategies.map((s) => h("option", { value: s.id, selected: chosen === s.id }, s.title))));
    }));
}

// Who the table still waits for, by name (never by card).
function reading(v) {
  const names = v.units.filter((u) => !u.ready && !u.paper && u.id !== v.me.unit).flatMap((u) => u.members.map((m) => nameOf(v, m)));
  return names.length ? h("p", { class: "reading" }, t("read.still", { names: names.join(", ") })) : null;
}

// The current step, with its one action: always first on the page.
// A workshop's lobby: wait for the tables, then go to your own with the same token.
function workshopLobby(v) {
  const mine = v.workshop.tables.find((table) => table.players.includes(v.me.player_id));
  if (mine) {
    localStorage.setItem(`tvb:seat:${mine.session_id}`, token);
    location.replace(`/p/${mine.session_id}`);
    return step(t("me.toTable", { n: mine.number }));
  }
  return step(t("me.workshop", { name: v.me.name }), h("p", {}, t("me.workshopWait")));
}

// At a workshop's table: call the facilitator over from any phone.
function callButton(v) {
  if (!v.workshop?.table || v.phase === "ended") return null;
  return v.call ? done(t("call.done"))
    : h("p", {}, h("button", { type: "button", class: "secondary", key: "call", onclick: () => act("call_facilitator") }, t("call.button")));
}

function current(v, unit) {
  if (v.workshop && v.workshop.table === null) return workshopLobby(v);
  if (!unit && !["lobby", "ended"].includes(v.phase)) {  // joined late: a place at the next deal
    return step(t("me.late", { name: v.me.name }), h("p", {}, t("me.lateWait")));
  }
  switch (v.phase) {
    case "lobby":
      return step(t("me.hello", { name: v.me.name }), h("p", {}, t("me.wait")));
    case "choosing":
      if (v.me.is_picker) {
        return step(t("step.pick"), h("div", { class: "slots" },
          Array.from({ length: v.opdracht_slots }, (_, i) => h("button", { type: "button", class: "slot", key: `slot-${i}`, onclick: () => act("pick_opdracht", { slot: i }) }, faceDown(t("card.faceDown", { n: i + 1 }), "opdracht")))));
      }
      return step(v.picker ? t("step.picker", { name: nameOf(v, v.picker) }) : t("step.pickerFac"));
    case "reading":
      if (!unit) return step(t("me.wait"));
      if (v.open_card) {
        return step(t("step.readOpen"), unit.revealed ? done(t("step.revealed"))
          : h("button", { type: "button", key: "reveal", onclick: () => act("reveal", { unit_id: unit.id }) }, t("step.reveal")));
      }
      return step(t("step.read"), unit.ready ? done(t("step.isReady"))
        : h("button", { type: "button", key: "ready", onclick: () => act("ready") }, t("step.ready")),
      !unit.ready && (v.more_time || v.me.more_time) ? h("p", {}, t(v.more_time ? "read.allTime" : "read.takeTime")) : null,
      reading(v));
    case "discussing":
      return [timerBlock(v), step(t("step.discuss"))];
    case "deciding":
      return v.decision ? [decisionBlock(v, { bar: false }), supportStep(v)] : step(t("step.tellDecision"));
    case "reflecting":
      return v.prompt ? answerStep(v) : null;
  }
  return null;
}

// Once the discussion is over the own card has been played: it folds away below the one thing
// to do now (its title stays in sight), so a guess or an answer is not pushed off the screen.
function ownCard(v, unit) {
  if (!unit?.strategy || v.phase === "ended") return null;
  const card = strategyCard(unit.strategy, { kind: "card.yours", flip: unit.revealed && v.open_card ? `${v.round}-${unit.id}` : null });
  if (!["deciding", "reflecting"].includes(v.phase)) return card;
  return h("details", { class: "fold", key: "own-card" }, h("summary", { key: "own-card-summary" }, `${t("card.yours")}: ${unit.strategy.title}`), card);
}

function body(v) {
  const unit = myUnit(v);
  const mates = unit ? unit.members.filter((m) => m !== v.me.player_id).map((m) => nameOf(v, m)) : [];
  const others = v.units.filter((u) => u.revealed && u.strategy && u.id !== unit?.id && v.phase !== "ended");
  const reflecting = v.phase === "reflecting";
  return [
    messageBanner(v),
    v.phase === "ended" ? ending?.mine(v) ?? step(t("ended.thanks")) : current(v, unit),
    ending?.checkout(v, act),
    reflecting ? null : guessStep(v, unit),
    ownCard(v, unit),
    mates.length && v.phase !== "ended" ? h("p", { class: "partner" }, t("me.partner", { names: mates.join(", ") })) : null,
    ["reading", "discussing", "deciding", "reflecting"].includes(v.phase) ? opdrachtCard(v.opdracht, { short: true }) : null,
    reflecting ? shownAnswers(v) : null,
    reflecting && v.decision ? supportStep(v) : null,
    reflecting ? guessStep(v, unit) : null,
    others.length ? h("section", {}, h("h2", {}, t("card.open")), others.map((u) => strategyCard(u.strategy, { names: u.members.map((m) => nameOf(v, m)).join(" & ") }))) : null,
    v.phase === "ended" ? ending?.summary(v) : null,
    v.phase === "lobby" ? playerList(v) : null,
    callButton(v),
  ];
}

// A card laid open by another unit, said once to screen readers (not those open before this
// page loaded: it shows them).
let opened = null;
function sayOpened(v) {
  const now = v.units.filter((u) => u.revealed && u.strategy && u.id !== v.me.unit).map((u) => `${v.round}-${u.id}`);
  const fresh = opened ? v.units.filter((u) => now.includes(`${v.round}-${u.id}`) && !opened.has(`${v.round}-${u.id}`)) : [];
  opened = new Set([...(opened ?? []), ...now]);
  if (fresh.length) announce(fresh.map((u) => t("card.laidOpen", { names: unitNames(v, u), title: u.strategy.title })).join(" "));
}

// The warning and time-up: a buzz, a beep if the player wants one, said once to screen readers.
function alertOnce(v) {
  const moment = v.phase === "discussing" && v.timer.warned ? `warn-${v.round}` : v.phase === "deciding" && !v.decision ? `up-${v.round}` : "";
  if (!moment || moment === alerted) return;
  alerted = moment;
  navigator.vibrate?.(moment.startsWith("up") ? [300, 100, 300, 100, 300] : [200, 100, 200]);
  if (localStorage.getItem("tvb:sound") === "on") beep();
  sayOnce(moment, t(moment.startsWith("up") ? "timer.up" : "timer.warning"));
}

function beep() {
  const Audio = window.AudioContext || window.webkitAudioContext;
  if (!Audio) return;
  const audio = new Audio();
  const tone = audio.createOscillator();
  tone.connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 0.3);
}

// This phone's own choices, remembered on it: a sound with the warning, the screen kept on.
function toggle(id, key, label, on, changed = () => {}) {
  const box = h("input", { id, type: "checkbox", checked: on,
    onchange: (e) => { localStorage.setItem(key, e.target.checked ? "on" : "off"); changed(); } });
  return h("label", { class: "check small", for: id }, box, t(label));
}

// Text size and contrast, remembered on this phone (common.js applies them on every page).
function look() {
  const size = localStorage.getItem("tvb:text") || "100";
  return h("fieldset", { class: "look" }, h("legend", {}, t("look.text")),
    h("div", { class: "row" }, ["100", "150", "200"].map((n) => h("button", { type: "button", key: `text-${n}`, class: "secondary", "aria-pressed": String(size === n),
      onclick: () => { localStorage.setItem("tvb:text", n); applyLook(); render(); } }, `${n} %`))),
    toggle("contrast", "tvb:contrast", "look.contrast", document.documentElement.classList.contains("contrast"), applyLook));
}

function choices() {
  return [toggle("sound", "tvb:sound", "sound.label", localStorage.getItem("tvb:sound") === "on"),
    toggle("awake", "tvb:awake", "awake.label", localStorage.getItem("tvb:awake") !== "off", () => keepAwake(ROUND.includes(view?.phase))),
    look()];
}

// A deck without cards in the viewer's language plays in its own: said once.
let onlyIn = "";
function sayLanguage(v) {
  if (v.language === lang() || onlyIn === v.language) return;
  onlyIn = v.language;
  notice(t("cards.onlyIn", { language: new Intl.DisplayNames(lang(), { type: "language" }).of(v.language) }));
}

function render() {
  if (!view) return;
  if (view.phase === "ended" && !ending) import("./ending.js").then((m) => { ending = m; render(); });
  const name = document.getElementById("who");
  if (name) { name.textContent = view.me.name; name.hidden = false; }
  mount(document.getElementById("app"), h("p", { class: "phase" }, phaseLine(view)), body(view), choices());
  alertOnce(view);
  sayOpened(view);
  keepAwake(ROUND.includes(view.phase));
}

setupChrome(render, () => socket);
if (!token) {
  mount(document.getElementById("app"), h("p", {}, t("join.noSeat")), h("p", {}, h("a", { class: "button", href: "/j" }, t("join.go"))));
} else {
  socket = new TableSocket(sessionId, token, (v) => { view = v; render(); sayLanguage(v); }, (online, code, key) => {
    showStatus(online, code, key);
    if (online) clearError();
    if (key === "conn.removed") {  // the facilitator may bring them back, so keep the seat's token
      view = null;
      mount(document.getElementById("app"), h("p", {}, t(key)), h("p", {}, t("conn.removedRetry")),
        h("p", {}, h("button", { type: "button", key: "retry", onclick: () => location.reload() }, t("conn.retry"))));
      return;
    }
    if (!["conn.badLink", "conn.gone", "conn.seatMoved"].includes(key)) return;  // (common.js's CLOSED)
    localStorage.removeItem(`tvb:seat:${sessionId}`);  // no seat here any more: say so, once
    view = null;
    mount(document.getElementById("app"), h("p", {}, t(key)), h("p", {}, h("a", { class: "button", href: "/j" }, t("join.go"))));
  });
  startClock(() => view);
}
