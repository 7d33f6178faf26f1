// The ending, a reveal for everyone and the player's own line: a phone loads it only when the
// game has ended.
import { h } from "./common.js";
import { include, t } from "./i18n.js";

await include("ending");

// How the others did at recognising this unit's card, in words: nobody guessed, or k of n.
function recognised(round, unit) {
  if (round.open_card) return null;
  const score = round.recognition.find((r) => r.unit === unit.unit);
  return score ? t("summary.recognisedBy", { right: score.right, of: score.of }) : t("summary.noGuesses");
}

// The ending, a reveal: round by round, who held which card, what the group decided and who
// stood behind it, and who recognised whom. The same for everyone (the game is over: no
// secrets left); the phone puts the player's own line above it (`mine`).
export function summary(view) {
  if (!view.summary) return null;
  return h("section", { class: "summary" }, h("h2", {}, t("summary.heading")), h("div", { class: "rounds" },
    view.summary.map((r) => h("article", { class: "summary-round" },
      h("h3", {}, t("summary.round", { round: r.round }), r.open_card ? ` · ${t("round.open")}` : ""),
      r.decision
        ? h("p", { class: "summary-decision" }, h("span", { class: "visually-hidden" }, `${t("phase.deciding")}: `), r.decision.text)
        : h("p", { class: "summary-decision none" }, t("summary.noDecision")),
      r.decision ? h("p", { class: "support-line" }, t("decision.reached", { value: t(`reached.${r.decision.reached}`) }), " · ",
        t("summary.support", { yes: r.support_counts.yes ?? 0, partly: r.support_counts.partly ?? 0, no: r.support_counts.no ?? 0 })) : null,
      h("ul", { class: "summary-deal" }, r.deal.map((d) => h("li", {},
        h("span", { class: "summary-card" }, d.strategy.title), " ",
        h("span", { class: "summary-names" }, d.names.join(" & ")),
        recognised(r, d) ? h("span", { class: "recognition" }, recognised(r, d)) : null)))))));
}

// A player's own game at the end: their card each round and how many they recognised.
export function mine(view) {
  if (!view.summary || !view.me) return null;
  const lines = view.summary.map((r) => {
    const own = r.deal.find((d) => d.members.includes(view.me.player_id));
    if (!own) return null;
    const mates = own.names.filter((n) => n !== view.me.name);
    return h("li", {}, t("summary.round", { round: r.round }), ": ",
      h("strong", { class: "summary-card" }, own.strategy.title), mates.length ? ` (${t("summary.with", { names: mates.join(" & ") })})` : "",
      own.guessed ? h("span", { class: "recognition" }, t("summary.youGuessed", { right: own.guessed_right, of: own.guessed })) : null);
  }).filter(Boolean);
  return lines.length ? h("section", { class: "step mine" }, h("h2", {}, t("ended.thanks")), h("p", {}, t("summary.yours")), h("ul", { class: "plain" }, lines)) : null;
}

// The closing check-out: the trainer's few questions, anonymous. A number is sent when it is
// tapped and a line with its button, each on its own (a flaky phone loses at most one answer);
// answering again changes it.
export function checkout(view, act) {
  const asked = view.checkout;
  if (!asked || !view.me) return null;
  const mine = view.me.checkout ?? {};
  return h("section", { class: "step checkout" }, h("h2", {}, t("checkout.heading")), h("p", {}, t("checkout.anonymous")),
    asked.questions.map((q) => {
      const id = `checkout-${q.id}`;
      const given = mine[q.id];
      if (q.kind === "scale") {
        return h("fieldset", {}, h("legend", {}, q.text),
          h("div", { class: "row choices", style: { gridTemplateColumns: "repeat(5, 1fr)" } }, [1, 2, 3, 4, 5].map((n) =>
            h("button", { type: "button", key: `${id}-${n}`, class: given === n ? "chosen" : "secondary", "aria-pressed": String(given === n), "aria-label": t("checkout.score", { n }), onclick: () => act("check_out", { answers: { [q.id]: n } }).catch(() => {}) }, String(n)))),
          h("p", { class: "scale-ends" }, t("checkout.ends")),
          given ? h("p", { class: "done", "data-say": "" }, "✓ ", t("checkout.sent")) : null);
      }
      const line = h("input", { id, maxlength: 200, value: given ?? "" });
      const form = h("form", {}, h("label", { for: id }, q.text), line,
        h("button", { type: "submit", key: `${id}-send` }, t(given ? "checkout.change" : "checkout.send")),
        given ? h("p", { class: "done", "data-say": "" }, "✓ ", t("checkout.sent")) : null);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (line.value.trim()) act("check_out", { answers: { [q.id]: line.value } }).catch(() => {});
      });
      return form;
    }));
}

// The check-out's answers for the staff (and the debrief): counted, never by name, and only once
// a few have answered (the server sends none before).
export function checkoutResults(results, given) {
  if (!results?.length && !given) return null;
  return h("section", { class: "checkout-results" }, h("h2", {}, t("checkout.results")), given === undefined ? null : h("p", {}, t("checkout.given", { n: given })),
    results?.length ? null : h("p", {}, t("checkout.few")),
    (results ?? []).map((r) => h("article", {}, h("h3", {}, r.text),
      r.kind === "scale"
        ? h("p", {}, r.mean === null ? t("checkout.none") : t("checkout.mean", { mean: r.mean.toLocaleString(document.documentElement.lang), n: r.answered }), " · ",
          r.counts.map((c, i) => `${i + 1}: ${c}`).join(" · "))
        : r.lines.length ? h("ul", {}, r.lines.map((line) => h("li", {}, line))) : h("p", {}, t("checkout.none")))));
}
