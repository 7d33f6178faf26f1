// A trainer's library: the sessions filed under one private key (open, export, print a debrief,
// delete, see when the retention sweep takes them), new sessions filed at once, and insights with
// charts across them. The key arrives after `#` and stays on this device.
import { call, confirmButton, download, linksPanel, problemText } from "./staff.js";
import { chartGrid } from "./charts.js";
import { clearError, h, mount, sessionIdFromPath, setupChrome, showError, takeToken } from "./common.js";
import { lang, t } from "./i18n.js";

const libraryId = sessionIdFromPath();
let key = takeToken("lib", libraryId);
let listing = null;
let decks = [];  // the library's own decks, each with its versions
let insights = null;
let created = null;  // the links of a session just made here
let rotated = null;  // the new key link, shown once
let refused = [];  // what the checker found in the last deck file uploaded here
let filter = { since: "", until: "", label: "", deck: "", version: "" };

const api = (path, init) => call(`/api/libraries/${libraryId}${path}`, key, init);

const day = (ms) => new Intl.DateTimeFormat(lang(), { day: "numeric", month: "short", year: "numeric" }).format(new Date(ms));

async function load() {
  try {
    listing = await api("");
    decks = await api("/decks");
    await loadInsights();
  } catch (error) {
    listing = null;
    showError(error);
    render();
  }
}

async function loadInsights() {
  const query = new URLSearchParams({ language: lang() });
  for (const [name, value] of Object.entries(filter)) if (value) query.set(name, value);
  insights = await api(`/insights?${query}`);
  render();
}

function downloadCsv() {
  const query = new URLSearchParams({ language: lang(), format: "csv" });
  for (const [name, value] of Object.entries(filter)) if (value) query.set(name, value);
  return download(`/api/libraries/${libraryId}/insights?${query}`, key, `theater-insights-${libraryId}.csv`);
}

function field(id, label, input) {
  return h("p", { class: "field" }, h("label", { for: id }, label), input);
}

function createForm() {
  const submit = async (event) => {
    event.preventDefault();
    const form = event.target;
    const tables = form.elements.tables.value;
    const settings = { language: form.elements.language.value, deck: form.elements.deck.value, ...(tables ? { tables: tables === "auto" ? "auto" : Number(tables) } : {}) };
    try {
      const made = await api("/sessions", { method: "POST", body: JSON.stringify({ settings, label: form.elements.label.value.trim() }) });
      created = made.links;
      form.reset();
      await load();
    } catch (error) { showError(error); }
  };
  return h("form", { class: "card-form", onsubmit: submit },
    h("h2", {}, t("library.new")),
    field("new-label", t("library.label"), h("input", { id: "new-label", name: "label", maxlength: 80, autocomplete: "off" })),
    field("new-language", t("host.language"), h("select", { id: "new-language", name: "language" },
      h("option", { value: "nl", selected: lang() === "nl" }, "Nederlands"), h("option", { value: "en", selected: lang() === "en" }, "English"))),
    field("new-deck", t("library.deck"), h("select", { id: "new-deck", name: "deck" },
      h("option", { value: "standaard" }, t("library.standardDeck")),
      decks.map((d) => h("option", { value: d.deck_id }, `${d.name} (v${d.versions.at(-1).version})`)))),
    field("new-tables", t("host.tables"), h("select", { id: "new-tables", name: "tables" },
      h("option", { value: "" }, t("host.oneTable")),
      [2, 3, 4, 5, 6, 7, 8].map((n) => h("option", { value: n }, t("host.tablesN", { n }))),
      h("option", { value: "auto" }, t("host.tablesAuto")))),
    h("button", { type: "submit", class: "primary", key: "create" }, t("library.create")),
    created ? linksPanel(created) : null);
}

// An existing session joins the library by its replay (trainer) link, pasted whole.
function addForm() {
  const submit = async (event) => {
    event.preventDefault();
    const form = event.target;
    const match = form.elements.link.value.trim().match(/\/[rfw]\/([0-9a-f]{16})#(.+)$/);
    if (!match) { showError({ code: "invalid_args", reason: "library_link" }); return; }
    try {
      await api("/filed", { method: "POST", body: JSON.stringify({ session_id: match[1], token: match[2], label: form.elements.label.value.trim() }) });
      form.reset();
      await load();
    } catch (error) { showError(error); }
  };
  return h("form", { class: "card-form", onsubmit: submit },
    h("h2", {}, t("library.add")),
    field("add-link", t("library.addLink"), h("input", { id: "add-link", name: "link", required: true, autocomplete: "off" })),
    field("add-label", t("library.label"), h("input", { id: "add-label", name: "label", maxlength: 80, autocomplete: "off" })),
    h("button", { type: "submit", class: "secondary", key: "add" }, t("library.addButton")));
}

function what(entry) {
  if (entry.kind === "workshop") return t("library.workshop", { n: entry.tables });
  if (entry.kind === "table") return t("library.table", { n: entry.table });
  return t("library.session");
}

function sessionRow(entry) {
  const status = entry.status === "playing" ? t("library.playing", { round: entry.rounds_played, rounds: entry.rounds }) : t(`library.${entry.status}`);
  const remove = async () => {
    try { await api(`/sessions/${entry.session_id}`, { method: "DELETE" }); await load(); } catch (error) { showError(error); }
  };
  return h("tr", { class: entry.kind === "table" ? "sub" : "" },
    h("td", {}, day(entry.created_at)),
    h("th", { scope: "row" }, entry.label || t("library.noLabel")),
    h("td", {}, what(entry)),
    h("td", {}, entry.players),
    h("td", {}, status),
    h("td", {}, day(entry.retention_until)),
    h("td", { class: "actions" },
      h("a", { href: `/r/${entry.session_id}#${key}` }, t("library.replay")), " ",
      entry.kind === "table" ? null : h("a", { href: `/b/${entry.session_id}#${key}` }, t("library.debrief")), " ",
      entry.kind === "table" ? null : confirmButton(t(entry.owned ? "library.delete" : "library.unfile"), remove,
        { key: `delete-${entry.session_id}`, warning: t(entry.owned ? "library.deleteWarning" : "library.unfileWarning"), cls: "secondary small", danger: entry.owned })));
}

function sessionsTable() {
  if (!listing.sessions.length) return h("p", {}, t("library.empty"));
  const listed = new Set(listing.sessions.map((e) => e.session_id));
  const top = listing.sessions.filter((e) => e.kind !== "table" || !listed.has(e.workshop));
  const tablesOf = (id) => listing.sessions.filter((e) => e.workshop === id).sort((a, b) => a.table - b.table);
  return h("div", { class: "scroll" }, h("table", { class: "sessions" },
    h("caption", {}, t("library.sessionsCaption", { days: listing.retention_days })),
    h("thead", {}, h("tr", {}, ["date", "label", "kind", "players", "status", "kept", "actions"].map((c) => h("th", { scope: "col" }, t(`library.col.${c}`))))),
    h("tbody", {}, top.map((e) => [sessionRow(e), tablesOf(e.session_id).map(sessionRow)]))));
}

function filters() {
  const labels = [...new Set(listing.sessions.map((e) => e.label).filter(Boolean))].sort();
  const apply = (event) => {
    event.preventDefault();
    const form = event.target;
    const [deck = "", version = ""] = form.elements.deck.value.split("@");
    filter = { since: form.elements.since.value, until: form.elements.until.value, label: form.elements.label.value, deck, version };
    loadInsights().catch(showError);
  };
  return h("form", { class: "row filters no-print", onsubmit: apply },
    field("since", t("library.since"), h("input", { id: "since", name: "since", type: "date", value: filter.since })),
    field("until", t("library.until"), h("input", { id: "until", name: "until", type: "date", value: filter.until })),
    field("label", t("library.label"), h("select", { id: "label", name: "label" },
      h("option", { value: "" }, t("library.allLabels")), labels.map((l) => h("option", { value: l, selected: l === filter.label }, l)))),
    field("deck", t("library.deck"), h("select", { id: "deck", name: "deck" },  // a version against another
      h("option", { value: "" }, t("library.allDecks")), h("option", { value: "standaard", selected: filter.deck === "standaard" }, t("library.standardDeck")),
      decks.flatMap((d) => [h("option", { value: d.deck_id, selected: filter.deck === d.deck_id && !filter.version }, t("library.everyVersion", { name: d.name })),
        d.versions.map((v) => h("option", { value: `${d.deck_id}@${v.version}`, selected: filter.deck === d.deck_id && filter.version === String(v.version) }, `${d.name} · v${v.version}`))]))),
    h("button", { type: "submit", key: "filter" }, t("library.show")));
}

function insightsSection() {
  if (!insights) return null;
  return h("section", { class: "insights" },
    h("h2", {}, t("insights.heading")),
    filters(),
    h("p", { role: "status" }, t("insights.covers", { n: insights.sessions })),
    h("div", { class: "row no-print" },
      h("button", { type: "button", class: "secondary", key: "csv", onclick: downloadCsv }, t("insights.csv")),
      h("button", { type: "button", class: "secondary", key: "print", onclick: () => window.print() }, t("print.button"))),
    chartGrid(insights.charts));
}

// The library's own decks: each with its versions and the sessions that played each; a new one
// from the standard deck, or one from a file.
function decksSection() {
  const make = async (event) => {
    event.preventDefault();
    try {
      const made = await api("/decks", { method: "POST", body: JSON.stringify({ name: event.target.elements.name.value }) });
      location.assign(`/k/${libraryId}/${made.deck_id}`);
    } catch (error) { showError(error); }
  };
  const upload = async (event) => {
    event.preventDefault();
    const file = event.target.elements.file.files[0];
    if (!file) return;
    try {
      await api("/decks/file", { method: "POST", body: await file.text(), headers: { "Content-Type": "application/toml" } });
      refused = [];
      event.target.reset();
      await load();
    } catch (error) {
      refused = error.params?.problems ?? [];
      if (refused.length) { clearError(); render(); document.getElementById("deck-problems")?.focus(); } else showError(error);
    }
  };
  return h("section", { class: "no-print" }, h("h2", {}, t("library.decks")), h("p", {}, t("library.decksNote")),
    decks.length ? h("ul", { class: "plain decks" }, decks.map((d) => h("li", {},
      h("strong", {}, d.name), ` · ${t("library.deckVersions", { n: d.versions.length })} `,
      h("a", { class: "button secondary small", href: `/k/${libraryId}/${d.deck_id}` }, t("library.edit"), h("span", { class: "visually-hidden" }, ` ${d.name}`)),
      h("span", { class: "muted" }, " ", d.versions.filter((v) => v.sessions.length).map((v) => t("library.deckUsed", { version: v.version, n: v.sessions.length })).join(" · ")))))
      : h("p", {}, t("library.noDecks")),
    h("div", { class: "two" },
      h("form", { class: "card-form", onsubmit: make }, h("h3", {}, t("library.newDeck")),
        field("deck-name", t("library.deckName"), h("input", { id: "deck-name", name: "name", required: true, maxlength: 80, autocomplete: "off" })),
        h("button", { type: "submit", class: "secondary", key: "make-deck" }, t("library.makeDeck"))),
      h("form", { class: "card-form", onsubmit: upload }, h("h3", {}, t("library.uploadDeck")),
        refused.length ? h("section", { id: "deck-problems", class: "error", tabindex: "-1", role: "alert" },
          h("p", {}, t("deck.problemsFile", { n: refused.length })), h("ul", {}, refused.map((p) => h("li", {}, problemText(p))))) : null,
        field("deck-file", t("library.uploadFile"), h("input", { id: "deck-file", name: "file", type: "file", accept: ".toml,application/toml,text/plain" })),
        h("button", { type: "submit", class: "secondary", key: "upload-deck" }, t("library.upload")))));
}

function keySection() {
  const rotate = async () => {
    try { const made = await api("/key", { method: "POST" }); key = made.key; localStorage.setItem(`tvb:lib:${libraryId}`, key); rotated = made.link; render(); } catch (error) { showError(error); }
  };
  const revoke = async () => {
    try { await api("", { method: "DELETE" }); localStorage.removeItem(`tvb:lib:${libraryId}`); listing = null; key = null; render(); } catch (error) { showError(error); }
  };
  return h("details", { class: "more no-print", key: "key" }, h("summary", {}, t("library.keyHeading")),
    h("p", {}, t("library.keyWhat")),
    rotated ? h("p", { class: "new-key" }, t("library.newKey"), " ", h("a", { href: rotated, class: "link" }, rotated)) : null,
    h("div", { class: "row" },
      confirmButton(t("library.rotate"), rotate, { key: "rotate", warning: t("library.rotateWarning"), danger: true }),
      confirmButton(t("library.revoke"), revoke, { key: "revoke", warning: t("library.revokeWarning"), danger: true })));
}

function render() {
  const app = document.getElementById("app");
  if (!key) { mount(app, h("p", {}, t("library.noKey")), h("p", {}, h("a", { class: "button", href: "/" }, t("library.toHost")))); return; }
  if (!listing) return;
  mount(app,
    h("p", { class: "lead" }, t("library.of", { label: listing.label || t("library.noLabel") })),
    insightsSection(),
    h("section", {}, h("h2", {}, t("library.sessions")), sessionsTable()),
    h("div", { class: "two no-print" }, createForm(), addForm()),
    decksSection(),
    keySection());
}

setupChrome(() => load());
if (key) load(); else render();
