// Shared by every page: safe DOM building, rendering that keeps focus and typing, announcements,
// tokens out of the address bar, the table socket, the server clock and the language switch.
import { adopt, chosenLang, has, lang, setLang, t, translateStatic } from "./i18n.js";

// h("p", {class: "x", key: "k"}, "text", child): strings always become text nodes (user text is
// escaped); `key` names an element across renders so focus can come back to it; `style` is an
// object set through the CSSOM (a style attribute would break the CSP).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "style") Object.assign(el.style, value); // CSSOM: allowed by the CSP
    else el.setAttribute(name === "key" ? "data-key" : name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function keyOf(el) { return el?.dataset?.key || el?.id || null; }

function edited(el) {
  if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
  if (el.tagName === "SELECT") return [...el.options].some((o) => o.selected !== o.defaultSelected);
  return el.value !== el.defaultValue;
}

// Replace a page's content. What the person typed or ticked and has not sent yet (fields with
// an id), which <details> were open, and the focus (by key or id) survive, so a state frame or a
// language switch never eats their input or their place; fields they left alone show what the
// server says now.
export function mount(root, ...children) {
  const kept = new Map();
  for (const el of root.querySelectorAll("input[id]:not([type=file]), textarea[id], select[id]")) {
    if (!edited(el)) continue;
    kept.set(el.id, el.type === "checkbox" || el.type === "radio" ? el.checked : el.value);
  }
  const open = new Set([...root.querySelectorAll("details[data-key][open]")].map(keyOf));
  const focused = root.contains(document.activeElement) ? keyOf(document.activeElement) : null;
  const said = new Set([...root.querySelectorAll("[data-say]")].map((el) => el.textContent));
  root.replaceChildren(...children.flat(Infinity).filter(Boolean));
  // a confirmation or a message ([data-say]) is said once, when it appears, not at every frame
  const fresh = [...root.querySelectorAll("[data-say]")].map((el) => el.textContent).filter((text) => !said.has(text));
  if (fresh.length) announce(fresh.join(" "));
  for (const [id, value] of kept) {
    const el = document.getElementById(id);
    if (!el || !root.contains(el)) continue;
    if (typeof value === "boolean") el.checked = value; else el.value = value;
  }
  for (const el of root.querySelectorAll("details[data-key]")) if (open.has(keyOf(el))) el.open = true;
  if (focused) {  // the same control again; if it is gone (a step done), the new step's heading
    const again = root.querySelector(`[data-key="${CSS.escape(focused)}"]`) || document.getElementById(focused) || root.querySelector("[data-landing]");
    again?.focus({ preventScroll: true });
  }
}

// One polite live region for the whole page: a change is announced once, not at every render.
let lastAnnounced = "";
// What a page draws at every frame while it stands (the warning, a count) is said once per key.
const sayings = new Set();
export function sayOnce(key, text) {
  if (sayings.has(key)) return;
  sayings.add(key);
  announce(text);
}

export function announce(text) {
  const live = document.getElementById("live");
  if (!live || text === lastAnnounced) return;
  lastAnnounced = text;
  live.textContent = text;
  clearTimeout(announce.timer);  // not read again, out of place, by someone reading the page later
  announce.timer = setTimeout(() => { live.textContent = ""; }, 7000);
}

export function sessionIdFromPath() {
  return decodeURIComponent(location.pathname.split("/")[2] || "");
}

// A link's token arrives after `#`: keep it on this device and take it out of the address bar,
// so it is in no screenshot, bookmark or shared screen.
export function takeToken(kind, sessionId) {
  const key = `tvb:${kind}:${sessionId}`;
  if (location.hash.length > 1) {
    localStorage.setItem(key, location.hash.slice(1));
    history.replaceState(null, "", location.pathname);
  }
  return localStorage.getItem(key);
}

// This device's reading choices (set on the phone): text up to 200 % and high contrast, which
// follows the system's `prefers-contrast: more` until the person chose.
export function applyLook() {
  const root = document.documentElement;
  const contrast = localStorage.getItem("tvb:contrast");
  root.style.fontSize = `${localStorage.getItem("tvb:text") || 100}%`;
  root.classList.toggle("contrast", contrast ? contrast === "on" : matchMedia("(prefers-contrast: more)").matches);
}
applyLook();

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

// A patch frame's operations applied to a view: `[path, value]` sets, `[path]` removes. The
// containers along each path are copied, so the view held before stays as it was.
export function patched(view, ops) {
  const root = { ...view };
  for (const [path, ...value] of ops) {
    let node = root;
    for (const key of path.slice(0, -1)) node = node[key] = Array.isArray(node[key]) ? [...node[key]] : { ...node[key] };
    const last = path[path.length - 1];
    if (value.length) node[last] = value[0]; else delete node[last];
  }
  return root;
}

const HEARTBEAT_MS = 4000;
let Stream = null;
const CLOSED = { 4401: "conn.badLink", 4403: "conn.removed", 4404: "conn.gone", 4409: "conn.replaced", 4410: "conn.gone", 4411: "conn.seatMoved", 4412: "conn.revoked" };

// One socket to the table, reconnecting with backoff; the token goes in the hello frame only.
// Closes that mean "you have no seat here" stop the retrying and say why.
export class TableSocket {
  constructor(sessionId, token, onState, onStatus) {
    Object.assign(this, { sessionId, token, onState, onStatus });
    this.pending = new Map();
    this.nextId = 1;
    this.delay = 500;
    this.quiet = 0;
    this.over = null;
    this.connect();
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.check();
    });
    addEventListener("online", () => this.connect());
    addEventListener("offline", () => this.drop());
    // back from the back-forward cache, or to the front again: look at once, not at the next beat
    addEventListener("pageshow", (event) => { if (event.persisted) this.check(); });
    addEventListener("focus", () => this.check());
    // A dropped network often closes nothing: ask the server every few seconds, and give up on
    // a socket that stays silent.
    setInterval(() => this.check(), HEARTBEAT_MS);
  }

  check() {
    if (this.over) return;
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
    for (const [, reject] of this.pending.values()) reject({ reason: "offline" });
    this.pending.clear();
    if (CLOSED[code]) { this.over = CLOSED[code]; this.onStatus(false, code, this.over); return; }
    this.since ??= Date.now();  // said in the header: since when
    this.before ??= this.view;  // to tell, once back, what happened meanwhile
    this.onStatus(false, code, "conn.offline", this.since);
    clearTimeout(this.retry);
    // 1012: that server stops (an update): at once. Else soon again, never more than 1.5 s
    // (a network that comes back fires no event), jittered so a room does not knock in step.
    this.retry = setTimeout(() => this.connect(), code === 1012 ? Math.random() * 200 : this.delay * (0.75 + Math.random() / 4));
    if (code !== 1012) this.delay = Math.min(this.delay * 2, 1500);
  }

  // Sockets that close before a word, twice, while the server answers HTTP: a network that
  // blocks WebSockets. Then the same frames go over plain HTTP (stream.js, loaded only then),
  // until a reconnect five minutes on tries a socket again (the phone may have changed network).
  connect() {
    if (this.over || (this.ws && this.ws.readyState <= WebSocket.OPEN)) return;
    if (this.http && Date.now() - this.http > 300000) this.http = this.quiet = 0;
    if (this.http && !Stream) { import("./stream.js").then((m) => { Stream = m.HttpStream; this.connect(); }); return; }
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = this.http ? new Stream(this.sessionId) : new WebSocket(`${scheme}://${location.host}/ws/${encodeURIComponent(this.sessionId)}`);
    this.ws = ws;
    const start = this.heard = Date.now();
    // the viewer's own choice of language, if they made one; else the session's
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", token: this.token, language: chosenLang() ?? undefined }));
    ws.onmessage = (event) => { this.heard = Date.now(); this.quiet = 0; this.receive(JSON.parse(event.data)); };
    ws.onbeat = () => { this.heard = Date.now(); };
    ws.onreply = (event) => this.receive(JSON.parse(event.data));
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (event.code < 4000 && this.heard === start && ++this.quiet > 1) fetch("/healthz").then((r) => { if (r.ok) this.http ||= Date.now(); }, () => {});
      this.closed(event.code);
    };
  }

  async receive(frame) {
    if (frame.server_now) offset = frame.server_now - Date.now();
    if (frame.type === "welcome") {
      this.welcome = frame;
      this.delay = 500;
      this.since = null;
      if (!this.http) document.getElementById("via")?.remove();
      this.onStatus(true);
      return;
    }
    if (frame.type === "patch") {  // what changed since the frame we hold; else all of it again
      if (this.view && !this.lost && frame.base === this.seq) {
        frame = { ...frame, type: "state", view: patched(this.view, frame.ops) };
      } else {
        if (!this.lost) this.ws?.send(JSON.stringify({ type: "resync" }));
        this.lost = true;  // until the state frame that answers it
        return;
      }
    }
    if (frame.type === "state") {
      // held at once (the patch right behind it applies to it), shown once its language is in
      const before = this.before;
      Object.assign(this, { seq: frame.seq, lost: false, before: null, view: frame.view });
      await adopt(frame.view.language);  // the session's language, until the viewer chose one
      const missed = before ? meanwhile(before, frame.view) : [];
      if (this.view === frame.view) this.onState(frame.view, frame.version);  // else a newer one shows
      if (missed.length) notice(t("conn.back", { what: missed.join(" · ") }));
      return;
    }
    const waiting = this.pending.get(frame.id);
    if (!waiting) return;
    this.pending.delete(frame.id);
    if (frame.type === "error") waiting[1](frame); else waiting[0](frame);
  }

  language(language) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: "language", language }));
  }

  command(name, args = {}) {
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      if (this.ws?.readyState !== WebSocket.OPEN) { reject({ reason: "offline" }); return; }
      this.pending.set(id, [resolve, reject]);
      this.ws.send(JSON.stringify({ type: "command", id, name, args }));
    });
  }
}

// The header every page shares: the language switch (which also tells the socket, so cards
// and questions follow).
export function setupChrome(onLanguage, socket = () => null) {
  document.documentElement.lang = lang();
  translateStatic();
  document.getElementById("lang")?.addEventListener("click", async () => {
    await setLang(lang() === "nl" ? "en" : "nl");
    socket()?.language(lang());
    onLanguage?.();
  });
}

export function showStatus(online, _code, key = "conn.offline", since = Date.now()) {
  const banner = document.getElementById("status");
  if (!banner) return;
  banner.hidden = online;
  const time = new Date(since).toLocaleTimeString(lang(), { hour: "2-digit", minute: "2-digit" });
  if (!online) banner.textContent = t(key, { time });
}

// What a viewer who was offline missed, said once when back: the warning, the time-up, a new
// phase or round.
function meanwhile(before, after) {
  const said = [];
  const same = before.round === after.round;
  if (same && !before.timer.warned && after.timer.warned) said.push(t("timer.warning"));
  if (same && before.phase === "discussing" && after.phase !== "discussing") said.push(t("timer.up"));
  else if (!same || before.phase !== after.phase) said.push(phaseLine(after));
  return said;
}

// A line under the header for a while (the status banner's place), and for screen readers.
export function notice(text) {
  const banner = document.getElementById("status");
  if (!banner) return;
  banner.textContent = text;
  banner.hidden = false;
  announce(text);
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { if (banner.textContent === text) banner.hidden = true; }, 10000);
}

// Keep the screen on while a round runs, where the browser can and unless this device said no
// (tvb:awake): a phone, the facilitator's laptop or the room's screen that sleeps stops the room.
export const ROUND = ["choosing", "reading", "discussing", "deciding", "reflecting"];
let lock = null;
let awake = false;
export function keepAwake(wanted) {
  awake = wanted && localStorage.getItem("tvb:awake") !== "off";
  if (awake && !lock && navigator.wakeLock && document.visibilityState === "visible") {
    lock = navigator.wakeLock.request("screen").then((l) => {
      l.addEventListener("release", () => { lock = null; });
      if (!awake) l.release();
      return l;
    }, () => { lock = null; });
  } else if (!awake && lock) {
    lock.then((l) => { if (!awake) l?.release(); });  // unless wanted again meanwhile
  }
}
document.addEventListener("visibilitychange", () => keepAwake(awake));

// A refusal in the viewer's language: by its reason (with its details), else its code.
export function errorText(error) {
  const params = { ...(error.params || {}) };
  for (const [k, v] of Object.entries(params)) if (Array.isArray(v)) params[k] = v.join(", ");
  for (const key of [`err.${error.reason}`, `err.${error.code}`]) if (has(key)) return t(key, params);
  return t("err.other");
}

export function showError(error) {
  const box = document.getElementById("error");
  if (!box) return;
  box.textContent = errorText(error);
  box.hidden = false;
}

export function clearError() {
  const box = document.getElementById("error");
  if (box) box.hidden = true;
}

// Run a command; a refusal shows its reason, a success clears the last refusal.
export function commander(getSocket) {
  return (name, args) => getSocket().command(name, args).then((ack) => { clearError(); return ack; }, (e) => { showError(e); throw e; });
}

export function phaseLine(view) {
  const bits = [t(`phase.${view.phase}`)];
  if (view.workshop?.table) bits.unshift(t("table.n", { n: view.workshop.table }));
  if (view.round) bits.push(t("round.of", { round: view.round, rounds: view.rounds }));
  if (view.open_card && ["choosing", "reading", "discussing"].includes(view.phase)) bits.push(t("round.open"));
  return bits.join(" · ");
}

export function nameOf(view, playerId) {
  return view.players.find((p) => p.id === playerId)?.name ?? "";
}

export function unitNames(view, unit) {
  return unit.members.map((m) => nameOf(view, m)).join(" & ");
}

// The facilitator's message to the room, on every phone and screen while it stands.
export function messageBanner(view) {
  if (!view.message) return null;
  return h("section", { class: "message", "data-say": "" }, h("p", { class: "card-kind" }, t("message.label")), h("p", {}, view.message));
}

// What the warning banner says stays true as the clock runs down: the last minute, then the last
// seconds.
export function warningText(left) {
  return t(left > 10000 ? "timer.lastMinute" : "timer.lastSeconds");
}

// The clocks tick in place between state frames: the view's timer ([data-timer], [data-ring]) and
// any other table's deadline ([data-deadline], on the console and the plenary screen).
export function startClock(getView = () => null) {
  setInterval(() => {
    for (const el of document.querySelectorAll("[data-deadline]")) el.textContent = formatMs(Math.max(0, Number(el.dataset.deadline) - serverNow()));
    const view = getView();
    if (!view) return;
    const left = remainingMs(view.timer);
    for (const el of document.querySelectorAll("[data-timer]")) el.textContent = formatMs(left);
    for (const el of document.querySelectorAll("[data-warning]")) el.textContent = warningText(left);
    for (const el of document.querySelectorAll("[data-ring]")) {
      el.style.strokeDashoffset = String(100 - (100 * left) / Math.max(1, view.timer.duration_ms));
    }
  }, 250);
}
