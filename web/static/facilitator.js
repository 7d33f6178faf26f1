// The facilitator's laptop: one obvious next step per phase, the timer, decisions, reflection.
import { downloadExport, TableSocket, h, mount, nameOf, unitNames, openCards, phaseLine, sessionIdFromPath, setupChrome, showError, showStatus, startClock, timerBlock } from "./common.js";
import { t } from "./i18n.js";

const sessionId = sessionIdFromPath();
const token = location.hash.slice(1) || localStorage.getItem(`tvb:fac:${sessionId}`);
if (token) localStorage.setItem(`tvb:fac:${sessionId}`, token);
const links = JSON.parse(localStorage.getItem(`tvb:links:${sessionId}`) || "{}");
let view = null;
let socket = null;
let peek = false;

const act = (name, args) => socket.command(name, args).catch(showError);
const button = (key, name, args, cls, params) => h("button", { type: "button", class: cls, onclick: () => act(name, args) }, t(key, params));

function joinPanel(v) {
  const url = `${location.origin}/j`;
  return h("section", { class: "row" },
    h("img", { class: "qr", src: `/qr/${encodeURIComponent(v.join_code)}.svg`, alt: `QR: ${url}/${v.join_code}`, width: 224, height: 224 }),
    h("div", {}, h("p", { class: "label" }, t("screen.joinCode")), h("p", { class: "code", "data-testid": "join-code" }, v.join_code),
      h("p", {}, t("fac.joinAt", { url })),
      links.screen ? h("p", {}, h("a", { href: links.screen, target: "_blank", rel: "noopener" }, t("fac.screenLink"))) : null));
}

function players(v) {
  return h("section", {}, h("h2", {}, t("players.count", { n: v.players.length })), h("ul", { class: "players" },
    v.players.map((p) => h("li", { class: p.connected ? "online" : "offline" }, h("span", { class: "dot" }), p.name,
      p.organisation ? ` (${p.organisation})` : "",
      h("span", { class: "visually-hidden" }, ` (${t(p.connected ? "players.online" : "players.offline")})`), " ",
      h("button", { type: "button", class: "secondary", "aria-label": t("fac.remove", { name: p.name }), onclick: () => act("remove_player", { player_id: p.id }) }, "×")))));
}

function units(v) {
  const rows = v.units.map((u) => h("tr", {},
    h("th", { scope: "row" }, unitNames(v, u)),
    h("td", {}, u.ready ? t("card.isReady") : ""),
    h("td", {}, peek || u.revealed ? (u.strategy?.title ?? "") : t("card.hidden"))));
  return h("section", {}, h("h2", {}, t("fac.units")),
    h("label", { class: "check", for: "peek" }, h("input", { id: "peek", type: "checkbox", checked: peek, onchange: (e) => { peek = e.target.checked; render(); } }), t("fac.peek")),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("fac.units")), h("th", { scope: "col" }, t("card.isReady")),
      h("th", { scope: "col" }, t("fac.strategy")))), h("tbody", {}, rows)));
}

function select(id, options) {
  return h("select", { id }, options.map(([value, label]) => h("option", { value }, label)));
}

function choosing(v) {
  const who = v.players.map((p) => [p.id, p.name]);
  const a = select("swap-a", who);
  const b = select("swap-b", who);
  const picker = select("picker", who);
  const card = select("opdracht", v.opdrachten_left.map((o) => [o.id, o.text.slice(0, 80)]));
  return [
    h("p", { class: "cue" }, t("fac.cue.choosing")),
    h("p", {}, v.picker ? t("pick.other", { name: nameOf(v, v.picker) }) : ""),
    h("div", { class: "row" }, button("fac.draw", "choose_opdracht", {})),
    h("label", { for: "opdracht" }, t("fac.choose")), card,
    h("p", {}, h("button", { type: "button", class: "secondary", onclick: () => act("choose_opdracht", { opdracht_id: card.value }) }, t("fac.chooseBtn"))),
    h("label", { for: "picker" }, t("fac.picker")), picker,
    h("p", {}, h("button", { type: "button", class: "secondary", onclick: () => act("set_picker", { player_id: picker.value }) }, t("fac.setPicker"))),
    v.units.some((u) => u.members.length > 1) ? h("div", {},
      h("label", { for: "swap-a" }, t("fac.swapA")), a, h("label", { for: "swap-b" }, t("fac.swapB")), b,
      h("p", {}, h("button", { type: "button", class: "secondary", onclick: () => act("swap_players", { a: a.value, b: b.value }) }, t("fac.swap")))) : null,
    units(v),
  ];
}

function decisionForm(v) {
  const id = `decision-${v.round}`;
  const text = h("textarea", { id, rows: 2, maxlength: 1000 }, v.decision?.text ?? "");
  const reached = ["yes", "partly", "no"].map((value) => h("label", { class: "check", for: `${id}-${value}` },
    h("input", { type: "radio", name: "reached", id: `${id}-${value}`, value, checked: (v.decision?.reached ?? "yes") === value }), t(`reached.${value}`)));
  const form = h("form", {}, h("label", { for: id }, t("fac.decision")), text,
    h("fieldset", {}, h("legend", {}, t("fac.reached")), reached),
    h("p", {}, h("button", { type: "submit" }, t("fac.record"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector("input[name=reached]:checked")?.value ?? "yes";
    if (text.value.trim()) act("record_decision", { text: text.value, reached: chosen });
  });
  return form;
}

function reflecting(v) {
  const last = v.round >= v.rounds;
  const answers = v.answers.filter((a) => a.prompt_id === v.prompt?.id);
  return [
    v.prompt ? h("section", { class: "card" }, h("h2", { class: "label" }, t("reflect.question", { index: v.prompt.index, count: v.prompt.count })), h("p", { class: "card-title" }, v.prompt.text)) : null,
    h("ul", {}, answers.map((a) => h("li", {}, h("strong", {}, a.author ?? t("fac.anonymous")), ": ", a.text, " ",
      h("button", { type: "button", class: "secondary", onclick: () => act("show_answer", { answer_id: a.id, shown: !a.shown }) }, t(a.shown ? "fac.hide" : "fac.show"))))),
    h("div", { class: "row" },
      v.prompt && v.prompt.index < v.prompt.count ? button("fac.nextPrompt", "next_prompt") : null,
      last ? button("fac.endGame", "end_game") : button("fac.nextRound", "next_round")),
  ];
}

function body(v) {
  const support = v.support_counts;
  const hints = (v.hints || []).map((key) => h("p", { class: "hint" }, t(`fac.hint.${key}`)));
  const opdracht = v.opdracht ? h("section", { class: "card" }, h("h2", { class: "label" }, t("opdracht.heading")), h("p", {}, v.opdracht.text)) : null;
  switch (v.phase) {
    case "lobby":
      return [joinPanel(v), players(v), hints, h("p", {}, button("fac.start", "start_game"))];
    case "choosing":
      return [hints, choosing(v)];
    case "reading": {
      const closed = v.units.filter((u) => !u.revealed);
      return [opdracht, h("p", { class: "cue" }, t(v.open_card ? "fac.cue.open" : "fac.cue.reading")), hints,
        v.open_card ? h("div", { class: "row" }, closed.map((u) => button("fac.revealFor", "reveal", { unit_id: u.id }, "secondary", { unit: unitNames(v, u) }))) : null,
        h("p", {}, button("fac.startTimer", "start_timer")), units(v), openCards(v)];
    }
    case "discussing":
      return [timerBlock(v), h("p", { class: "cue" }, t("fac.cue.discussing")), h("div", { class: "row" },
        v.timer.status === "paused" ? button("fac.resume", "resume_timer") : button("fac.pause", "pause_timer", {}, "secondary"),
        button("fac.extend", "extend_timer", { seconds: 60 }, "secondary"), button("fac.end", "end_discussion", {}, "secondary")), opdracht, units(v)];
    case "deciding":
      return [h("p", { class: "cue" }, t("fac.cue.deciding")), opdracht, decisionForm(v),
        h("p", {}, t("fac.support", { yes: support.yes ?? 0, partly: support.partly ?? 0, no: support.no ?? 0 })),
        v.decision ? h("p", {}, button("fac.startReflection", "next_prompt")) : null];
    case "reflecting":
      return [reflecting(v), h("p", {}, t("fac.support", { yes: support.yes ?? 0, partly: support.partly ?? 0, no: support.no ?? 0 }))];
    case "ended":
      return [h("p", {}, t("ended.thanks")), h("div", { class: "row" },
        ["md", "csv", "json"].map((format) => h("button", { type: "button", class: "secondary", onclick: () => downloadExport(sessionId, token, format) }, t("fac.export", { format }))))];
  }
  return [];
}

function render() {
  if (!view) return;
  mount(document.getElementById("app"), h("p", { class: "phase" }, phaseLine(view)), body(view));
}

setupChrome(render);
socket = new TableSocket(sessionId, token, (v) => { view = v; render(); }, showStatus);
startClock(() => view);
