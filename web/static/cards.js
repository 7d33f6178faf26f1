// Every card and question of a deck, to print as a backup when phones fail (or to play on
// paper): red strategy cards, purple assignment cards, the reflection questions. In the
// reader's language; nothing here is secret.
import "./staff.js";
import { h, mount, setupChrome, showError } from "./common.js";
import { lang, t } from "./i18n.js";

const deck = decodeURIComponent(location.pathname.split("/")[2] || "standaard");
let cards = null;

async function load() {
  const response = await fetch(`/api/decks/${encodeURIComponent(deck)}?language=${lang()}`);
  const body = await response.json();
  if (!response.ok) { showError(body.error); return; }
  cards = body;
  render();
}

function group(title, prefix) {
  const asked = cards.prompts.filter((p) => p.id.startsWith(prefix));
  return asked.length ? h("section", { class: "print-questions" }, h("h3", {}, title), h("ol", {}, asked.map((p) => h("li", {}, p.text)))) : null;
}

function render() {
  if (!cards) return;
  mount(document.getElementById("app"),
    h("p", { class: "no-print" }, t("print.cardsIntro"), " ",
      h("button", { type: "button", class: "primary", key: "print", onclick: () => window.print() }, t("print.button"))),
    h("section", { class: "print-set" }, h("h2", {}, t("print.strategies")),
      h("div", { class: "print-cards" }, cards.strategies.map((s) => h("article", { class: "print-card strategy" },
        h("p", { class: "card-kind" }, t("card.strategy")), h("p", { class: "card-title" }, s.title), h("p", {}, s.text))))),
    h("section", { class: "print-set" }, h("h2", {}, t("print.opdrachten")),
      h("div", { class: "print-cards" }, cards.opdrachten.map((o) => h("article", { class: "print-card opdracht" },
        h("p", { class: "card-kind" }, t("card.opdracht")), h("p", {}, o.text))))),
    h("section", { class: "print-set" }, h("h2", {}, t("print.questions")),
      group(t("print.inGame"), "in-spel"), group(t("print.aboutGame"), "over-spel"), group(t("print.fromGame"), "uit-spel")));
}

setupChrome(load);
load();
