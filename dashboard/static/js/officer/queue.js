// The open-incident queue: each open incident with its age (ticking), level and one-click steps.
import { cameraZone, formatClock, t } from "../i18n.js";
import { currentUser } from "../session.js";
import { el, label } from "../util.js";
import { ACTIONS, ALLOWED, FAMILY_NOTICE_TYPES } from "../workflow.js";
import { FamilyFields } from "./family.js";

const BUTTON_CLASS = { acknowledge: "btn-ack", "on-scene": "btn-ack", resolve: "btn-resolve", "false-alarm": "btn-false" };
const STATUS_RANK = { new: 0, acknowledged: 1, on_scene: 2 };
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };
const TICK_MS = 1000;

// Most pressing first: new before acknowledged before on scene, critical first, newest first.
function byUrgency(a, b) {
  return (
    STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
    (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3) ||
    Date.parse(b.last_event_at) - Date.parse(a.last_event_at) ||
    b.id - a.id
  );
}

// "4 s", "2 min 05 s", "1 h 03 min", "3 d 4 h" in the user's language.
export function formatAge(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n) => String(n).padStart(2, "0");
  if (s < 60) return t("officer.age.seconds", { s });
  if (s < 3600) return t("officer.age.minutes", { m: Math.floor(s / 60), s: pad(s % 60) });
  if (s < 86400) return t("officer.age.hours", { h: Math.floor(s / 3600), m: pad(Math.floor(s / 60) % 60) });
  return t("officer.age.days", { d: Math.floor(s / 86400), h: Math.floor(s / 3600) % 24 });
}

function typesText(incident) {
  return [...new Set(incident.event_types)].map(label).join(" + ");
}

class QueueItem {
  constructor(incident, queue, idPrefix) {
    this.queue = queue;
    this.id = incident.id;
    this.incident = null;
    this.busy = false; // a step is on its way: the buttons wait for its answer
    const prefix = `${idPrefix}-${incident.id}`;
    this.severity = el("span", { "data-testid": "queue-severity" });
    this.title = el("a", { className: "queue-title", id: `${prefix}-title`, "data-testid": "queue-title" });
    this.status = el("span", { "data-testid": "queue-status" });
    this.opened = el("time", { className: "queue-time", "data-testid": "queue-opened" });
    this.age = el("span", { className: "queue-age", "data-testid": "queue-age" });
    this.level = el("span", { className: "queue-level", "data-testid": "queue-level" });
    this.note = el("input", { id: `${prefix}-note`, type: "text", maxlength: 2000, autocomplete: "off", "data-testid": "queue-note" });
    this.family = new FamilyFields(prefix);
    this.buttons = ACTIONS.map((action) => this.button(action, `${prefix}-title`));
    this.message = el("p", { className: "action-message", role: "status", "data-testid": "queue-message" });
    this.node = el(
      "li",
      { className: "queue-item", "data-testid": "queue-item", "data-incident-id": incident.id },
      el("div", { className: "queue-head" }, this.severity, this.title, this.status),
      el("p", { className: "queue-meta" }, this.opened, this.age, this.level),
      el(
        "div",
        { className: "queue-actions" },
        el("label", { for: `${prefix}-note`, text: t("officer.queue.note") }),
        this.note,
        this.family.node,
        el("div", { className: "buttons" }, ...this.buttons),
        this.message,
      ),
    );
    this.update(incident);
  }

  button(action, describedBy) {
    const button = el("button", {
      type: "button",
      className: `btn ${BUTTON_CLASS[action]}`,
      "data-action": action,
      "data-testid": `queue-${action}`,
      "aria-describedby": describedBy,
      text: t(`action.${action}`),
    });
    button.addEventListener("click", () => this.act(action));
    return button;
  }

  update(incident) {
    this.incident = incident;
    const camera = this.queue.cameraName(incident.camera_id);
    this.node.className = `queue-item row-${incident.severity}`;
    this.node.dataset.status = incident.status;
    this.severity.className = `badge sev-${incident.severity}`;
    this.severity.textContent = label(incident.severity);
    this.title.textContent = `${typesText(incident)} · ${camera}`;
    this.title.href = `#/events/${incident.event_ids[0]}`;
    this.status.className = `badge status-${incident.status}`;
    this.status.textContent = label(incident.status);
    this.opened.dateTime = incident.opened_at;
    this.opened.textContent = t("officer.queue.opened", {
      time: formatClock(incident.opened_at, cameraZone(incident.camera_id)),
    });
    this.level.textContent = levelText(incident);
    this.level.hidden = !this.level.textContent;
    this.tick(Date.now());
    this.enable();
  }

  tick(nowMs) {
    const ageS = (nowMs - Date.parse(this.incident.opened_at)) / 1000;
    this.age.textContent = t("officer.queue.age", { age: formatAge(ageS) });
  }

  allowed() {
    return ALLOWED[this.incident.status] ?? [];
  }

  enable() {
    const allowed = this.busy ? [] : this.allowed();
    for (const button of this.buttons) button.disabled = !allowed.includes(button.dataset.action);
    if (!this.allowed().includes("resolve")) this.family.hide();
  }

  // The pressed button was disabled while its step ran: the focus goes on in the same row.
  refocus() {
    const next = this.buttons.find((button) => !button.disabled) ?? this.note;
    next.focus();
  }

  needsFamily() {
    return this.incident.event_types.some((type) => FAMILY_NOTICE_TYPES.includes(type));
  }

  async act(action) {
    const asksFamily = action === "resolve" && this.needsFamily();
    if (asksFamily && (this.family.node.hidden || !this.family.value())) {
      // Asked inline: the fields open (or stay open) and the officer presses Resolve again.
      this.family.show();
      this.say(t("officer.family.needed"), true);
      return;
    }
    const family = asksFamily ? this.family.value() : null;
    const hadFocus = this.node.contains(document.activeElement);
    this.busy = true;
    this.enable();
    try {
      const updated = await this.queue.act(this.id, action, this.note.value.trim(), family);
      this.note.value = "";
      const actor = currentUser()?.username ?? "";
      this.say(t("officer.queue.doneBy", { done: t(`done.${action}`), actor }), false);
      this.family.hide();
    } catch (error) {
      this.say(error.message, true);
    } finally {
      this.busy = false;
      this.enable();
      if (hadFocus && this.node.isConnected && !this.node.contains(document.activeElement)) this.refocus();
    }
  }

  say(text, failed) {
    this.message.textContent = text;
    this.message.classList.toggle("failed", failed);
  }
}

function levelText(incident) {
  const parts = [];
  if (incident.level > 1) parts.push(t("officer.queue.level", { level: incident.level }));
  if (incident.escalated_to) parts.push(t("officer.queue.raisedTo", { to: label(incident.escalated_to) }));
  return parts.join(" · ");
}

export class QueuePanel {
  // `queue`: the shared IncidentQueue; `idPrefix` keeps element ids unique on the page.
  constructor(queue, idPrefix) {
    this.queue = queue;
    this.idPrefix = idPrefix;
    this.items = new Map();
    this.count = el("span", { className: "queue-count", "data-testid": "queue-count" });
    this.heading = el("h2", { id: `${idPrefix}-heading`, tabindex: "-1", text: t("officer.queue.title") });
    this.list = el("ol", { className: "queue-list", "data-testid": "queue-list" });
    this.empty = el("p", { className: "empty", "data-testid": "queue-empty", text: t("officer.queue.empty") });
    this.problem = el("p", { className: "error", role: "alert", "data-testid": "queue-error", hidden: true });
    this.announce = el("p", { className: "visually-hidden", role: "status", "data-testid": "queue-announce" });
    this.node = el(
      "section",
      { className: "panel queue-panel", "data-testid": idPrefix, "aria-labelledby": `${idPrefix}-heading` },
      el("div", { className: "queue-heading" }, this.heading, this.count),
      this.problem,
      this.list,
      this.empty,
      this.announce,
    );
    this.unsubscribe = null;
    this.timer = null;
  }

  start() {
    this.unsubscribe = this.queue.subscribe(() => this.render());
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.render();
  }

  stop() {
    if (this.unsubscribe) this.unsubscribe();
    clearInterval(this.timer);
  }

  tick() {
    const nowMs = Date.now();
    for (const item of this.items.values()) item.tick(nowMs);
  }

  render() {
    const open = [...this.queue.incidents.values()].sort(byUrgency);
    const focusLost = this.removeClosed(new Set(open.map((incident) => incident.id)));
    open.forEach((incident, index) => {
      let item = this.items.get(incident.id);
      if (item) item.update(incident);
      else this.items.set(incident.id, (item = new QueueItem(incident, this.queue, this.idPrefix)));
      // Only out-of-place rows move: moving a row would take the focus out of it.
      if (this.list.children[index] !== item.node) this.list.insertBefore(item.node, this.list.children[index] ?? null);
    });
    if (focusLost) this.heading.focus();
    this.count.textContent = t("officer.queue.count", { count: open.length });
    this.empty.hidden = open.length > 0;
    const { error } = this.queue;
    this.problem.hidden = !error;
    this.problem.textContent = error ? t("officer.queue.cannotLoad", { error: error.message }) : "";
  }

  // Drop the rows of incidents no longer open; true when the focus was in one of them.
  removeClosed(openIds) {
    let focusLost = false;
    for (const [id, item] of this.items) {
      if (openIds.has(id)) continue;
      // A row whose step is running has its pressed button disabled, hence unfocused.
      focusLost ||= item.busy || item.node.contains(document.activeElement);
      const closed = this.queue.closedHere.get(id);
      this.announce.textContent = closed
        ? t("officer.queue.closed", { id, status: label(closed.status) })
        : t("officer.queue.gone", { id });
      item.node.remove();
      this.items.delete(id);
    }
    return focusLost;
  }
}
