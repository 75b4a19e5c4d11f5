// The incident's timeline: every event of the facility's cameras around it, one lane per
// camera (SVG, for the eye and the mouse) and a list of buttons (for everyone), each loading
// its event's clip.
import { formatClock, t } from "../i18n.js";
import { el } from "../util.js";
import { term } from "./common.js";

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 600;
const LANE_H = 26;
const LABEL_W = 110;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

// timeline: the API's; pick(event) loads an event; currentId: the event playing.
export function renderTimeline(timeline, { zone, currentId, pick }) {
  const events = timeline.events;
  if (events.length === 0) return el("p", { className: "empty", text: t("inspector.timeline.empty") });
  const picture = el("div", { className: "insp-timeline-picture" }, drawing(timeline, zone, currentId, pick));
  return el("div", { className: "insp-timeline", "data-testid": "timeline" }, picture, list(timeline, zone, currentId, pick));
}

function drawing(timeline, zone, currentId, pick) {
  const cameras = [...new Set(timeline.events.map((event) => event.camera_id))];
  const height = cameras.length * LANE_H + 34;
  const start = Date.parse(timeline.start);
  const span = Math.max(Date.parse(timeline.end) - start, 1);
  const x = (iso) => LABEL_W + ((Date.parse(iso) - start) / span) * (WIDTH - LABEL_W - 10);
  const root = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, "aria-hidden": "true", class: "insp-timeline-svg", "data-testid": "timeline-svg" });
  const own = timeline.events.filter((event) => event.incident_id === timeline.incident_id);
  const first = own[0]?.started_at ?? timeline.start;
  const last = own.at(-1)?.started_at ?? timeline.end;
  root.append(svg("rect", { x: x(first) - 3, y: 0, width: Math.max(x(last) - x(first) + 6, 6), height: height - 28, class: "insp-timeline-band" }));
  cameras.forEach((cameraId, lane) => {
    const y = lane * LANE_H + LANE_H / 2 + 2;
    const name = timeline.events.find((event) => event.camera_id === cameraId).camera_name;
    root.append(svg("text", { x: 4, y, class: "chart-label", "dominant-baseline": "middle" }, name), svg("line", { x1: LABEL_W, x2: WIDTH - 10, y1: y, y2: y, class: "chart-grid" }));
    for (const event of timeline.events.filter((candidate) => candidate.camera_id === cameraId)) {
      root.append(marker(event, x(event.started_at), y, timeline.incident_id, currentId, pick, zone));
    }
  });
  const axisY = height - 10;
  for (const [iso, anchor] of [[timeline.start, "start"], [timeline.end, "end"]]) {
    root.append(svg("text", { x: x(iso), y: axisY, class: "chart-label", "text-anchor": anchor }, formatClock(iso, zone)));
  }
  return root;
}

function marker(event, cx, cy, incidentId, currentId, pick, zone) {
  const classes = ["insp-marker", `sev-${event.severity}`];
  if (event.incident_id === incidentId) classes.push("own");
  if (event.id === currentId) classes.push("current");
  const dot = svg("circle", { cx, cy, r: event.id === currentId ? 8 : 6, class: classes.join(" "), "data-event-id": event.id, "data-testid": "timeline-marker" });
  dot.append(svg("title", {}, describe(event, zone)));
  dot.addEventListener("click", () => pick(event));
  return dot;
}

function list(timeline, zone, currentId, pick) {
  const items = timeline.events.map((event) => {
    const button = el(
      "button",
      { type: "button", className: "insp-timeline-item", "data-testid": "timeline-event", "data-event-id": event.id, "aria-pressed": String(event.id === currentId) },
      el("span", { className: `insp-dot sev-${event.severity}`, "aria-hidden": "true" }),
      el("span", { text: describe(event, zone) }),
      event.incident_id === timeline.incident_id ? el("span", { className: "insp-tag", text: t("inspector.timeline.thisIncident") }) : null,
    );
    button.addEventListener("click", () => pick(event));
    return el("li", {}, button);
  });
  const caption = timeline.truncated ? el("p", { className: "insp-muted", text: t("inspector.timeline.truncated") }) : null;
  return el("div", {}, el("ol", { className: "insp-timeline-list", "data-testid": "timeline-list" }, ...items), caption);
}

function describe(event, zone) {
  const clip = event.clip_url ? "" : ` (${t("inspector.timeline.noClip")})`;
  return `${formatClock(event.started_at, zone)} · ${term(event.type)} · ${event.camera_name} · ${term(event.status)}${clip}`;
}
