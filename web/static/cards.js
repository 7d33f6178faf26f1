// Every card and question of a deck, to print as a backup when phones fail (or to play on
// paper): red strategy cards, purple assignment cards, the reflection questions. In the
// reader's language; nothing here is secret.
import { call, MOMENT_CUES } from "./staff.js";
import { h, mount, setupChrome, showError } from "./common.js";
import { lang, t } from "./i18n.js";

const deck = decodeURIComponent(location.pathname.split("/")[2] || "standaard");
const query = new URLSearchParams(location.search);
const library = query.get("library");  // a library's own deck (its key is on this device)
let cards = null;

// A library deck's version in the reader's language (else the deck's first), like a session.
function inLanguage(doc) {
  const say = (texts) => texts[lang()]?.trim() || texts[doc.languages[0]] || "";
  return {
    name: doc.name,
    strategies: doc.strategies.map((s) => ({ title: say(s.title), text: say(s.text) })),
    opdrachten: doc.opdrachten.map((o) => ({ text: say(o.text) })),
    prompts: doc.prompts.map((p) => ({ id: p.id, text: say(p.text) })),
    notes: Object.fromEntries(Object.entries(doc.notes ?? {}).map(([m, n]) => [m, say(n)])),
    checkout: (doc.checkout ?? []).map((q) => ({ kind: q.kind, text: say(q.text) })),
  };
}

async function load() {
  try {
    if (library) {
      const version = query.get("version") ? `?version=${encodeURIComponent(query.get("version"))}` : "";
      cards = inLanguage((await call(`/api/libraries/${library}/decks/${encodeURIComponent(deck)}${version}`, localStorage.getItem(`tvb:lib:${library}`))).document);
    } else {
      cards = await call(`/api/decks/${encodeURIComponent(deck)}?language=${lang()}`, null);
    }
    render();
  } catch (error) { showError(error); }
}

function runSheet() {
  const moments = Object.keys(MOMENT_CUES).filter((m) => cards.notes?.[m]);
  return moments.length ? h("section", { class: "print-set" }, h("h2", {}, t("print.notes")),
    h("dl", { class: "run-sheet" }, moments.map((m) => [h("dt", {}, t(`deck.note.${m}`)), h("dd", {}, h("p", { class: "cue" }, t(`fac.cue.${MOMENT_CUES[m]}`)), h("p", {}, cards.notes[m]))]))) : null;
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
      group(t("print.inGame"), "in-spel"), group(t("print.aboutGame"), "over-spel"), group(t("print.fromGame"), "uit-spel"),
      cards.checkout?.length ? h("section", { class: "print-questions" }, h("h3", {}, t("deck.checkout")),
        h("ol", {}, cards.checkout.map((q) => h("li", {}, q.text, ` (${t(`deck.kind.${q.kind}`)})`)))) : null),
    runSheet());
}

setupChrome(load);
load();
