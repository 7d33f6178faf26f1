// Shared by every page: safe DOM building, the table socket, the server clock, the language switch.
import { adopt, lang, setLang, t, translateStatic } from "./i18n.js";

// h("p", {class: "x"}, "text", child): strings always become text nodes, so user text is escaped.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Replace a page's content; what the person was typing or ticking (fields with an id) and the
// focus survive, so a state frame or a language switch never eats their input.
export function mount(root, ...children) {
  const kept = new Map();
  for (const el of root.querySelectorAll("input[id], textarea[id], select[id]")) {
    kept.set(el.id, el.type === "checkbox" || el.type === "radio" ? el.checked : el.value);
  }
  const focused = document.activeElement?.id;
  root.replaceChildren(...children.flat(Infinity).filter(Boolean));
  for (const [id, value] of kept) {
    const el = document.getElementById(id);
    if (!el || !root.contains(el)) continue;
    if (typeof value === "boolean") el.checked = value; else el.value = value;
  }
  if (focused) document.getElementById(focused)?.focus();
}

export function sessionIdFromPath() {
  return decodeURIComponent(location.pathname.split("/")[2] || "");
}

// The server owns time: offset = server clock - our clock, from every frame's server_now.
let offset = 0;
export function serverNow() { return Date.now() + offset; }

export function remainingMs(timer) {
  if (timer.status === "running" && timer.deadline) return Math.max(0, timer.deadline - serverNow());
  return timer.remaining_ms;
}

export function formatMs(ms) {
  const total = Math.ceil(ms / 1000);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

const HEARTBEAT_MS = 4000;

// One socket to the table, reconnecting with backoff; the token goes in the hello frame only.
export class TableSocket {
  constructor(sessionId, token, onState, onStatus) {
    Object.assign(this, { sessionId, token, onState, onStatus });
    this.pending = new Map();
    this.nextId = 1;
    this.delay = 500;
    this.connect();
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.check();
    });
    addEventListener("online", () => this.connect());
    addEventListener("offline", () => this.drop());
    // A dropped network often closes nothing: ask the server every few seconds, and give up on
    // a socket that stays silent.
    setInterval(() => this.check(), HEARTBEAT_MS);
  }

  check() {
    if (this.ws?.readyState !== WebSocket.OPEN) { this.connect(); return; }
    if (Date.now() - this.heard > 2 * HEARTBEAT_MS) { this.drop(); return; }
    this.ws.send(JSON.stringify({ type: "ping" }));
  }

  drop() {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    ws.close();
    this.closed(4000);
  }

  closed(code) {
    this.onStatus(false, code);
    for (const [, reject] of this.pending.values()) reject({ code: "offline", message: t("conn.offline") });
    this.pending.clear();
    if ([4401, 4403, 4404, 4410].includes(code)) return; // no seat here: do not hammer
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, 8000);
  }

  connect() {
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/${encodeURIComponent(this.sessionId)}`);
    this.ws = ws;
    this.heard = Date.now();
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", token: this.token }));
    ws.onmessage = (event) => { this.heard = Date.now(); this.receive(JSON.parse(event.data)); };
    ws.onclose = (event) => { if (this.ws === ws) { this.ws = null; this.closed(event.code); } };
  }

  receive(frame) {
    if (frame.type === "welcome") { this.delay = 500; this.onStatus(true); return; }
    if (frame.type === "pong" && !frame.id) { if (frame.server_now) offset = frame.server_now - Date.now(); return; }
    if (frame.server_now) offset = frame.server_now - Date.now();
    if (frame.type === "state") { adopt(frame.view.language); this.onState(frame.view, frame.version); return; }
    const waiting = this.pending.get(frame.id);
    if (!waiting) return;
    this.pending.delete(frame.id);
    if (frame.type === "error") waiting[1](frame); else waiting[0](frame);
  }

  command(name, args = {}) {
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      if (this.ws?.readyState !== WebSocket.OPEN) { reject({ code: "offline", message: t("conn.offline") }); return; }
      this.pending.set(id, [resolve, reject]);
      this.ws.send(JSON.stringify({ type: "command", id, name, args }));
    });
  }
}

// The header every page shares: title, phase, connection state, language switch.
export function setupChrome(onLanguage) {
  document.documentElement.lang = lang();
  translateStatic();
  const button = document.getElementById("lang");
  if (button) {
    button.addEventListener("click", () => {
      setLang(lang() === "nl" ? "en" : "nl");
      onLanguage?.();
    });
  }
}

export function showStatus(online) {
  const banner = document.getElementById("status");
  if (!banner) return;
  banner.hidden = online;
  banner.textContent = online ? t("conn.online") : t("conn.offline");
}

export function showError(error) {
  const box = document.getElementById("error");
  if (!box) return;
  // Server messages are English sentences; the pages say it in the viewer's language by code.
  let text;
  try { text = t(`err.${error.code}`); } catch { text = t("err.other"); }
  box.textContent = text;
  box.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

export function phaseLine(view) {
  const bits = [t(`phase.${view.phase}`)];
  if (view.round) bits.push(t("round.of", { round: view.round, rounds: view.rounds }));
  if (view.open_card && view.round) bits.push(t("round.open"));
  return bits.join(" · ");
}

// A debrief download: the export needs the facilitator's or trainer's token in a header.
export async function downloadExport(sessionId, token, format) {
  const response = await fetch(`/api/sessions/${sessionId}/export?format=${format}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) { showError((await response.json()).error); return; }
  h("a", { href: URL.createObjectURL(await response.blob()), download: `theater-${sessionId}.${format}` }).click();
}

export function nameOf(view, playerId) {
  return view.players.find((p) => p.id === playerId)?.name ?? "";
}

export function unitNames(view, unit) {
  return unit.members.map((m) => nameOf(view, m)).join(" & ");
}

export function cardBlock(strategy, headingKey = "card.heading") {
  return h("section", { class: "card strategy", "aria-labelledby": "card-title" },
    h("h2", { class: "label" }, t(headingKey)),
    h("p", { class: "card-title", id: "card-title" }, strategy.title),
    h("p", {}, strategy.text));
}

export function openCards(view, exceptUnit) {
  const open = view.units.filter((u) => u.revealed && u.strategy && u.id !== exceptUnit);
  if (!open.length) return null;
  return h("section", { class: "open-cards" },
    h("h2", {}, t("card.openHeading")),
    h("ul", {}, open.map((u) => h("li", {},
      h("strong", {}, u.strategy.title), " — ", unitNames(view, u),
      h("p", {}, u.strategy.text)))));
}

export function timerBlock(view) {
  const timer = view.timer;
  return h("section", { class: `timer${timer.warned ? " warned" : ""}`, "aria-live": "off" },
    h("h2", { class: "label" }, t("timer.label")),
    h("p", { class: "clock", "data-timer": "1" }, formatMs(remainingMs(timer))),
    timer.status === "paused" ? h("p", {}, t("timer.paused")) : null,
    timer.warned && view.phase === "discussing"
      ? h("p", { class: "warning", role: "alert" }, t("timer.warning")) : null);
}

// Tick every visible clock without rebuilding the page.
export function startClock(getView) {
  setInterval(() => {
    const view = getView();
    if (!view) return;
    for (const el of document.querySelectorAll("[data-timer]")) el.textContent = formatMs(remainingMs(view.timer));
  }, 250);
}
