// Every visible string lives in nl.js and en.js (the same keys: a test checks). Only the viewer's
// language is loaded; switching loads the other. A value {one, other} is chosen by params.n.
const STORED = "tvb:lang";
const chosen = localStorage.getItem(STORED);
let current = chosen === "en" || chosen === "nl" ? chosen : "nl";
const catalogs = {};
const parts = [];  // catalogs beyond the phones' one that this page uses, e.g. "staff"
const loaded = new Set();

async function load(language) {
  catalogs[language] ??= { ...(await import(`./${language}.js`)).default };
  for (const part of parts) {
    const file = `${language}-${part}`;
    if (loaded.has(file)) continue;
    Object.assign(catalogs[language], (await import(`./${file}.js`)).default);
    loaded.add(file);
  }
  return catalogs[language];
}
await load(current);

// A page that needs more strings than a phone (facilitator, host, replay) asks for them once.
export async function include(part) {
  if (!parts.includes(part)) parts.push(part);
  await load(current);
}

export function lang() { return current; }

export function chosenLang() { return localStorage.getItem(STORED); }

// The session's language, until the viewer chose one with the switch.
export async function adopt(language) {
  if (localStorage.getItem(STORED) || language === current || !["nl", "en"].includes(language)) return false;
  await use(language);
  return true;
}

export async function setLang(language) {
  localStorage.setItem(STORED, language);
  await use(language);
}

async function use(language) {
  await load(language);
  current = language;
  document.documentElement.lang = current;
  translateStatic();
}

export function t(key, params = {}) {
  let text = catalogs[current][key];
  if (text === undefined) throw new Error(`missing string ${key}`);
  if (typeof text === "object") text = params.n === 1 ? text.one : text.other;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

export function has(key) { return key in catalogs[current]; }

// Elements written in HTML carry data-i18n="key" (text).
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  document.title = t("app.title");
}
