// The event list, kept current by the server-sent event stream, and the critical-alert banner.
import { api } from "./api.js";
import { cameraZone, formatClock, t } from "./i18n.js";
import { badge, el, label } from "./util.js";

const MAX_ROWS = 200;

// The stream as DOM events for other parts of the page: "snapshot" (after each (re)connect's
// fresh read) and "event" (detail: one changed event), so they share this one connection.
export const eventFeed = new EventTarget();
// Events are listed by when they were raised (a long lie is raised long after it started).
const raisedAt = (event) => event.raised_at ?? event.started_at;

function newestFirst(a, b) {
  return Date.parse(raisedAt(b)) - Date.parse(raisedAt(a)) || b.id - a.id;
}

// A long lie, say, started when the lying began: the list says so beside when it was raised.
const LATE_S = 2;
function startedEarlier(event) {
  return (Date.parse(raisedAt(event)) - Date.parse(event.started_at)) / 1000 > LATE_S;
}

export class AlertBanner {
  constructor(root) {
    this.root = root;
    this.eventId = null;
    this.text = root.querySelector("[data-testid=alert-text]");
    this.link = root.querySelector("[data-testid=alert-link]");
    root.querySelector("[data-testid=alert-close]").addEventListener("click", () => this.hide());
    this.link.addEventListener("click", () => this.hide());
  }

  show(event, cameraName) {
    this.eventId = event.id;
    const time = formatClock(raisedAt(event), cameraZone(event.camera_id));
    this.text.textContent = t("alert.text", { type: label(event.type), camera: cameraName, time });
    this.link.href = `#/events/${event.id}`;
    this.root.hidden = false;
  }

  hide() {
    this.eventId = null;
    this.root.hidden = true;
  }

  // Someone has seen to the alerted event (opened it, or moved it on): the banner can go.
  settle(event) {
    if (event.id === this.eventId && event.status !== "new") this.hide();
  }
}

export class EventList {
  constructor(root, emptyNote, banner, cameraNames) {
    this.root = root;
    this.emptyNote = emptyNote;
    this.banner = banner;
    this.cameraNames = cameraNames;
    this.events = new Map();
    this.rows = new Map();
    this.listeners = [];
  }

  onChange(listener) {
    this.listeners.push(listener);
  }

  // Replace the list with a fresh read; events not seen before alert when `notify` is set.
  replaceAll(events, { notify }) {
    for (const event of [...events].reverse()) this.upsert(event, { notify });
    this.updateEmpty();
  }

  upsert(event, { notify }) {
    const known = this.events.get(event.id);
    if (known && known.revision >= event.revision) return;
    this.events.set(event.id, event);
    this.renderRow(event, !known && notify);
    // New critical events alert, and so does an escalation (a long lie that goes on).
    const escalated = known && event.level > known.level && !["resolved", "false_alarm"].includes(event.status);
    if (notify && event.severity === "critical" && ((!known && event.status === "new") || escalated)) {
      this.banner.show(event, this.cameraName(event.camera_id));
    }
    this.banner.settle(event);
    this.trim();
    this.updateEmpty();
    for (const listener of this.listeners) listener(event);
  }

  rerender() {
    for (const event of this.events.values()) this.renderRow(event, false);
  }

  cameraName(cameraId) {
    return this.cameraNames.get(cameraId) ?? cameraId;
  }

  renderRow(event, fresh) {
    const name = this.cameraName(event.camera_id);
    const zone = cameraZone(event.camera_id);
    const since = startedEarlier(event)
      ? el("span", { className: "event-since", "data-testid": "event-since", text: t("events.since", { time: formatClock(event.started_at, zone) }) })
      : null;
    const link = el(
      "a",
      {
        href: `#/events/${event.id}`,
        "data-testid": "event-link",
      },
      el("time", { className: "event-time", datetime: raisedAt(event), "data-testid": "event-time", text: formatClock(raisedAt(event), zone) }, since),
      el("span", { className: "event-camera", text: name }),
      el("span", {
        className: "event-type",
        "data-testid": "event-type",
        title: label(event.category),
        text: event.zone_id ? `${label(event.type)} · ${event.zone_id}` : label(event.type),
      }),
      badge("sev", event.severity, "event-severity"),
      badge("status", event.status, "event-status"),
    );
    link.querySelector("[data-testid=event-severity]").classList.add("sev");
    link.querySelector("[data-testid=event-status]").classList.add("status");
    const existing = this.rows.get(event.id);
    const row = existing ?? el("li", { "data-testid": "event-row", "data-event-id": event.id });
    row.className = `event-row row-${event.severity}${fresh ? " fresh" : ""}`;
    row.dataset.status = event.status;
    row.replaceChildren(link);
    if (!existing) this.insertRow(event, row);
  }

  insertRow(event, row) {
    this.rows.set(event.id, row);
    const after = [...this.events.values()]
      .filter((other) => other.id !== event.id && newestFirst(event, other) > 0 && this.rows.has(other.id))
      .sort(newestFirst)
      .at(-1);
    if (after) this.rows.get(after.id).after(row);
    else this.root.prepend(row);
  }

  trim() {
    if (this.events.size <= MAX_ROWS) return;
    const oldest = [...this.events.values()].sort(newestFirst).slice(MAX_ROWS);
    for (const event of oldest) {
      this.events.delete(event.id);
      this.rows.get(event.id)?.remove();
      this.rows.delete(event.id);
    }
  }

  updateEmpty() {
    this.emptyNote.hidden = this.events.size > 0;
  }
}

// Follow /api/events/stream; each snapshot (first connect and every reconnect) re-reads the list.
export function followEvents(list, stateNode) {
  let loaded = false;
  const source = new EventSource("/api/events/stream");
  const setState = (key, live) => {
    stateNode.textContent = t(key);
    stateNode.classList.toggle("live", live);
  };
  source.addEventListener("snapshot", async () => {
    try {
      list.replaceAll(await api.events(MAX_ROWS), { notify: loaded });
      loaded = true;
      setState("feed.live", true);
      eventFeed.dispatchEvent(new Event("snapshot"));
    } catch (error) {
      setState("feed.cannotLoad", false);
      console.warn("event list", error);
    }
  });
  source.addEventListener("event", (message) => {
    const event = JSON.parse(message.data);
    list.upsert(event, { notify: true });
    eventFeed.dispatchEvent(new CustomEvent("event", { detail: event }));
  });
  source.addEventListener("error", () => setState("feed.reconnecting", false));
  return source;
}
