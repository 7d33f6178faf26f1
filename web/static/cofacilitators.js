// Co-facilitators, on the facilitator's page and a workshop's console: a second facilitator
// link with the same console; only the first facilitator hands them out and withdraws them.
import { confirmButton } from "./staff.js";
import { h, showError } from "./common.js";
import { t } from "./i18n.js";

const made = {};  // facilitator id -> link, shown on the page that made it

export function copyable(url, key) {
  return h("p", {}, h("span", { class: "link" }, url), " ", h("button", { type: "button", class: "secondary small", key,
    onclick: async (e) => { await navigator.clipboard?.writeText(url); e.target.textContent = t("links.copied"); } }, t("links.copy")));
}

// `api(path, init)` calls the session's HTTP API with the facilitator's token; `me` is this
// page's facilitator id (from the welcome frame); `render` draws the page again.
export function coFacilitators(v, { api, me, render }) {
  const first = me === "f1";
  const others = (v.facilitators || []).filter((f) => f.id !== "f1");
  const add = async (text) => {
    const response = await api("/facilitators", { method: "POST", body: JSON.stringify({ label: text }) });
    const body = await response.json();
    if (!response.ok) { showError(body.error); return; }
    made[body.facilitator_id] = body.link;
    document.getElementById("co-label").value = "";
    render();
  };
  const revoke = async (id) => {
    const response = await api(`/facilitators/${encodeURIComponent(id)}`, { method: "DELETE" });
    if (!response.ok) showError((await response.json()).error);
  };
  const label = h("input", { id: "co-label", maxlength: 40, autocomplete: "off" });
  const form = h("form", { class: "row" }, h("label", { for: "co-label" }, t("fac.coLabel")), label,
    h("button", { type: "submit", class: "secondary", key: "co-add" }, t("fac.coAdd")));
  form.addEventListener("submit", (event) => { event.preventDefault(); if (label.value.trim()) add(label.value); });
  return h("section", { class: "co" }, h("h2", {}, t("fac.coHeading")),
    others.length ? h("ul", {}, others.map((f) => h("li", {}, h("strong", {}, f.label),
      made[f.id] ? [h("p", {}, t("fac.coLink", { label: f.label })), copyable(made[f.id], `copy-${f.id}`)] : null,
      first ? confirmButton(t("fac.coRevoke", { label: f.label }), () => revoke(f.id), { key: `revoke-${f.id}`, danger: true, warning: t("fac.coRevokeWarning", { label: f.label }) }) : null)))
      : h("p", {}, t("fac.coNone")),
    first ? form : null);
}
