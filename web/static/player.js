// The phone: your card, the assignment, the shared countdown, and what you can do now.
import { TableSocket, cardBlock, h, mount, nameOf, openCards, phaseLine, sessionIdFromPath, setupChrome, showError, showStatus, startClock, timerBlock } from "./common.js";
import { t } from "./i18n.js";

const sessionId = sessionIdFromPath();
// A seat link (`/p/{session}#token`, e.g. to move to another device) is kept on the device and
// taken out of the address bar.
if (location.hash.length > 1) {
  localStorage.setItem(`tvb:seat:${sessionId}`, location.hash.slice(1));
  history.replaceState(null, "", location.pathname);
}
const token = localStorage.getItem(`tvb:seat:${sessionId}`);
let view = null;
let socket = null;
let buzzed = 0;

const act = (name, args) => socket.command(name, args).catch(showError);

function myUnit(v) { return v.units.find((u) => u.id === v.me.unit); }

function opdrachtBlock(v) {
  return v.opdracht ? h("section", { class: "card" }, h("h2", { class: "label" }, t("opdracht.heading")), h("p", {}, v.opdracht.text)) : null;
}

function body(v) {
  const unit = myUnit(v);
  const mates = unit ? unit.members.filter((m) => m !== v.me.player_id).map((m) => nameOf(v, m)) : [];
  const partner = mates.length ? h("p", {}, t("me.partner", { names: mates.join(", ") })) : null;
  switch (v.phase) {
    case "lobby":
      return [h("p", {}, t("me.welcome", { name: v.me.name })), h("p", {}, t("me.waiting")), playerList(v)];
    case "choosing":
      if (v.me.is_picker) {
        return [h("p", {}, t("pick.yourTurn")), h("div", { class: "slots" },
          Array.from({ length: v.opdracht_slots }, (_, i) =>
            h("button", { type: "button", onclick: () => act("pick_opdracht", { slot: i }) }, t("pick.card", { n: i + 1 }))))];
      }
      return [h("p", {}, v.picker ? t("pick.other", { name: nameOf(v, v.picker) }) : t("pick.facilitator"))];
    case "reading":
    case "discussing": {
      const parts = [opdrachtBlock(v)];
      if (v.phase === "discussing") parts.unshift(timerBlock(v));
      if (unit?.strategy) parts.push(cardBlock(unit.strategy), partner);
      if (v.phase === "reading" && unit) {
        parts.push(h("p", { class: "row" },
          h("button", { type: "button", "aria-pressed": unit.ready ? "true" : "false", disabled: unit.ready, onclick: () => act("ready") },
            unit.ready ? t("card.isReady") : t("card.ready")),
          v.open_card && !unit.revealed ? h("button", { type: "button", class: "secondary", onclick: () => act("reveal", { unit_id: unit.id }) }, t("card.reveal")) : null));
      }
      parts.push(openCards(v, unit?.id));
      return parts;
    }
    case "deciding":
    case "reflecting": {
      const parts = [opdrachtBlock(v)];
      if (v.decision) {
        parts.push(h("section", { class: "card" }, h("h2", { class: "label" }, t("phase.deciding")), h("p", {}, v.decision.text),
          h("p", {}, t("decide.reached", { value: t(`reached.${v.decision.reached}`) }))));
        parts.push(h("fieldset", {}, h("legend", {}, t("decide.question")), h("div", { class: "row" },
          ["yes", "partly", "no"].map((value) => h("button", { type: "button", class: "secondary", "aria-pressed": v.me.support === value ? "true" : "false", onclick: () => act("support", { value }) }, t(`reached.${value}`))))));
      } else {
        parts.unshift(h("p", { role: "status" }, t("timer.up")));
        parts.push(h("p", {}, t("decide.waiting")));
      }
      if (v.phase === "reflecting" && v.prompt) parts.push(reflection(v));
      return parts;
    }
    case "ended":
      return [h("p", {}, t("ended.thanks"))];
  }
  return [];
}

function reflection(v) {
  const mine = v.answers.find((a) => a.mine && a.prompt_id === v.prompt.id && a.round === v.round);
  const id = `answer-${v.round}-${v.prompt.id}`;
  const text = h("textarea", { id, rows: 3, maxlength: 2000 }, mine?.text ?? "");
  const anonymous = h("input", { id: `${id}-anon`, type: "checkbox", checked: mine?.anonymous ?? false });
  const form = h("form", {},
    h("label", { for: id }, t("reflect.answer")), text,
    h("label", { class: "check", for: `${id}-anon` }, anonymous, t("reflect.anonymous")),
    h("p", {}, h("button", { type: "submit" }, t("reflect.send"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (text.value.trim()) act("answer", { prompt_id: v.prompt.id, text: text.value, anonymous: anonymous.checked });
  });
  const shown = v.answers.filter((a) => a.shown && a.round === v.round);
  return h("section", { class: "card" },
    h("h2", { class: "label" }, t("reflect.question", { index: v.prompt.index, count: v.prompt.count })),
    h("p", { class: "card-title" }, v.prompt.text), form,
    shown.length ? h("div", {}, h("h3", {}, t("reflect.shown")), h("ul", {}, shown.map((a) => h("li", {}, a.text)))) : null);
}

function playerList(v) {
  return h("section", {}, h("h2", {}, t("players.heading")), h("ul", { class: "players" },
    v.players.map((p) => h("li", { class: p.connected ? "online" : "offline" }, h("span", { class: "dot" }), p.name,
      h("span", { class: "visually-hidden" }, ` (${t(p.connected ? "players.online" : "players.offline")})`)))));
}

function render() {
  if (!view) return;
  mount(document.getElementById("app"), h("p", { class: "phase" }, phaseLine(view)), body(view));
  if (view.timer.warned && view.phase === "discussing" && buzzed !== view.round) {
    buzzed = view.round;
    navigator.vibrate?.([200, 100, 200]);
  }
}

setupChrome(render);
if (!token) {
  mount(document.getElementById("app"), h("p", {}, t("join.noSeat")), h("p", {}, h("a", { class: "button", href: "/j" }, t("join.go"))));
} else {
  socket = new TableSocket(sessionId, token, (v) => { view = v; render(); }, (online, code) => {
    showStatus(online);
    if ([4401, 4403].includes(code)) { localStorage.removeItem(`tvb:seat:${sessionId}`); location.assign("/j"); }
  });
  startClock(() => view);
}
