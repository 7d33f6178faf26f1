// What the facilitator's pages and the screens show about the room and a phone never does (so a
// phone never loads it): the join panel, who is ready, a workshop's tables.
import { h, TableSocket } from "./common.js";
import { t } from "./i18n.js";

export function joinPanel(view, { big = false } = {}) {
  const url = `${location.host}/j`;
  return h("section", { class: `join-panel${big ? " big" : ""}` },
    h("img", { class: "qr", src: `/qr/${encodeURIComponent(view.join_code)}.svg`, alt: `QR: ${location.origin}/j/${view.join_code}`, width: 224, height: 224 }),
    h("div", {},
      h("p", { class: "label" }, t("screen.code")),
      h("p", { class: "code", "data-testid": "join-code" }, view.join_code),
      h("p", {}, t("screen.join", { url }))));
}

// Said in people, not in units: a room of seven hears "3 of 7", not "1 of 4".
export function readyLine(view) {
  const people = (units) => units.reduce((n, u) => n + u.members.length, 0);
  return t("ready.count", { ready: people(view.units.filter((u) => u.ready)), players: people(view.units) });
}

// A workshop's tables, each on its own socket with the same token (console, plenary screen).
export function followTables(view, tables, token, render) {
  for (const ref of view.workshop?.tables ?? []) {
    if (tables.has(ref.session_id)) continue;
    const entry = { number: ref.number, view: null };
    entry.socket = new TableSocket(ref.session_id, token, (tv) => { entry.view = tv; render(); }, () => {});
    tables.set(ref.session_id, entry);
  }
}
