// What the inspector pages share: headings, labelled fields, times in the facility's zone,
// status lines and polling that stops when the page is left.
import { facilityZone, formatDateTime, hasText, rememberFacilities, t } from "../i18n.js";
import { el, label } from "../util.js";
import { inspectorApi } from "./api.js";

export const INSPECTORS = ["street_inspector", "district_inspector", "admin"];
let nextId = 0;

export function uid(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

// The page's panel: a heading (h2) and whatever sits beside it.
export function page(testid, titleKey, ...aside) {
  const titleId = uid("title");
  const head = el("div", { className: "insp-head" }, el("h2", { id: titleId, text: t(titleKey) }), ...aside);
  return el("section", { className: "panel insp-page", "data-testid": testid, "aria-labelledby": titleId }, head);
}

// A <label> and its control, tied by id; `control` gets the id.
export function field(labelText, control, className = "insp-field") {
  control.id ||= uid("field");
  return el("div", { className }, el("label", { for: control.id, text: labelText }), control);
}

export function select(options, value, attrs = {}) {
  const node = el("select", attrs);
  for (const [optionValue, text] of options) node.append(new Option(text, optionValue));
  if (value !== undefined && value !== null) node.value = value;
  return node;
}

// A time shown in the facility's time zone, machine-readable in `datetime`.
export function timeIn(iso, facilityId, testid) {
  return el("time", { datetime: iso ?? "", "data-testid": testid, text: formatDateTime(iso, facilityZone(facilityId)) });
}

// A polite status line; say(text) or fail(error) fill it.
export function statusLine(testid) {
  const node = el("p", { className: "insp-status", role: "status", "aria-live": "polite", "data-testid": testid });
  node.say = (text) => {
    node.textContent = text;
    node.classList.remove("failed");
  };
  node.fail = (error) => {
    node.textContent = error?.status === 404 ? t("inspector.notFound") : String(error?.message ?? error);
    node.classList.add("failed");
  };
  return node;
}

// The facilities in scope by id (their time zones go to i18n.js too).
export async function loadFacilities() {
  const facilities = await inspectorApi.facilities();
  rememberFacilities(facilities);
  return new Map(facilities.map((facility) => [facility.id, facility]));
}

// Checklist items by id, with their texts in both languages (empty when they cannot be read).
export async function loadChecklistItems() {
  try {
    const checklists = await inspectorApi.checklists();
    return new Map(checklists.flatMap((checklist) => checklist.items.map((item) => [item.id, item])));
  } catch (error) {
    console.warn("checklists", error);
    return new Map();
  }
}

export function facilityName(facilities, facilityId) {
  return facilities.get(facilityId)?.name ?? facilityId;
}

// Run `task` now and every `everyMs`, never two at once; the returned function stops it.
export function poll(task, everyMs) {
  let busy = false;
  let stopped = false;
  const run = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      await task();
    } finally {
      busy = false;
    }
  };
  run();
  const timer = setInterval(run, everyMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

// A table with a caption (visually hidden when `hideCaption`) and header cells; `row(attrs,
// cells)` adds a row whose cells carry their column's name (shown beside them on a phone).
export function table(captionText, headers, testid, hideCaption = true) {
  const caption = el("caption", { className: hideCaption ? "insp-sr" : "", text: captionText });
  const head = el("thead", {}, el("tr", {}, ...headers.map((text) => el("th", { scope: "col", text }))));
  const body = el("tbody");
  const node = el("table", { className: "insp-table", "data-testid": testid }, caption, head, body);
  const row = (attrs, cells) => {
    const line = el("tr", attrs, ...cells.map((content, index) => cellOf(content, headers[index])));
    body.append(line);
    return line;
  };
  return { node, body, row };
}

function cellOf(content, heading) {
  const children = (Array.isArray(content) ? content : [content]).filter((child) => child !== null && child !== undefined);
  // One child per cell, so the phone layout (heading | value) keeps each value on its line.
  const value = children.length === 1 ? children[0] : el("span", {}, ...children);
  return el("td", { "data-label": heading }, typeof value === "number" ? String(value) : value);
}

// A date (yyyy-mm-dd, as <input type=date> gives it) as the start of that day in the
// browser's time zone: KPI periods are the whole days the user picked.
export function dayStart(dateText) {
  return new Date(`${dateText}T00:00:00`);
}

export function dateInputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// An API value in the user's language: the inspector's own words first (inspection and hazard
// values), then the shared ones (util.js label).
export function term(value) {
  return value && hasText(`inspector.value.${value}`) ? t(`inspector.value.${value}`) : label(value);
}

export function badge(kind, value, testid) {
  return el("span", { className: `badge ${kind}-${value}`, "data-testid": testid, text: term(value) });
}
