// Join by code in ten seconds: code (prefilled from the link or QR), name, organisation.
import { h, mount, setupChrome, showError } from "./common.js";
import { t } from "./i18n.js";

const fromLink = decodeURIComponent(location.pathname.split("/")[2] || "");

function render() {
  const form = h("form", { id: "join", novalidate: true },
    h("label", { for: "code" }, t("join.code")),
    h("input", { id: "code", name: "code", value: fromLink, autocomplete: "off", autocapitalize: "characters", spellcheck: "false", required: true, maxlength: 12 }),
    h("label", { for: "name" }, t("join.name")),
    h("input", { id: "name", name: "name", autocomplete: "given-name", required: true, maxlength: 40 }),
    h("label", { for: "org" }, t("join.org")),
    h("input", { id: "org", name: "org", autocomplete: "organization", maxlength: 60 }),
    h("p", {}, h("button", { type: "submit", class: "primary", key: "join" }, t("join.submit"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const response = await fetch("/api/join", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ join_code: data.get("code"), name: data.get("name"), organisation: data.get("org") }),
    });
    const body = await response.json();
    if (!response.ok) { showError(body.error); return; }
    if (body.waiting) { sessionStorage.setItem("tvb:knock", JSON.stringify(body)); wait(); return; }
    seated(body);
  });
  mount(document.getElementById("app"), form);
  if (!document.activeElement || document.activeElement === document.body) document.getElementById(fromLink ? "name" : "code").focus();
}

function seated(body) {
  localStorage.setItem(`tvb:seat:${body.session_id}`, body.player_token);
  location.assign(`/p/${body.session_id}`);
}

// A locked table: ask every 2 s whether the facilitator let us in (kept over a reload).
async function wait() {
  const knock = JSON.parse(sessionStorage.getItem("tvb:knock"));
  mount(document.getElementById("app"), h("p", { class: "step", role: "status" }, t("join.waiting")));
  const response = await fetch(`/api/sessions/${knock.session_id}/admission`, { headers: { Authorization: `Bearer ${knock.player_token}` } }).catch(() => null);
  const answer = response?.ok ? (await response.json()).status : response?.status === 404 ? "refused" : "waiting";
  if (answer === "waiting") { setTimeout(wait, 2000); return; }
  sessionStorage.removeItem("tvb:knock");
  if (answer === "admitted") seated(knock);
  else mount(document.getElementById("app"), h("p", { class: "error", role: "alert" }, t("join.refused")));
}

setupChrome(() => (sessionStorage.getItem("tvb:knock") ? null : render()));
if (sessionStorage.getItem("tvb:knock")) wait(); else render();
