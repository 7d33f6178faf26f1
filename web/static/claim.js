// A seat moved to this phone: the one-time claim in the link's fragment becomes this phone's own
// token (never in a URL), then the player's page opens with their card.
import { errorText, h, mount, sessionIdFromPath, setupChrome } from "./common.js";
import { t } from "./i18n.js";

const sessionId = sessionIdFromPath();
const claim = location.hash.slice(1);
history.replaceState(null, "", location.pathname);
const app = document.getElementById("app");

async function take() {
  if (!claim) { mount(app, h("p", {}, t("claim.none"))); return; }
  mount(app, h("p", { role: "status" }, t("claim.busy")));
  const response = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}/claim`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ claim }),
  });
  const body = await response.json();
  if (!response.ok) {
    mount(app, h("p", { role: "alert" }, errorText(body.error)), h("p", {}, h("a", { class: "button", href: "/j" }, t("join.go"))));
    return;
  }
  localStorage.setItem(`tvb:seat:${body.session_id}`, body.player_token);
  location.replace(`/p/${body.session_id}`);
}

setupChrome();
take();
