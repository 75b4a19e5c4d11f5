// Small DOM and formatting helpers shared by the dashboard views.
import { hasText, t } from "./i18n.js";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "className") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// An API value in the user's language: "false_alarm" -> "False alarm" / "误报"; unknown ones
// are spelled out ("some_value" -> "Some value").
export function label(value) {
  if (!value) return "";
  if (hasText(`value.${value}`)) return t(`value.${value}`);
  const words = String(value).replaceAll("_", " ").replaceAll("-", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// Seconds of video time as m:ss.s
export function formatVideoTime(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const minutes = Math.floor(seconds / 60);
  const rest = (seconds - minutes * 60).toFixed(1).padStart(4, "0");
  return `${minutes}:${rest}`;
}

export function formatNumber(value, digits = 2) {
  return typeof value === "number" ? value.toFixed(digits) : String(value ?? "—");
}

// Replace a <dl>'s content with term/value pairs; an empty list shows "none".
export function fillFacts(dl, pairs) {
  dl.replaceChildren();
  if (pairs.length === 0) {
    dl.append(el("dt", { text: t("common.none") }), el("dd"));
    return;
  }
  for (const [term, value] of pairs) {
    dl.append(el("dt", { text: term }), el("dd", { text: value }));
  }
}

export function badge(kind, value, testid) {
  return el("span", {
    className: `badge ${kind}-${value}`,
    "data-testid": testid,
    text: label(value),
  });
}

export function setBadge(node, kind, value) {
  node.className = `badge ${kind}-${value}`;
  node.textContent = label(value);
}
