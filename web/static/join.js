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
    localStorage.setItem(`tvb:seat:${body.session_id}`, body.player_token);
    location.assign(`/p/${body.session_id}`);
  });
  mount(document.getElementById("app"), form);
  if (!document.activeElement || document.activeElement === document.body) document.getElementById(fromLink ? "name" : "code").focus();
}

setupChrome(render);
render();
