// The insight charts, drawn on the server (SVG without script or inline style), with their
// figures as a table: the table is the chart's full text alternative and prints with it.
// Loaded only by the trainer's pages (library, debrief), with their stylesheet.
import { h } from "./common.js";
import { t } from "./i18n.js";

document.head.append(h("link", { rel: "stylesheet", href: "/static/trainer.css" }), h("link", { rel: "stylesheet", href: "/charts.css" }));

const number = (value) => (value === null ? "–" : new Intl.NumberFormat(document.documentElement.lang).format(value));

function svgOf(text) {
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
  return parsed.nodeName === "svg" ? document.importNode(parsed, true) : null;
}

function figureTable(chart) {
  return h("table", { class: "figures" },
    h("thead", {}, h("tr", {}, h("td", {}), chart.columns.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, chart.rows.map((row) => h("tr", {}, h("th", { scope: "row" }, row.label), row.values.map((v) => h("td", {}, number(v)))))));
}

export function chartFigure(chart) {
  const empty = chart.rows.length === 0;
  return h("figure", { class: "chart", id: `chart-${chart.id}` },
    h("figcaption", {}, h("h3", {}, chart.title)),
    empty ? h("p", { class: "muted" }, t("insights.noData")) : [h("div", { class: "chart-svg" }, svgOf(chart.svg)), figureTable(chart)]);
}

export function chartGrid(charts) {
  return h("div", { class: "charts" }, charts.map(chartFigure));
}
