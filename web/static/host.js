// Create a session: what the game is, the settings a facilitator may give, then the session's
// links (to keep, copy or mail) and on to the facilitator's page.
import { linksPanel } from "./staff.js";
import { h, mount, setupChrome, showError } from "./common.js";
import { t } from "./i18n.js";

let created = null;
let library = null;  // a trainer's new library link, shown once

function field(id, labelKey, control) {
  return [h("label", { for: id }, t(labelKey)), control];
}

function form() {
  const rounds = h("select", { id: "rounds", name: "rounds" },
    [1, 2, 3, 4, 5, 6].map((n) => h("option", { value: n, selected: n === 3 }, String(n))));
  const noConsensus = h("select", { id: "no-consensus", name: "no_consensus_round" },
    h("option", { value: "" }, t("host.none")),
    [1, 2, 3, 4, 5, 6].map((n) => h("option", { value: n }, String(n))));
  const el = h("form", { id: "create", novalidate: true },
    field("language", "host.language", h("select", { id: "language", name: "language" },
      h("option", { value: "nl" }, "Nederlands"), h("option", { value: "en" }, "English"))),
    field("rounds", "host.rounds", rounds),
    field("minutes", "host.minutes", h("input", { id: "minutes", name: "minutes", type: "number", min: 1, max: 15, inputmode: "numeric" })),
    field("no-consensus", "host.noConsensus", noConsensus),
    h("label", { class: "check", for: "open-card" },
      h("input", { id: "open-card", name: "open_card", type: "checkbox", checked: true }), t("host.openCard")),
    field("custom", "host.custom", h("textarea", { id: "custom", name: "custom", rows: 3 })),
    field("tables", "host.tables", h("select", { id: "tables", name: "tables" },
      h("option", { value: "" }, t("host.oneTable")),
      [2, 3, 4, 5, 6, 7, 8].map((n) => h("option", { value: n }, t("host.tablesN", { n }))),
      h("option", { value: "auto" }, t("host.tablesAuto")))),
    h("p", {}, h("button", { type: "submit", class: "primary", key: "create" }, t("host.create"))));
  // A round without consensus must be one of the rounds played.
  rounds.addEventListener("change", () => {
    for (const option of noConsensus.options) option.disabled = option.value && Number(option.value) > Number(rounds.value);
    if (noConsensus.selectedOptions[0]?.disabled) noConsensus.value = "";
  });
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(el);
    const settings = {
      language: data.get("language"),
      rounds: Number(data.get("rounds")),
      open_card_last_round: data.get("open_card") === "on",
      custom_opdrachten: String(data.get("custom") || "").split("\n").map((s) => s.trim()).filter(Boolean).map((text) => ({ text })),
    };
    if (data.get("minutes")) settings.round_seconds = Math.round(Number(data.get("minutes")) * 60);
    if (data.get("no_consensus_round")) settings.no_consensus_round = Number(data.get("no_consensus_round"));
    if (data.get("tables")) settings.tables = data.get("tables") === "auto" ? "auto" : Number(data.get("tables"));
    const response = await fetch("/api/sessions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(settings) });
    const body = await response.json();
    if (!response.ok) { showError(body.error); return; }
    created = body;
    render();
  });
  return el;
}

// A trainer who runs the game often keeps their sessions in a library (a private key link).
function librarySection() {
  const submit = async (event) => {
    event.preventDefault();
    const response = await fetch("/api/libraries", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ label: event.target.elements.label.value.trim() }) });
    const body = await response.json();
    if (!response.ok) { showError(body.error); return; }
    library = body.link;
    render();
  };
  return h("details", { class: "more", key: "library" }, h("summary", {}, t("library.forTrainers")),
    h("p", {}, t("library.what")),
    library
      ? [h("p", { role: "status" }, "✓ ", t("library.made")), h("p", {}, h("a", { class: "button primary", href: library }, t("library.open")))]
      : h("form", { onsubmit: submit }, field("library-label", "library.yourName", h("input", { id: "library-label", name: "label", maxlength: 80, autocomplete: "name" })),
        h("p", {}, h("button", { type: "submit", class: "secondary", key: "make-library" }, t("library.make")))));
}

function render() {
  const app = document.getElementById("app");
  if (created) {
    mount(app, h("p", { class: "done", role: "status" }, "✓ ", t("host.ready")), linksPanel(created.links),
      h("p", {}, h("a", { class: "button primary", href: created.links.facilitator }, t("host.go"))));
    return;
  }
  mount(app, h("p", { class: "intro" }, t("host.what")), h("p", {}, t("host.how")), form(), librarySection());
}

setupChrome(render);
render();
