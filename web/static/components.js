// The pieces every page draws the same way, written once: cards (the printed game's red
// strategy and purple assignment cards), the timer, players, the join panel, decisions and
// support, the ending.
import { announce, formatMs, h, remainingMs } from "./common.js";
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
      ? h("details", { key: `more-${key}` }, h("summary", {}, first, " ", h("span", { class: "more" }, t("card.more"))), h("p", {}, opdracht.text))
      : h("p", { class: "card-text" }, opdracht.text));
}

// The red card, face up. `flip` turns it over as it appears (the open-card reveal).
export function strategyCard(strategy, { kind = "card.strategy", names = "", flip = false } = {}) {
  return h("section", { class: `card strategy${flip ? " flip" : ""}`, "aria-label": `${t(kind)}: ${strategy.title}` },
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
  if (timer.warned && !up) announce(t("timer.warning"));
  const ring = h("span", { class: "ring", "aria-hidden": "true" });
  ring.innerHTML = '<svg viewBox="0 0 36 36"><circle cx="18" cy="18" r="15.9" pathLength="100" class="track"/><circle cx="18" cy="18" r="15.9" pathLength="100" class="left" data-ring="1"/></svg>';
  ring.querySelector("[data-ring]").style.strokeDashoffset = String(100 - (100 * left) / Math.max(1, timer.duration_ms));
  return h("div", { class: `timer${big ? " big" : ""}${timer.warned ? " warned" : ""}`, role: "timer", "aria-label": t("timer.left") },
    ring,
    h("p", { class: "clock", "data-timer": up ? null : "1" }, up ? "0:00" : formatMs(left)),
    timer.status === "paused" ? h("p", { class: "paused" }, t("timer.paused")) : null,
    timer.warned && !up ? h("p", { class: "warning" }, t("timer.warning")) : null);
}

export function playerList(view, remove = null) {
  return h("ul", { class: "players", "aria-label": t("players.count", { n: view.players.length }) },
    view.players.map((p) => h("li", { class: p.connected ? "online" : "offline" },
      h("span", { class: "dot", "aria-hidden": "true" }), p.name,
      p.organisation ? h("span", { class: "org" }, ` · ${p.organisation}`) : null,
      h("span", { class: "visually-hidden" }, ` (${t(p.connected ? "players.online" : "players.offline")})`),
      remove ? h("button", { type: "button", class: "icon", key: `remove-${p.id}`, "aria-label": t("fac.remove", { name: p.name }), onclick: () => remove(p) }, "×") : null)));
}

export function joinPanel(view, { big = false } = {}) {
  const url = `${location.host}/j`;
  return h("section", { class: `join-panel${big ? " big" : ""}` },
    h("img", { class: "qr", src: `/qr/${encodeURIComponent(view.join_code)}.svg`, alt: `QR: ${location.origin}/j/${view.join_code}`, width: 224, height: 224 }),
    h("div", {},
      h("p", { class: "label" }, t("screen.code")),
      h("p", { class: "code", "data-testid": "join-code" }, view.join_code),
      h("p", {}, t("screen.join", { url }))));
}

export function readyLine(view) {
  const ready = view.units.filter((u) => u.ready).length;
  return t("ready.count", { ready, units: view.units.length });
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

// The ending: every round, who held which card, what was decided and who stood behind it.
export function summary(view) {
  if (!view.summary) return null;
  return h("section", { class: "summary" }, h("h2", {}, t("summary.heading")), h("div", { class: "rounds" },
    view.summary.map((r) => h("article", { class: "summary-round" },
      h("h3", {}, t("summary.round", { round: r.round }), r.open_card ? ` · ${t("round.open")}` : ""),
      r.opdracht ? h("p", { class: "summary-opdracht" }, r.opdracht.text) : null,
      h("ul", { class: "summary-deal" }, r.deal.map((d) => h("li", {}, h("strong", {}, d.strategy.title), ": ", d.names.join(" & ")))),
      r.decision
        ? h("p", {}, h("strong", {}, r.decision.text), ` — ${t("decision.reached", { value: t(`reached.${r.decision.reached}`) })}`)
        : h("p", {}, t("summary.noDecision")),
      h("p", { class: "support-line" }, t("summary.support", { yes: r.support_counts.yes ?? 0, partly: r.support_counts.partly ?? 0, no: r.support_counts.no ?? 0 })),
      r.recognition?.length ? h("p", { class: "recognition" }, t("summary.recognised"), " ",
        r.recognition.map((s) => t("summary.recognition", { title: s.strategy.title, right: s.right, of: s.of })).join(" · ")) : null))));
}
