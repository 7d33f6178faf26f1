// Imported first by the staff pages (facilitator, host, replay, console, library, debrief, print):
// their strings and the parts only they use, which the phones never download.
import { h, showError } from "./common.js";
import { include, t } from "./i18n.js";

await include("staff");

// A staff page's call to the API with its token in the header: the JSON answer (a file as a
// blob, nothing for 204), or the refusal thrown as its error.
export async function call(url, token, init = {}) {
  const auth = token ? { Authorization: `Bearer ${token}` } : {};
  const response = await fetch(url, { ...init, headers: { ...auth, "Content-Type": "application/json", ...init.headers } });
  if (response.status === 204) return null;
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : await response.blob();
  if (!response.ok) throw body.error ?? { code: "other" };
  return body;
}

export async function download(url, token, filename) {
  const blob = await call(url, token).catch(showError);
  if (blob) h("a", { href: URL.createObjectURL(blob), download: filename }).click();
}

// A download that needs the facilitator's or trainer's token in a header.
export function downloadExport(sessionId, token, format) {
  return download(`/api/sessions/${sessionId}/export?format=${format}`, token, `theater-${sessionId}.${format}`);
}

export function exportButtons(sessionId, token) {
  return h("div", { class: "row" }, ["md", "csv", "json"].map((format) =>
    h("button", { type: "button", class: "secondary", key: `export-${format}`, onclick: () => downloadExport(sessionId, token, format) }, t(`export.${format}`))));
}

// Who may join: the table (or workshop) locked or open, and whoever asks to join, to let in or
// turn away; `send(name, args)` runs the command at the table the view is of. `id` keeps the
// controls apart when a console shows several tables (whose lock is the workshop's).
export function door(v, send, id = "lock", lockable = true) {
  if (v.phase === "ended") return null;
  const lock = lockable && h("label", { class: "check", for: id },
    h("input", { id, type: "checkbox", checked: v.locked, onchange: (e) => send("lock_joining", { locked: e.target.checked }) }), t("fac.lock"));
  return h("section", { class: v.knocking?.length ? "hint" : null, "aria-label": lockable ? t("fac.door") : null }, lock,
    (v.knocking || []).map((k) => h("div", { class: "row" },
      h("p", {}, t(k.returning ? "fac.knockReturning" : "fac.knock", { name: k.organisation ? `${k.name} (${k.organisation})` : k.name })),
      h("button", { type: "button", class: "secondary", key: `${id}-admit-${k.id}`, onclick: () => send("admit", { knock_id: k.id }) }, t("fac.admit", { name: k.name })),
      h("button", { type: "button", class: "secondary", key: `${id}-refuse-${k.id}`, onclick: () => send("refuse", { knock_id: k.id }) }, t("fac.refuse", { name: k.name })))));
}

// A deck's card languages by name, and one problem a deck's checker found, in words: where
// (card · field · language) and what is wrong.
export function languageName(code) {  // in its own words: Nederlands, English, Deutsch, Français
  try {
    const name = new Intl.DisplayNames([code], { type: "language" }).of(code);
    return name === code ? code : name[0].toUpperCase() + name.slice(1);
  } catch { return code; }  // not a language code (the checker says so)
}
export function problemText(p) {
  const where = [p.card === "deck" ? t("deck.wholeDeck") : p.card, t(`deck.field.${p.field}`), p.language ? languageName(p.language) : null].filter(Boolean).join(" · ");
  return `${where}: ${t(`deck.problem.${p.code}`, { limit: p.limit ?? "" })}`;
}

// The trainer's own notes for the moment a table is at (a library's deck's run-sheet), for the
// facilitator's page beside the printed game's cue, and on each table's card of the console
// (`where`: which table, so each note is a landmark of its own).
export function runSheetNote(v, where = "") {
  const moment = v.phase === "reading" && v.open_card ? "reading-open" : v.phase === "reflecting" ? v.prompt?.id.replace(/-\d+$/, "") : v.phase;
  const text = v.notes?.[moment];
  return text ? h("aside", { class: "notes", "aria-label": where ? `${t("fac.notes")} · ${where}` : t("fac.notes") }, h("p", { class: "label" }, t("fac.notes")), h("p", {}, text)) : null;
}

// A run-sheet's moments (a deck's `notes`), each with the printed game's cue (`fac.cue.*`).
export const MOMENT_CUES = { choosing: "choosing", reading: "reading", "reading-open": "open", discussing: "discussing", deciding: "deciding", "in-spel": "reflecting", "over-spel": "reflecting", "uit-spel": "reflecting" };

// A button that asks once more before it does something that cannot be undone or skips part of
// the game: the first click turns it into "[what will happen] Are you sure? [label] [Cancel]".
// `danger`: it destroys or ends something, and looks it (red outline) before it is pressed.
// `warning` may be a function, asked at the click (null: nothing chosen yet, nothing asked).
// A question being asked survives the page being drawn again (a frame from the table), by its key.
const asking = new Map();  // key -> the warning said

export function confirmButton(label, action, { key, warning = "", cls = "secondary", danger = false } = {}) {
  const wrap = h("span", { class: "confirm" });
  const ask = (said) => {
    asking.set(key, said);
    wrap.replaceChildren(
      h("span", { class: "confirm-q", "data-say": "" }, said ? `${said} ` : "", t("confirm.sure")),
      h("button", { type: "button", class: "danger", key: `${key}-yes`, onclick: () => { asking.delete(key); action(); } }, label),
      h("button", { type: "button", class: "secondary", key: `${key}-no`, onclick: () => { asking.delete(key); wrap.replaceChildren(first); first.focus(); } }, t("confirm.cancel")));
  };
  const start = () => {
    const said = typeof warning === "function" ? warning() : warning;
    if (said === null) return;
    ask(said);
    wrap.querySelector("button")?.focus();
  };
  const first = h("button", { type: "button", class: danger ? `${cls} danger-outline` : cls, key, onclick: start }, label);
  wrap.append(first);
  if (asking.has(key)) ask(asking.get(key));
  return wrap;
}

// A choice of person that starts empty: nothing is done to someone nobody picked.
export function personSelect(id, people) {
  return h("select", { id }, h("option", { value: "" }, t("fac.choosePerson")), people.map(([value, label]) => h("option", { value }, label)));
}

// The session's links: each with copy and a mail link, the tokens only after `#`.
export function linksPanel(links) {
  const rows = [["links.facilitator", links.facilitator], ["links.screen", links.screen], ["links.replay", links.replay], ["links.join", links.join]]
    .filter(([, url]) => url);
  const body = rows.map(([key, url]) => `${t(key)}:\n${url}`).join("\n\n");
  const mail = `mailto:?subject=${encodeURIComponent(t("links.mailSubject"))}&body=${encodeURIComponent(body)}`;
  return h("section", { class: "links" }, h("h2", {}, t("links.heading")),
    h("dl", {}, rows.map(([key, url]) => [h("dt", {}, t(key)),
      h("dd", {}, h("a", { href: url, target: "_blank", rel: "noopener" }, url.replace(/#.*/, "#…")), " ",
        h("button", { type: "button", class: "secondary small", key: `copy-${key}`, onclick: async (e) => {
          await navigator.clipboard?.writeText(url);
          e.target.textContent = t("links.copied");
        } }, t("links.copy")))])),
    h("p", {}, h("a", { class: "button secondary", href: mail }, t("links.mail"))));
}

