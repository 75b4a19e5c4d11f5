// One incident under review: status and steps, the clip player with frame stepping, the
// timeline of everything around it, and who viewed or downloaded its clips (audit log).
import { facilityZone, formatClock, formatDateTime, hasText, t, zoneOffsetLabel } from "../i18n.js";
import { el, fillFacts } from "../util.js";
import { inspectorApi } from "./api.js";
import { facilityName, field, loadFacilities, page, poll, select, statusLine, table, timeIn, term, badge } from "./common.js";
import { ClipPlayer } from "./player.js";
import { renderTimeline } from "./timeline.js";

const AUDIT_REFRESH_MS = 5000;
const WINDOWS_S = [120, 600, 1800, 3600];

export function mountReview(container, match) {
  const incidentId = Number(match[1]);
  const title = el("span", { "data-testid": "review-title", text: t("inspector.incidents.number", { id: incidentId }) });
  const state = el("span", { "data-testid": "review-status" });
  const root = page("incident-review", "inspector.review.title", title, state);
  const back = el("a", { className: "back", href: "#/incidents", "data-testid": "review-back", text: t("inspector.review.back") });
  root.prepend(back);
  const status = statusLine("review-status-line");
  const player = new ClipPlayer();
  const windowSelect = select(WINDOWS_S.map((s) => [String(s), t("inspector.review.window", { minutes: s / 60 })]), "600", { "data-testid": "timeline-window" });
  const timelineBox = el("div", { "data-testid": "timeline-box" });
  const facts = el("dl", { className: "facts", "data-testid": "review-facts" });
  const steps = el("ol", { className: "history", "data-testid": "review-steps" });
  const pushes = el("ol", { className: "history", "data-testid": "review-pushes" });
  const auditBox = el("div", { className: "insp-scroll", "data-testid": "review-audit" });
  const section = (key, ...children) => el("section", { className: "insp-block" }, el("h3", { text: t(key) }), ...children);
  root.append(
    status,
    el(
      "div",
      { className: "insp-review" },
      el("div", {}, player.node, section("inspector.review.timeline", field(t("inspector.review.around"), windowSelect), timelineBox)),
      el(
        "div",
        {},
        section("inspector.review.facts", facts),
        section("inspector.review.steps", steps),
        section("inspector.review.pushes", pushes),
        section("inspector.review.audit", auditBox),
      ),
    ),
  );
  container.append(root);

  const view = { incidentId, player, timelineBox, facts, steps, pushes, auditBox, state, title, status, current: null };
  // The incident's status and its audit trail follow what others do while the page is open.
  const refreshAudit = () => Promise.all([loadAudit(view), refreshIncident(view)]);
  // Loading a clip (clip_view) and downloading it (clip_export) each add an audit row.
  player.download.addEventListener("click", () => setTimeout(refreshAudit, 700));
  player.video.addEventListener("loadedmetadata", () => setTimeout(refreshAudit, 300));
  windowSelect.addEventListener("change", () => loadTimeline(view, Number(windowSelect.value)));
  let stopAudit = () => {};
  load(view, Number(windowSelect.value)).then(() => {
    if (!view.left) stopAudit = poll(refreshAudit, AUDIT_REFRESH_MS);
  });
  return () => {
    view.left = true;
    stopAudit();
    player.stop();
  };
}

async function load(view, windowS) {
  try {
    view.facilities = await loadFacilities();
    view.incident = await inspectorApi.incident(view.incidentId);
    view.zone = facilityZone(view.incident.facility_id);
    renderIncident(view);
    await loadTimeline(view, windowS);
    renderSteps(view);
  } catch (error) {
    view.status.fail(error);
  }
}

async function loadTimeline(view, windowS) {
  try {
    view.timeline = await inspectorApi.timeline(view.incidentId, windowS);
    if (!view.current) {
      const own = view.timeline.events.filter((event) => event.incident_id === view.incidentId);
      view.current = own.find((event) => event.clip_url) ?? own[0] ?? null;
      if (view.current) showEvent(view, view.current);
    }
    drawTimeline(view);
  } catch (error) {
    view.status.fail(error);
  }
}

function drawTimeline(view) {
  const pick = (event) => {
    view.current = event;
    showEvent(view, event);
    drawTimeline(view);
    view.player.video.play().catch(() => {});
  };
  view.timelineBox.replaceChildren(renderTimeline(view.timeline, { zone: view.zone, currentId: view.current?.id, pick }));
}

function showEvent(view, event) {
  view.player.load(event, event.camera_name, formatClock(event.started_at, view.zone));
}

function renderIncident(view) {
  const { incident } = view;
  view.state.replaceChildren(badge("status", incident.status, "review-status-badge"));
  view.title.textContent = t("inspector.review.heading", {
    id: incident.id,
    types: [...new Set(incident.event_types)].map(term).join(", "),
  });
  fillFacts(view.facts, [
    [t("inspector.facility"), facilityName(view.facilities, incident.facility_id)],
    [t("inspector.review.category"), term(incident.category)],
    [t("inspector.review.opened"), formatDateTime(incident.opened_at, view.zone)],
    [t("inspector.review.lastEvent"), formatDateTime(incident.last_event_at, view.zone)],
    [t("inspector.review.events"), String(incident.event_ids.length)],
    [t("inspector.review.falls"), String(incident.fall_count)],
    [t("inspector.incidents.escalated"), incident.escalated_to ? `${term(incident.escalated_to)} · ${formatDateTime(incident.escalated_at, view.zone)}` : "—"],
    [t("inspector.review.zone"), view.zone ? `${view.zone} (${zoneOffsetLabel(view.zone)})` : "—"],
  ]);
}

// One line per detection (when it was raised) and one per action on the incident: a person's
// step with its note and family notice, an escalation, a reminder; then the phone pushes.
function renderSteps(view) {
  const { incident, zone } = view;
  const when = (iso) => formatDateTime(iso, zone);
  const detections = incident.events.map((event) => ({
    at: event.raised_at,
    testid: "review-detection",
    text: t("inspector.review.raised", { type: term(event.type), time: when(event.raised_at) }),
    note: event.raised_at !== event.started_at ? t("inspector.review.startedAt", { time: when(event.started_at) }) : null,
  }));
  const steps = incident.steps.map((step) => ({
    at: step.at,
    testid: "review-step",
    action: step.action,
    text: stepLine(step, when),
    note: step.note,
    family: step.family ? t("detail.familyText", { by: step.family.by, method: t(`method.${step.family.method}`), time: when(step.family.notified_at) }) : null,
  }));
  const lines = [...detections, ...steps].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  view.steps.replaceChildren(
    ...lines.map((line) =>
      el(
        "li",
        { "data-testid": line.testid, "data-action": line.action ?? null },
        line.text,
        line.note ? el("span", { className: "note", text: line.note }) : null,
        line.family ? el("span", { className: "note", "data-testid": "review-family", text: line.family }) : null,
      ),
    ),
  );
  view.pushes.replaceChildren(...pushLines(incident, when));
}

function stepLine(step, when) {
  const time = when(step.at);
  if (step.action === "escalate") return t("inspector.review.escalated", { to: term(step.escalated_to), time });
  if (step.action === "remind") return t("inspector.review.reminded", { time });
  const moved = step.from_status !== step.to_status ? t("inspector.review.moved", { from: term(step.from_status), to: term(step.to_status) }) : "";
  return t("inspector.review.stepBy", { action: t(`inspector.review.action.${step.action}`), actor: step.actor, time, moved });
}

function pushLines(incident, when) {
  if (!incident.pushes.length) return [el("li", { className: "empty", text: t("inspector.review.noPushes") })];
  return incident.pushes.map((push) =>
    el(
      "li",
      { "data-testid": "review-push", "data-status": push.status },
      t(`inspector.review.push.${push.status}`, {
        group: push.group,
        kind: t(`inspector.review.pushKind.${push.kind}`),
        time: when(push.sent_at ?? push.created_at),
        attempts: push.attempts,
      }),
      push.last_error && push.status !== "sent" ? el("span", { className: "note", text: push.last_error }) : null,
    ),
  );
}

async function refreshIncident(view) {
  if (!view.incident) return;
  try {
    const incident = await inspectorApi.incident(view.incidentId);
    if (incident.updated_at === view.incident.updated_at) return;
    view.incident = incident;
    renderIncident(view);
    renderSteps(view);
  } catch (error) {
    view.status.fail(error);
  }
}

async function loadAudit(view) {
  if (!view.incident) return;
  try {
    const rows = await inspectorApi.audit({ incident_id: view.incidentId, limit: 50 });
    const headers = ["inspector.audit.when", "inspector.audit.who", "inspector.audit.what", "inspector.audit.object"];
    const { node, row } = table(t("inspector.review.audit"), headers.map((key) => t(key)), "audit-table");
    for (const entry of rows) {
      row({ "data-testid": "audit-row", "data-action": entry.action, "data-seq": entry.seq }, [
        timeIn(entry.at, view.incident.facility_id),
        actorName(entry.actor),
        auditAction(entry.action),
        `${term(entry.object_type)} ${entry.object_id ?? ""}`.trim(),
      ]);
    }
    view.auditBox.replaceChildren(rows.length ? node : el("p", { className: "empty", text: t("inspector.audit.none") }));
  } catch (error) {
    const text = error.status === 403 ? t("inspector.audit.forbidden") : error.message;
    view.auditBox.replaceChildren(el("p", { className: "empty", text }));
  }
}

// Who did it: a person's user name, or the system's own actors in words.
export function actorName(actor) {
  const key = `inspector.actor.${actor}`;
  return hasText(key) ? t(key) : actor;
}

export function auditAction(action) {
  const key = `inspector.audit.action.${action}`;
  const text = t(key);
  return text === key ? term(action) : text;
}
