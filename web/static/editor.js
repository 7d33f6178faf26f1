// A trainer's deck editor (/k/{library}/{deck}): every strategy card (title and text), every
// assignment card, every reflection question of each moment and the closing check-out, in each of the deck's languages,
// side by side. Saving makes the next version; a card that breaks a rule is named at the top and
// at its field, and nothing is saved. The library's key stays on this device (the library page
// took it).
import { call, download, languageName, MOMENT_CUES, problemText } from "./staff.js";
import { announce, clearError, h, mount, setupChrome, showError, takeToken } from "./common.js";
import { t } from "./i18n.js";

const [, , libraryId, deckId] = location.pathname.split("/").map(decodeURIComponent);
const key = takeToken("lib", libraryId);
const STRATEGIES = ["autoriteit", "eliminatie", "maximaliseren", "adequaat", "preselectie", "consensus"];
const MOMENTS = { "in-spel": 3, "over-spel": 5, "uit-spel": 6 };
let deck = null;  // the version shown: { deck_id, version, name, saved_at, document }
let problems = [];
let added = 0;  // assignment cards added here since the last save

const api = (path, init) => call(`/api/libraries/${libraryId}/decks/${encodeURIComponent(deckId)}${path}`, key, init);

// The standard deck's texts, for a card or question taken out earlier and put back.
const standard = {};
async function loadStandard() {
  for (const lang of ["nl", "en"]) standard[lang] = await (await fetch(`/api/decks/standaard?language=${lang}`)).json();
}

function fromStandard(kind, id, field) {
  return Object.fromEntries(Object.entries(standard).map(([lang, d]) => [lang, d[kind]?.find((c) => c.id === id)?.[field] ?? ""]));
}

async function load(version = null) {
  try {
    if (!standard.nl) await loadStandard();
    deck = await api(version ? `?version=${version}` : "");
    render();
  } catch (error) { showError(error); }
}

// Field ids: what a problem (card, field, language) points at.
const fieldId = (card, field, language) => `f-${card}-${field}-${language}`;

function texts(card, field, label, rows) {
  const langs = deck.document.languages;
  return h("div", { class: "langs" }, langs.map((lang) => {
    const id = fieldId(card.id, field, lang);
    const problem = problems.find((p) => p.card === card.id && p.field === field && p.language === lang);
    const attrs = { id, "data-card": card.id, "data-field": field, "data-lang": lang, "aria-invalid": problem ? "true" : null, "aria-describedby": problem ? `${id}-problem` : null };
    const input = rows ? h("textarea", { ...attrs, rows }, card[field]?.[lang] ?? "") : h("input", { ...attrs, value: card[field]?.[lang] ?? "", autocomplete: "off" });
    return h("p", { class: "field" }, h("label", { for: id }, `${label} · ${languageName(lang)}`), input,
      problem ? h("span", { id: `${id}-problem`, class: "field-problem" }, problemText(problem)) : null);
  }));
}

function strategySection(doc) {
  return h("section", {}, h("h2", {}, t("deck.strategies")), h("p", {}, t("deck.strategiesNote")),
    STRATEGIES.map((id) => {
      const card = doc.strategies.find((s) => s.id === id) ?? { id, title: fromStandard("strategies", id, "title"), text: fromStandard("strategies", id, "text") };
      const on = doc.strategies.some((s) => s.id === id);
      return h("fieldset", { class: "deck-card strategy", "data-strategy": id },
        h("legend", {}, card.title[doc.languages[0]] || id),
        h("label", { class: "check", for: `use-${id}` }, h("input", { id: `use-${id}`, type: "checkbox", checked: on, disabled: id === "consensus" }), t(id === "consensus" ? "deck.consensusAlways" : "deck.inGame")),
        texts(card, "title", t("deck.title"), 0), texts(card, "text", t("deck.text"), 4));
    }));
}

function opdrachtSection(doc) {
  return h("section", {}, h("h2", {}, t("deck.opdrachten")),
    doc.opdrachten.map((card, i) => h("fieldset", { class: "deck-card opdracht", "data-opdracht": card.id },
      h("legend", {}, t("deck.opdrachtN", { n: i + 1 })),
      texts(card, "text", t("deck.text"), 4),
      h("button", { type: "button", class: "secondary small", key: `remove-${card.id}`, onclick: () => { collect(); deck.document.opdrachten = deck.document.opdrachten.filter((o) => o.id !== card.id); render(); } }, t("deck.removeOpdracht", { n: i + 1 })))),
    h("button", { type: "button", class: "secondary", key: "add-opdracht", onclick: () => {
      collect();
      const taken = new Set(deck.document.opdrachten.map((o) => o.id));
      let id = `eigen-${++added}`;
      while (taken.has(id)) id = `eigen-${++added}`;
      deck.document.opdrachten.push({ id, text: {} });
      render();
      document.getElementById(fieldId(id, "text", deck.document.languages[0]))?.focus();
    } }, t("deck.addOpdracht")));
}

function promptSection(doc) {
  return h("section", {}, h("h2", {}, t("deck.prompts")),
    Object.entries(MOMENTS).map(([moment, count]) => h("fieldset", { class: "deck-moment" }, h("legend", {}, t(`deck.moment.${moment}`)),
      Array.from({ length: count }, (_, i) => {
        const id = `${moment}-${i + 1}`;
        const card = doc.prompts.find((p) => p.id === id) ?? { id, text: fromStandard("prompts", id, "text") };
        return h("div", { class: "deck-card prompt", "data-prompt": id },
          h("label", { class: "check", for: `ask-${id}` }, h("input", { id: `ask-${id}`, type: "checkbox", checked: doc.prompts.some((p) => p.id === id) }), t("deck.ask", { n: i + 1 })),
          texts(card, "text", t("deck.question", { n: i + 1 }), 2));
      }))));
}

// The deck's card languages (the pages speak nl and en; cards may be in any language): the first
// is the deck's own, played where a viewer's language has no cards; another may be added (it
// starts as not fully translated), taken out, or made the first.
function languagesSection(doc) {
  const change = (update) => () => { collect(); update(); render(); };
  const drop = (lang) => {
    doc.languages = doc.languages.filter((l) => l !== lang);
    doc.incomplete = doc.incomplete.filter((l) => l !== lang);
    const cards = [...doc.strategies, ...doc.opdrachten, ...doc.prompts, ...(doc.checkout ?? [])];
    for (const texts of [...cards.flatMap((c) => [c.title, c.text]), ...Object.values(doc.notes ?? {})]) if (texts) delete texts[lang];
  };
  const code = h("input", { id: "new-language", maxlength: 3, pattern: "[a-z]{2,3}", autocomplete: "off", "aria-describedby": "new-language-note", style: { maxWidth: "8em" } });
  return h("fieldset", { class: "languages" }, h("legend", {}, t("deck.languages")),
    doc.languages.map((lang, i) => h("div", { class: "row", id: fieldId("deck", "languages", lang), tabindex: "-1" },
      h("strong", {}, `${languageName(lang)} (${lang})`), i === 0 ? ` · ${t("deck.firstLanguage")}` : null,
      i > 0 ? h("label", { class: "check", for: `incomplete-${lang}` },
        h("input", { id: `incomplete-${lang}`, type: "checkbox", checked: doc.incomplete.includes(lang) }), t("deck.incomplete", { language: languageName(lang) })) : null,
      i > 0 ? h("button", { type: "button", class: "secondary small", key: `first-${lang}`, onclick: change(() => { doc.languages = [lang, ...doc.languages.filter((l) => l !== lang)]; }) }, t("deck.makeFirst", { language: languageName(lang) })) : null,
      doc.languages.length > 1 ? h("button", { type: "button", class: "secondary small", key: `drop-${lang}`, onclick: change(() => drop(lang)) }, t("deck.dropLanguage", { language: languageName(lang) })) : null)),
    h("p", { class: "field" }, h("label", { for: "new-language" }, t("deck.newLanguage")), code,
      h("span", { id: "new-language-note", class: "muted" }, t("deck.newLanguageNote"))),
    h("button", { type: "button", class: "secondary", key: "add-language", onclick: () => {
      const lang = code.value.trim().toLowerCase();
      if (!/^[a-z]{2,3}$/.test(lang) || doc.languages.includes(lang)) { code.setAttribute("aria-invalid", "true"); code.focus(); return; }
      change(() => { doc.languages = [...doc.languages, lang]; doc.incomplete = [...doc.incomplete, lang]; })();
      document.getElementById("new-language").value = "";
      document.getElementById(fieldId("consensus", "title", lang))?.focus();
    } }, t("deck.addLanguage")));
}

// The closing check-out: up to five questions, a 1-5 scale or one line, asked on the phones once
// the game has ended (anonymous).
function checkoutSection(doc) {
  const questions = doc.checkout ?? [];
  return h("section", {}, h("h2", {}, t("deck.checkout")), h("p", {}, t("deck.checkoutNote")),
    questions.map((q, i) => h("fieldset", { class: "deck-card checkout", "data-checkout": q.id },
      h("legend", {}, t("deck.checkoutN", { n: i + 1 })),
      h("p", { class: "field" }, h("label", { for: `kind-${q.id}` }, t("deck.kind")),
        h("select", { id: `kind-${q.id}` }, ["scale", "line"].map((kind) => h("option", { value: kind, selected: q.kind === kind }, t(`deck.kind.${kind}`))))),
      texts({ id: q.id, checkout: q.text }, "checkout", t("deck.question", { n: i + 1 }), 0),
      h("button", { type: "button", class: "secondary small", key: `remove-${q.id}`, onclick: () => { collect(); doc.checkout = doc.checkout.filter((c) => c.id !== q.id); render(); } }, t("deck.removeCheckout", { n: i + 1 })))),
    questions.length < 5 ? h("button", { type: "button", class: "secondary", key: "add-checkout", onclick: () => {
      collect();
      const taken = new Set(questions.map((c) => c.id));
      let n = questions.length + 1;
      while (taken.has(`vraag-${n}`)) n += 1;
      doc.checkout = [...questions, { id: `vraag-${n}`, kind: "scale", text: {} }];
      render();
      document.getElementById(fieldId(`vraag-${n}`, "checkout", doc.languages[0]))?.focus();
    } }, t("deck.addCheckout")) : null);
}

// The run-sheet: per moment the printed game's cue, and the trainer's notes (optional).
function notesSection(doc) {
  return h("section", {}, h("h2", {}, t("deck.notes")), h("p", {}, t("deck.notesNote")),
    Object.entries(MOMENT_CUES).map(([moment, cue]) => h("fieldset", { class: "deck-card note" },
      h("legend", {}, t(`deck.note.${moment}`)), h("p", { class: "cue" }, t(`fac.cue.${cue}`)),
      texts({ id: moment, notes: doc.notes?.[moment] ?? {} }, "notes", t("deck.yourNotes"), 2))));
}

// The form as a document: what the trainer typed, with the cards and questions they kept.
function collect() {
  const doc = deck.document;
  const read = (card, field) => Object.fromEntries([...document.querySelectorAll(`[data-card="${CSS.escape(card)}"][data-field="${field}"]`)].map((el) => [el.dataset.lang, el.value]));
  doc.name = document.getElementById("deck-name").value;
  doc.incomplete = doc.languages.filter((lang) => {  // the first has no box: its mark is kept
    const box = document.getElementById(`incomplete-${lang}`);
    return box ? box.checked : doc.incomplete.includes(lang);
  });
  doc.strategies = STRATEGIES.filter((id) => document.getElementById(`use-${id}`).checked).map((id) => ({ id, title: read(id, "title"), text: read(id, "text") }));
  doc.opdrachten = doc.opdrachten.map((o) => ({ id: o.id, text: read(o.id, "text") }));
  doc.checkout = (doc.checkout ?? []).map((q) => ({ id: q.id, kind: document.getElementById(`kind-${q.id}`).value, text: read(q.id, "checkout") }));
  doc.notes = Object.fromEntries(Object.keys(MOMENT_CUES).map((m) => [m, read(m, "notes")]).filter(([, n]) => Object.values(n).some((x) => x.trim())));
  doc.prompts = Object.entries(MOMENTS).flatMap(([moment, count]) => Array.from({ length: count }, (_, i) => `${moment}-${i + 1}`))
    .filter((id) => document.getElementById(`ask-${id}`).checked).map((id) => ({ id, text: read(id, "text") }));
  return doc;
}

async function save() {
  const doc = collect();
  try {
    deck = await api("", { method: "PUT", body: JSON.stringify({ base_version: deck.version, document: doc }) });
    problems = [];
    clearError();
    render();
    announce(t("deck.saved", { version: deck.version }));
  } catch (error) {
    problems = error.params?.problems ?? [];
    if (problems.length) clearError(); else showError(error);
    render();
    document.getElementById("problems")?.focus();
  }
}

function render() {
  const app = document.getElementById("app");
  if (!key) { mount(app, h("p", {}, t("library.noKey"))); return; }
  if (!deck) return;
  const doc = deck.document;
  const saved = new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" }).format(new Date(deck.saved_at));
  mount(app,
    h("p", {}, h("a", { href: `/l/${libraryId}` }, t("deck.back"))),
    h("p", { class: "lead" }, t("deck.version", { version: deck.version, saved })),
    problems.length ? h("section", { id: "problems", class: "error", tabindex: "-1", role: "alert" },
      h("p", {}, t("deck.problems", { n: problems.length })),
      h("ul", {}, problems.map((p) => h("li", {}, h("a", { href: `#${fieldId(p.card, p.field, p.language)}` }, problemText(p)))))) : null,
    h("form", { class: "deck-editor", onsubmit: (e) => { e.preventDefault(); save(); } },
      h("p", { class: "field" }, h("label", { for: "deck-name" }, t("deck.name")), h("input", { id: "deck-name", value: doc.name, maxlength: 80, autocomplete: "off" })),
      languagesSection(doc),
      strategySection(doc), opdrachtSection(doc), promptSection(doc), checkoutSection(doc), notesSection(doc),
      h("div", { class: "row save-bar" },
        h("button", { type: "submit", class: "primary", key: "save" }, t("deck.save")),
        h("a", { class: "button secondary", key: "print", href: `/print/${encodeURIComponent(deckId)}?library=${libraryId}&version=${deck.version}`, target: "_blank", rel: "noopener" }, t("deck.print")),
        h("button", { type: "button", class: "secondary", key: "download", onclick: () => download(`/api/libraries/${libraryId}/decks/${encodeURIComponent(deckId)}/file?version=${deck.version}`, key, `${deck.deck_id}-v${deck.version}.toml`) }, t("deck.download")))));
}

setupChrome(render);
if (key) load(); else render();
