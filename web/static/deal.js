// The facilitator prints this round's deal when phones fail: one card per pair or player, with
// the assignment, two to a page, to cut out or hand over. For the facilitator's eyes only: it
// reads with the facilitator's token and shows every card.
import { call } from "./staff.js";
import { h, mount, sessionIdFromPath, setupChrome, showError, takeToken, unitNames } from "./common.js";
import { t } from "./i18n.js";

const sessionId = sessionIdFromPath();
const token = takeToken("fac", sessionId);
let view = null;

async function load() {
  const body = await call(`/api/sessions/${sessionId}/replay?version=1000000000&viewer=facilitator`, token).catch(showError);
  if (!body) return;
  view = body.view;
  render();
}

function render() {
  if (!view) return;
  const dealt = view.units.filter((u) => u.strategy);
  mount(document.getElementById("app"),
    h("p", { class: "no-print" }, t("print.dealIntro"), " ",
      dealt.length ? h("button", { type: "button", class: "primary", key: "print", onclick: () => window.print() }, t("print.button")) : null),
    dealt.length ? null : h("p", {}, t("print.noDeal")),
    h("div", { class: "print-deal" }, dealt.map((u) => h("article", { class: "print-card strategy deal-card" },
      h("p", { class: "card-kind" }, t("print.forUnit", { round: view.round, names: unitNames(view, u) })),
      h("p", { class: "card-title" }, u.strategy.title), h("p", {}, u.strategy.text),
      view.opdracht ? h("p", { class: "deal-opdracht" }, h("strong", {}, `${t("card.opdracht")}: `), view.opdracht.text) : null))));
}

setupChrome(load);
load();
