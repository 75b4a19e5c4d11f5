// Bar and line charts drawn as plain SVG (no chart library); each is a <figure> with a legend,
// and the numbers stay readable in the table next to them.
import { el } from "../util.js";
import { uid } from "./common.js";

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 600;
const LABEL_W = 170; // the bar charts' label column
const LABEL_GAP = 8;
const LABEL_LINES = 3;
const LABEL_LINE_H = 13;
const LABEL_FONT_PX = 11; // .chart-label in inspector.css

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(name, String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function text(x, y, content, attrs = {}) {
  return svg("text", { x, y, ...attrs }, content);
}

// A round upper bound for an axis: 1, 2, 5 × 10^n at or above `value`.
export function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((bound) => bound >= value);
}

function figure(title, testid, chart, series) {
  const legend = el(
    "ul",
    { className: "chart-legend" },
    ...series.map((entry, index) =>
      el("li", {}, el("span", { className: `chart-key chart-s${index}`, "aria-hidden": "true" }), entry.label),
    ),
  );
  return el("figure", { className: "chart", "data-testid": testid }, el("figcaption", { text: title }), chart, legend);
}

function frame(title, height) {
  const titleId = uid("chart");
  const root = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-labelledby": titleId });
  root.append(svg("title", { id: titleId }, title));
  return root;
}

// Horizontal bars, one group per category (a node), one bar per series; a long name wraps
// onto up to LABEL_LINES lines in the label column left of the bars.
// series: [{ label, values: [number|null per category] }]; format(value) -> text.
export function barChart({ title, categories, series, format, testid, max }) {
  const barH = 12;
  const labels = categories.map((name) => wrapLabel(name, LABEL_W - LABEL_GAP, LABEL_LINES));
  const rowHs = labels.map((lines) => Math.max(barH * series.length + 12, lines.length * LABEL_LINE_H + 8));
  const height = Math.max(rowHs.reduce((sum, rowH) => sum + rowH, 0) + 8, 40);
  const top = niceMax(max ?? Math.max(0, ...series.flatMap((entry) => entry.values.map((v) => v ?? 0))));
  const scale = (WIDTH - LABEL_W - 70) / top;
  const root = frame(title, height);
  let y = 4;
  categories.forEach((name, row) => {
    root.append(labelText(name, labels[row], y + rowHs[row] / 2));
    const barsY = y + (rowHs[row] - (barH * series.length + 12)) / 2;
    series.forEach((entry, index) => {
      const value = entry.values[row];
      const barY = barsY + index * barH + 4;
      const width = value === null || value === undefined ? 0 : Math.max(value * scale, value > 0 ? 2 : 0);
      const bar = svg("rect", { x: LABEL_W, y: barY, width, height: barH - 2, class: `chart-s${index}`, "data-value": value ?? "" });
      bar.append(svg("title", {}, `${name} · ${entry.label}: ${format(value)}`));
      root.append(bar, text(LABEL_W + width + 4, barY + barH / 2, format(value), { class: "chart-value", "dominant-baseline": "middle" }));
    });
    y += rowHs[row];
  });
  root.append(svg("line", { x1: LABEL_W, y1: 0, x2: LABEL_W, y2: height, class: "chart-axis" }));
  return figure(title, testid, root, series);
}

// A category's name right-aligned before the bars, one <tspan> per line, centred on `middleY`.
function labelText(name, lines, middleY) {
  const x = LABEL_W - LABEL_GAP;
  const node = svg("text", { x, class: "chart-label", "text-anchor": "end", "data-name": name }, svg("title", {}, name));
  lines.forEach((line, index) => {
    const lineY = middleY + (index - (lines.length - 1) / 2) * LABEL_LINE_H;
    node.append(svg("tspan", { x, y: lineY, "dominant-baseline": "middle" }, line));
  });
  return node;
}

// `name` broken into at most `maxLines` lines no wider than `width` (SVG units): at a space
// where one is near, else between any two characters (Chinese has no spaces); what still
// does not fit ends the last line with "…" (the full name is the label's tooltip).
function wrapLabel(name, width, maxLines, measure = textWidth) {
  const lines = [];
  let rest = name.trim();
  while (rest && lines.length < maxLines) {
    if (measure(rest) <= width) {
      lines.push(rest);
      return lines;
    }
    let cut = 1;
    while (cut < rest.length && measure(rest.slice(0, cut + 1)) <= width) cut += 1;
    const space = rest.lastIndexOf(" ", cut);
    if (space > cut / 2) cut = space;
    lines.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) {
    let last = lines.pop();
    while (last.length > 1 && measure(`${last}…`) > width) last = last.slice(0, -1).trimEnd();
    lines.push(`${last}…`);
  }
  return lines;
}

// The width of `content` as a chart label draws it (the page's font at the label's size).
let measuring = null;
function textWidth(content) {
  measuring ??= document.createElement("canvas").getContext("2d");
  measuring.font = `${LABEL_FONT_PX}px ${getComputedStyle(document.body).fontFamily}`;
  return measuring.measureText(content).width;
}

// Lines over evenly spaced x labels (periods); series: [{ label, values: [number|null] }].
export function lineChart({ title, labels, series, format, testid, max }) {
  const height = 220;
  const left = 48;
  const bottom = 28;
  const plotH = height - bottom - 12;
  const plotW = WIDTH - left - 16;
  const top = niceMax(max ?? Math.max(0, ...series.flatMap((entry) => entry.values.map((v) => v ?? 0))));
  const x = (index) => left + (labels.length < 2 ? plotW / 2 : (index * plotW) / (labels.length - 1));
  const y = (value) => 12 + plotH - (value / top) * plotH;
  const root = frame(title, height);
  for (const fraction of [0, 0.5, 1]) {
    root.append(
      svg("line", { x1: left, x2: WIDTH - 16, y1: y(top * fraction), y2: y(top * fraction), class: "chart-grid" }),
      text(left - 6, y(top * fraction), format(top * fraction), { class: "chart-value", "text-anchor": "end", "dominant-baseline": "middle" }),
    );
  }
  const every = Math.max(1, Math.ceil(labels.length / 6));
  labels.forEach((name, index) => {
    if (index % every === 0) root.append(text(x(index), height - 8, name, { class: "chart-label", "text-anchor": "middle" }));
  });
  series.forEach((entry, index) => root.append(...linePath(entry, index, labels, x, y, format)));
  return figure(title, testid, root, series);
}

function linePath(entry, index, labels, x, y, format) {
  const known = entry.values.map((value, at) => [value, at]).filter(([value]) => value !== null && value !== undefined);
  const points = known.map(([value, at]) => `${x(at)},${y(value)}`).join(" ");
  const dots = known.map(([value, at]) => {
    const dot = svg("circle", { cx: x(at), cy: y(value), r: 3.5, class: `chart-s${index}` });
    dot.append(svg("title", {}, `${labels[at]} · ${entry.label}: ${format(value)}`));
    return dot;
  });
  return [svg("polyline", { points, class: `chart-line chart-s${index}` }), ...dots];
}
