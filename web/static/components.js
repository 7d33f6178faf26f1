// The pieces every page draws the same way, written once: cards (the printed game's red
// strategy and purple assignment cards), the timer, players, decisions and support, the ending.
import { formatMs, h, remainingMs, sayOnce, warningText } from "./common.js";
import { t } from "./i18n.js";

function firstSentence(text) {
  const match = text.match(/^.*?[.?!](\s|$)/);
  return match && match[0].length < text.length ? match[0].trim() : null;
}

// The purple card. `short`: the first sentence, the rest one tap away (phones keep the step in
// sight).
export function opdrachtCard(opdracht, { short = false, key = "opdracht" } = {}) {
  if (!opdracht) return null;
  const first = short ? firstSentence(opdracht.text) : null;
  return h("section", { class: "card opdracht", "aria-label": t("card.opdracht") },
    h("p", { class: "card-kind" }, t("card.opdracht")),
    first
      ? h("details", { key: `more-${key}` }, h("summary", { key: `more-${key}-summary` }, first, " ", h("span", { class: "more" }, t("card.more"))), h("p", {}, opdracht.text))
      : h("p", { class: "card-text" }, opdracht.text));
}

// Cards already turned over on this page: a state frame redraws the page, and a card must turn
// once, when it is laid open, not again at every frame (it would spin, mirrored, all discussion).
const turned = new Set();

// The red card, face up. `flip` (a key: round and unit) turns it over the first time it appears
// open: from edge-on to flat, so its text is never seen mirrored.
export function strategyCard(strategy, { kind = "card.strategy", names = "", flip = null } = {}) {
  const turn = flip !== null && !turned.has(flip);
  if (turn) turned.add(flip);
  return h("section", { class: `card strategy${turn ? " flip" : ""}`, "aria-label": `${t(kind)}: ${strategy.title}` },
    h("p", { class: "card-kind" }, t(kind), names ? ` · ${names}` : ""),
    h("p", { class: "card-title" }, strategy.title),
    h("p", { class: "card-text" }, strategy.text));
}

export function faceDown(label, kind = "strategy") {
  return h("div", { class: `card back ${kind}` }, h("p", { class: "card-title" }, label));
}

export function promptCard(prompt) {
  if (!prompt) return null;
  return h("section", { class: "card prompt", "aria-label": t("card.prompt", prompt) },
    h("p", { class: "card-kind" }, t("card.prompt", prompt)),
    h("p", { class: "card-title" }, prompt.text));
}

// The countdown with a ring; the ring and digits tick in place (common.startClock).
export function timerBlock(view, { big = false } = {}) {
  const timer = view.timer;
  const left = remainingMs(timer);
  const up = view.phase !== "discussing";
  if (timer.warned && !up) sayOnce(`warn-${view.round}`, t("timer.warning"));
  const ring = h("span", { class: "ring", "aria-hidden": "true" });
  ring.innerHTML = '<svg viewBox="0 0 36 36"><circle cx="18" cy="18" r="15.9" pathLength="100" class="track"/><circle cx="18" cy="18" r="15.9" pathLength="100" class="left" data-ring="1"/></svg>';
  ring.querySelector("[data-ring]").style.strokeDashoffset = String(100 - (100 * left) / Math.max(1, timer.duration_ms));
  return h("div", { class: `timer${big ? " big" : ""}${timer.warned ? " warned" : ""}`, role: "timer", "aria-label": t("timer.left") },
    ring,
    h("p", { class: "clock", "data-timer": up ? null : "1" }, up ? "0:00" : formatMs(left)),
    timer.status === "paused" ? h("p", { class: "paused" }, t("timer.paused")) : null,
    timer.warned && !up ? h("p", { class: "warning", "data-warning": "1" }, warningText(left)) : null);
}


export function playerList(view, remove = null) {
  return h("ul", { class: "players", "aria-label": t("players.count", { n: view.players.length }) },
    view.players.map((p) => h("li", { class: p.connected ? "online" : "offline" },
      h("span", { class: "dot", "aria-hidden": "true" }), p.name,
      p.organisation ? h("span", { class: "org" }, ` · ${p.organisation}`) : null,
      h("span", { class: "visually-hidden" }, ` (${t(p.connected ? "players.online" : "players.offline")})`),
      remove ? h("button", { type: "button", class: "icon", key: `remove-${p.id}`, "aria-label": t("fac.remove", { name: p.name }), onclick: () => remove(p) }, "×") : null)));
}

export function supportCounts(view) {
  const c = view.support_counts;
  const given = (c.yes ?? 0) + (c.partly ?? 0) + (c.no ?? 0);
  return { yes: c.yes ?? 0, partly: c.partly ?? 0, no: c.no ?? 0, none: Math.max(0, view.players.length - given) };
}

// The decision, large, with who stands behind it as a bar.
export function decisionBlock(view, { bar = true } = {}) {
  if (!view.decision) return null;
  const counts = supportCounts(view);
  return h("section", { class: "decision" },
    h("p", { class: "card-kind" }, t("phase.deciding")),
    h("p", { class: "decision-text" }, view.decision.text),
    h("p", {}, t("decision.reached", { value: t(`reached.${view.decision.reached}`) })),
    bar && h("div", { class: "support-bar", "aria-hidden": "true" },
      ["yes", "partly", "no", "none"].map((k) => counts[k] ? h("span", { class: `s-${k}`, style: { flexGrow: String(counts[k]) } }, String(counts[k])) : null)),
    h("p", { class: "support-line" }, t("support.line", counts)));
}
