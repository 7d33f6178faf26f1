// A debrief to print (A4) for one session or a whole workshop: per round the assignment, who held
// which strategy, the time, the decision and who stood behind it, which strategies were
// recognised, the reflections; then the charts. Opened with the trainer's link or a library key.
import { call } from "./staff.js";
import { chartGrid } from "./charts.js";
import { checkoutResults } from "./ending.js";
import { h, mount, sessionIdFromPath, setupChrome, showError, takeToken } from "./common.js";
import { include, lang, t } from "./i18n.js";

await include("ending");

const sessionId = sessionIdFromPath();
const token = takeToken("trainer", sessionId);
let report = null;
let insights = null;

const api = (path) => call(`/api/sessions/${sessionId}/${path}`, token);

async function load() {
  try {
    [report, insights] = await Promise.all([report ?? api("export?format=json"), api(`insights?language=${lang()}`)]);
    render();
  } catch (error) { showError(error); }
}

const seconds = (ms) => t("seconds", { n: Math.round(ms / 1000) });

function round(r) {
  const votes = Object.entries(r.supports);
  const count = (value) => votes.filter(([, v]) => v === value).length;
  return h("article", { class: "debrief-round" },
    h("h3", {}, t("summary.round", { round: r.round }), r.open_card ? ` · ${t("round.open")}` : ""),
    r.opdracht ? h("p", { class: "summary-opdracht" }, r.opdracht.text) : null,
    h("ul", { class: "summary-deal" }, r.deal.map((d) => h("li", {}, h("strong", {}, d.title), ": ", d.names.join(" & ")))),
    h("p", {}, h("strong", {}, `${t("debrief.time")}: `), seconds(r.discussion_ms)),
    r.decision
      ? h("p", {}, h("strong", {}, `${t("debrief.decision")}: `), r.decision.text, ` — ${t("decision.reached", { value: t(`reached.${r.decision.reached}`) })}`)
      : h("p", {}, t("summary.noDecision")),
    votes.length ? h("p", { class: "support-line" }, t("summary.support", { yes: count("yes"), partly: count("partly"), no: count("no") }), " (",
      votes.map(([name, v]) => `${name}: ${t(`reached.${v}`)}`).join(", "), ")") : null,
    r.recognition.length ? h("p", { class: "recognition" }, t("summary.recognised"), " ",
      r.recognition.map((s) => t("summary.recognition", { title: s.title, right: s.right, of: s.of })).join(" · ")) : null,
    r.answers.length ? h("section", {}, h("h4", {}, t("replay.answers")),
      h("ul", {}, r.answers.map((a) => h("li", {}, h("em", {}, a.prompt), h("br"), h("strong", {}, `${a.author ?? t("fac.anonymous")}: `), a.text)))) : null);
}

function table(d, number = null) {
  const date = new Intl.DateTimeFormat(lang(), { dateStyle: "long" }).format(new Date(d.created_at));
  return h("section", { class: "debrief-table" },
    h("h2", {}, number === null ? t("debrief.session", { date }) : t("debrief.table", { n: number, date })),
    h("p", {}, h("strong", {}, `${t("debrief.players")}: `), d.players.map((p) => (p.organisation ? `${p.name} (${p.organisation})` : p.name)).join(", ")),
    d.rounds.length ? d.rounds.map(round) : h("p", {}, t("debrief.noRounds")),
    checkoutResults(d.checkout, d.checkout_given));
}

function render() {
  if (!report) return;
  const tables = report.tables ? report.tables.map((d) => table(d, d.table)) : [table(report)];
  mount(document.getElementById("app"),
    h("p", { class: "no-print row" }, t("debrief.intro"), " ",
      h("button", { type: "button", class: "primary", key: "print", onclick: () => window.print() }, t("print.button"))),
    tables,
    insights ? h("section", { class: "debrief-charts" }, h("h2", {}, t("insights.heading")), chartGrid(insights.charts)) : null);
}

setupChrome(load);
load();
