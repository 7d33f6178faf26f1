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
