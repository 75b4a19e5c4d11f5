// One incident on its own page: where a phone group's link lands. The card with its steps,
// the snapshot, each event with when it was raised, and the incident's history.
import { api } from "../api.js";
import { eventFeed } from "../events.js";
import { cameraZone, formatClock, formatDateTime, rememberCameras, t } from "../i18n.js";
import { el, label } from "../util.js";
import { IncidentCard } from "./card.js";

export function mountIncident(container, match) {
  const incidentId = Number(match[1]);
  const cameras = new Map();
  const list = el("ol", { className: "queue-list", "data-testid": "incident-card" });
  const picture = el("img", { className: "incident-snapshot", "data-testid": "incident-snapshot", alt: t("officer.incident.snapshotAlt"), hidden: true });
  const events = el("ol", { className: "history", "data-testid": "incident-events" });
  const steps = el("ol", { className: "history", "data-testid": "incident-steps" });
  const problem = el("p", { className: "error", role: "alert", "data-testid": "incident-error", hidden: true });
  const titleId = `officer-incident-${incidentId}-heading`;
  container.append(
    el(
      "section",
      { className: "panel officer-incident", "data-testid": "officer-incident", "aria-labelledby": titleId },
      el("a", { className: "back", href: "#/live", text: t("officer.incident.back") }),
      el("h2", { id: titleId, text: t("officer.incident.title", { id: incidentId }) }),
      problem,
      list,
      picture,
      el("h3", { text: t("officer.incident.events") }),
      events,
      el("h3", { text: t("officer.incident.history") }),
      steps,
    ),
  );
  let card = null;
  const host = {
    cameraName: (id) => cameras.get(id) ?? id,
    act: async (id, action, note, family, seen) => {
      const updated = await api.incidentTransition(id, action, note, family, seen);
      render(updated);
      return updated;
    },
    refresh: () => load(),
  };
  const render = async (incident) => {
    if (card) card.update(incident);
    else list.append((card = new IncidentCard(incident, host, "incident-page")).node);
    renderEvents(events, incident);
    renderSteps(steps, incident);
    const latest = await latestSnapshot(incident);
    picture.hidden = !latest;
    if (latest && picture.getAttribute("src") !== latest) picture.src = latest;
  };
  const load = async () => {
    try {
      if (!cameras.size) {
        const known = await api.cameras();
        rememberCameras(known);
        for (const camera of known) cameras.set(camera.id, camera.name);
      }
      await render(await api.incident(incidentId));
      problem.hidden = true;
    } catch (error) {
      problem.textContent = error.status === 404 ? t("officer.incident.notFound", { id: incidentId }) : error.message;
      problem.hidden = false;
    }
  };
  const onFeed = () => load();
  eventFeed.addEventListener("event", onFeed);
  const timer = setInterval(() => card?.tick(Date.now()), 1000);
  load();
  return () => {
    eventFeed.removeEventListener("event", onFeed);
    clearInterval(timer);
  };
}

async function latestSnapshot(incident) {
  for (const eventId of [...incident.event_ids].reverse()) {
    const event = await api.event(eventId);
    if (event.snapshot_url) return event.snapshot_url;
  }
  return null;
}

function renderEvents(list, incident) {
  const zone = cameraZone(incident.camera_id);
  list.replaceChildren(
    ...incident.events.map((event) =>
      el(
        "li",
        { "data-testid": "incident-event", "data-pending": String(event.pending) },
        el("a", { href: `#/events/${event.id}`, text: label(event.type) }),
        " ",
        t("officer.incident.raised", { time: formatClock(event.raised_at, zone) }),
        event.pending ? el("strong", { className: "queue-news-tag", text: ` ${t("officer.incident.new")}` }) : null,
      ),
    ),
  );
}

export function stepText(step, zone) {
  const time = formatDateTime(step.at, zone);
  if (step.action === "escalate") return t("officer.step.escalate", { to: label(step.escalated_to), time });
  if (step.action === "remind") return t("officer.step.remind", { time });
  return t("officer.step.done", { done: t(`done.${step.action.replace("_", "-")}`), actor: step.actor, time });
}

function renderSteps(list, incident) {
  const zone = cameraZone(incident.camera_id);
  const items = incident.steps.map((step) =>
    el(
      "li",
      { "data-testid": "incident-step", "data-action": step.action },
      stepText(step, zone),
      step.note ? el("span", { className: "note", text: step.note }) : null,
      step.family
        ? el("span", {
            className: "note",
            "data-testid": "incident-step-family",
            text: t("detail.familyText", { by: step.family.by, method: t(`method.${step.family.method}`), time: formatDateTime(step.family.notified_at, zone) }),
          })
        : null,
    ),
  );
  list.replaceChildren(...(items.length ? items : [el("li", { text: t("officer.incident.noSteps") })]));
}
