// The shared screen (projector or video call): public things only, large. It never holds a secret.
import { TableSocket, h, mount, openCards, phaseLine, sessionIdFromPath, setupChrome, showStatus, startClock, timerBlock } from "./common.js";
import { t } from "./i18n.js";

const sessionId = sessionIdFromPath();
const token = location.hash.slice(1);
let view = null;

function body(v) {
  const opdracht = v.opdracht ? h("section", { class: "card" }, h("h2", { class: "label" }, t("opdracht.heading")), h("p", { class: "card-title" }, v.opdracht.text)) : null;
  const people = h("ul", { class: "players" }, v.players.map((p) => h("li", { class: p.connected ? "online" : "offline" }, h("span", { class: "dot" }), p.name)));
  switch (v.phase) {
    case "lobby": {
      const url = `${location.origin}/j`;
      return [h("div", { class: "row" },
        h("img", { class: "qr", src: `/qr/${encodeURIComponent(v.join_code)}.svg`, alt: `QR: ${url}/${v.join_code}`, width: 224, height: 224 }),
        h("div", {}, h("p", { class: "label" }, t("screen.joinCode")), h("p", { class: "code" }, v.join_code), h("p", {}, t("screen.scan", { url })))),
        h("h2", {}, t("players.count", { n: v.players.length })), people];
    }
    case "discussing":
      return [timerBlock(v), opdracht, openCards(v)];
    case "reflecting": {
      const shown = v.answers.filter((a) => a.shown);
      return [v.prompt ? h("section", { class: "card" }, h("h2", { class: "label" }, t("reflect.question", { index: v.prompt.index, count: v.prompt.count })), h("p", { class: "card-title" }, v.prompt.text)) : null,
        h("ul", {}, shown.map((a) => h("li", {}, a.author ? h("strong", {}, `${a.author}: `) : null, a.text)))];
    }
    case "ended":
      return [h("p", {}, t("ended.thanks"))];
    default:
      return [opdracht, v.decision ? h("p", {}, v.decision.text) : null, openCards(v), people];
  }
}

function render() {
  if (view) mount(document.getElementById("app"), h("p", { class: "phase" }, phaseLine(view)), body(view));
}

setupChrome(render);
new TableSocket(sessionId, token, (v) => { view = v; render(); }, showStatus);
startClock(() => view);
