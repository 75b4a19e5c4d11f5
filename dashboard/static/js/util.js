// Small DOM and formatting helpers shared by the dashboard views.

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

// "false_alarm" -> "False alarm", "long_lie" -> "Long lie"
export function label(value) {
  if (!value) return "";
  const words = String(value).replaceAll("_", " ").replaceAll("-", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function formatClock(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return sameDay ? time : `${date.toLocaleDateString([], { month: "short", day: "numeric" })} ${time}`;
}

export function formatDateTime(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
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
    dl.append(el("dt", { text: "none" }), el("dd"));
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
