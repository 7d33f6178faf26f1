// The shared screen (projector or video call) carries the room: large, one thing at a time, no
// scrolling, public things only. It never holds a secret.
import { h, keepAwake, messageBanner, mount, nameOf, phaseLine, ROUND, sessionIdFromPath, setupChrome, showStatus, startClock, TableSocket, takeToken, unitNames } from "./common.js";
import { decisionBlock, faceDown, opdrachtCard, promptCard, strategyCard, timerBlock } from "./components.js";
import { summary } from "./ending.js";
import { joinPanel, readyLine } from "./room.js";
import { t } from "./i18n.js";

const sessionId = sessionIdFromPath();
const token = takeToken("screen", sessionId);
let view = null;

// The open-card round's cards side by side, readable from the back row: face up once laid open
// (turned over once), face down until then. Up to four in two columns, five or six in three.
function table(v) {
  return h("div", { class: `table-cards n${Math.min(6, Math.max(2, v.units.length))}` }, v.units.map((u) => u.revealed && u.strategy
    ? strategyCard(u.strategy, { names: unitNames(v, u), flip: `${v.round}-${u.id}` })
    : h("div", { class: "seat" }, faceDown(unitNames(v, u)), h("p", { class: "visually-hidden" }, t("card.closed")))));
}

function names(v) {
  return h("ul", { class: "names" }, v.players.map((p) => h("li", { class: p.connected ? "online" : "offline" }, p.name)));
}

// Each phase fills the projector with the one thing the room looks at now: the card, the clock,
// the decision or the question, large; the rest smaller or left to the phones.
function body(v) {
  switch (v.phase) {
    case "lobby":
      return h("div", { class: "stage lobby" }, joinPanel(v, { big: true }),
        h("div", {}, h("h2", {}, t("players.count", { n: v.players.length })), names(v)));
    case "choosing":
      return h("div", { class: "stage choosing" }, h("p", { class: "headline" }, v.picker ? t("screen.picks", { name: nameOf(v, v.picker) }) : t("screen.facPicks")),
        h("div", { class: "fan" }, Array.from({ length: v.opdracht_slots }, (_, i) => faceDown(String(i + 1), "opdracht"))));
    case "reading":
      if (v.open_card) return h("div", { class: "stage open" }, h("div", { class: "side" }, opdrachtCard(v.opdracht)), table(v));
      return h("div", { class: "stage reading" }, opdrachtCard(v.opdracht), h("p", { class: "headline" }, readyLine(v)));
    case "discussing":
      if (v.open_card) {  // the cards take the room: the clock and the assignment move aside
        return h("div", { class: "stage open" }, h("div", { class: "side" }, timerBlock(v), opdrachtCard(v.opdracht)), table(v));
      }
      return h("div", { class: "stage discussing" }, timerBlock(v, { big: true }), opdrachtCard(v.opdracht));
    case "deciding":
      return v.decision ? h("div", { class: "stage decided" }, decisionBlock(v))
        : h("div", { class: "stage up" }, h("p", { class: "times-up" }, t("timer.up")), h("p", { class: "headline" }, t("screen.waitDecision")), opdrachtCard(v.opdracht));
    case "reflecting": {
      const shown = v.answers.filter((a) => a.shown);
      return h("div", { class: `stage reflecting${shown.length ? " with-answers" : ""}` }, promptCard(v.prompt),
        shown.length ? h("ul", { class: "wall", "aria-label": t("screen.answers") }, shown.map((a) => h("li", {}, a.text, a.author ? h("span", { class: "by" }, a.author) : null))) : null);
    }
    case "ended":
      return h("div", { class: `stage ended r${Math.min(6, v.summary?.length ?? 1)}` }, summary(v));
  }
  return null;
}

// Nothing scrolls on a projector: a box whose text runs past its edges gets smaller type, step by
// step, down to FIT_MIN of its size (the open cards all together, so they stay alike).
const FIT_MIN = 0.3;
function overflows(box) {
  const edge = box.getBoundingClientRect();
  return box.scrollHeight > box.clientHeight + 1 || [...box.children].some((child) => {
    const r = child.getBoundingClientRect();
    return r.top < edge.top - 1 || r.bottom > edge.bottom + 1;  // centred content runs out at both ends
  });
}

function fit() {
  for (const box of document.querySelectorAll("#app > .message, #app .table-cards, #app .stage > .card, #app .stage > .wall, #app .stage > .decision")) {
    const cards = box.matches(".table-cards") ? [...box.querySelectorAll(".card")] : [box];
    box.style.fontSize = "";
    const base = parseFloat(getComputedStyle(box).fontSize);
    for (let scale = 0.9; scale >= FIT_MIN && cards.some(overflows); scale *= 0.9) box.style.fontSize = `${base * scale}px`;
  }
}

function render() {
  if (view) keepAwake(ROUND.includes(view.phase));
  if (view) mount(document.getElementById("app"), h("p", { class: "phase" }, phaseLine(view)), messageBanner(view), body(view));
  fit();
}
addEventListener("resize", fit);

let socket = null;
setupChrome(render, () => socket);
socket = new TableSocket(sessionId, token, (v) => { view = v; render(); }, showStatus);
startClock(() => view);
