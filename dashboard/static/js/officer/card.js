// One incident as the officer works it: what happened and how often, what joined since it was
// acknowledged, escalation and phone pushes, and one-click steps on what the card shows.
import { cameraZone, formatClock, t } from "../i18n.js";
import { currentUser } from "../session.js";
import { el, label } from "../util.js";
import { ACTIONS, allowedSteps, FAMILY_NOTICE_TYPES, pendingEvents, seenEventId, typesText } from "../workflow.js";
import { FamilyFields } from "./family.js";

const BUTTON_CLASS = { acknowledge: "btn-ack", "on-scene": "btn-ack", resolve: "btn-resolve", "false-alarm": "btn-false" };

// "4 s", "2 min 05 s", "1 h 03 min", "3 d 4 h" in the user's language.
export function formatAge(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n) => String(n).padStart(2, "0");
  if (s < 60) return t("officer.age.seconds", { s });
  if (s < 3600) return t("officer.age.minutes", { m: Math.floor(s / 60), s: pad(s % 60) });
  if (s < 86400) return t("officer.age.hours", { h: Math.floor(s / 3600), m: pad(Math.floor(s / 60) % 60) });
  return t("officer.age.days", { d: Math.floor(s / 86400), h: Math.floor(s / 3600) % 24 });
}

function pushText(incident) {
  const failing = incident.pushes.filter((push) => push.status === "gave_up" || (push.status === "pending" && push.attempts > 0));
  if (failing.length) {
    const push = failing[0];
    const key = push.status === "gave_up" ? "officer.push.gaveUp" : "officer.push.failing";
    return { text: t(key, { group: push.group, error: push.last_error ?? "", attempts: push.attempts }), failed: true };
  }
  const sent = incident.pushes.filter((push) => push.status === "sent");
  if (!sent.length) return { text: "", failed: false };
  const groups = [...new Set(sent.map((push) => push.group))].join(", ");
  return { text: t("officer.push.sent", { groups }), failed: false };
}

// `host`: { cameraName(id), act(id, action, note, family, seenEventId) -> incident }.
export class IncidentCard {
  constructor(incident, host, idPrefix) {
    this.host = host;
    this.id = incident.id;
    this.incident = null;
    this.busy = false; // a step is on its way: the buttons wait for its answer
    const prefix = `${idPrefix}-${incident.id}`;
    this.severity = el("span", { "data-testid": "queue-severity" });
    this.title = el("a", { className: "queue-title", id: `${prefix}-title`, "data-testid": "queue-title" });
    this.status = el("span", { "data-testid": "queue-status" });
    this.falls = el("span", { className: "badge queue-falls", "data-testid": "queue-falls" });
    this.opened = el("time", { className: "queue-time", "data-testid": "queue-opened" });
    this.age = el("span", { className: "queue-age", "data-testid": "queue-age" });
    this.level = el("span", { className: "queue-level", "data-testid": "queue-level" });
    this.news = el("p", { className: "queue-news", role: "status", "data-testid": "queue-news" });
    this.push = el("p", { className: "queue-push", "data-testid": "queue-push" });
    this.note = el("input", { id: `${prefix}-note`, type: "text", maxlength: 2000, autocomplete: "off", "data-testid": "queue-note" });
    this.family = new FamilyFields(prefix);
    this.buttons = ACTIONS.map((action) => this.button(action, `${prefix}-title`));
    this.message = el("p", { className: "action-message", role: "status", "data-testid": "queue-message" });
    this.node = el(
      "li",
      { className: "queue-item", "data-testid": "queue-item", "data-incident-id": incident.id },
      el("div", { className: "queue-head" }, this.severity, this.title, this.falls, this.status),
      el("p", { className: "queue-meta" }, this.opened, this.age, this.level),
      this.news,
      this.push,
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
    const camera = this.host.cameraName(incident.camera_id);
    const zone = cameraZone(incident.camera_id);
    this.node.className = `queue-item row-${incident.severity}`;
    this.node.dataset.status = incident.status;
    this.node.dataset.unacknowledged = String(incident.unacknowledged);
    this.severity.className = `badge sev-${incident.severity}`;
    this.severity.textContent = label(incident.severity);
    this.title.textContent = `${typesText(incident)} · ${camera}`;
    this.title.href = `#/incidents/${incident.id}`;
    this.status.className = `badge status-${incident.status}`;
    this.status.textContent = label(incident.status);
    this.falls.hidden = incident.fall_count < 1;
    this.falls.textContent = t("officer.card.falls", { n: incident.fall_count });
    this.opened.dateTime = incident.opened_at;
    this.opened.textContent = t("officer.queue.opened", { time: formatClock(incident.opened_at, zone) });
    this.level.textContent = levelText(incident);
    this.level.hidden = !this.level.textContent;
    const pending = pendingEvents(incident);
    this.news.hidden = !pending.length;
    this.news.textContent = pending
      .map((event) => t("officer.card.news", { type: label(event.type), time: formatClock(event.raised_at, zone) }))
      .join(" ");
    const push = pushText(incident);
    this.push.hidden = !push.text;
    this.push.textContent = push.text;
    this.push.classList.toggle("failed", push.failed);
    const acknowledge = this.buttons.find((button) => button.dataset.action === "acknowledge");
    acknowledge.textContent = t(pending.length && incident.status !== "new" ? "officer.card.ackNew" : "action.acknowledge");
    this.tick(Date.now());
    this.enable();
  }

  tick(nowMs) {
    const ageS = (nowMs - Date.parse(this.incident.opened_at)) / 1000;
    this.age.textContent = t("officer.queue.age", { age: formatAge(ageS) });
  }

  enable() {
    const allowed = this.busy ? [] : allowedSteps(this.incident);
    for (const button of this.buttons) button.disabled = !allowed.includes(button.dataset.action);
    if (!allowedSteps(this.incident).includes("resolve")) this.family.hide();
  }

  // The pressed button was disabled while its step ran: the focus goes on in the same card.
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
      this.family.show(cameraZone(this.incident.camera_id));
      this.say(t("officer.family.needed"), true);
      return;
    }
    const family = asksFamily ? this.family.value() : null;
    const hadFocus = this.node.contains(document.activeElement);
    this.busy = true;
    this.enable();
    try {
      await this.host.act(this.id, action, this.note.value.trim(), family, seenEventId(this.incident));
      this.note.value = "";
      const actor = currentUser()?.username ?? "";
      this.say(t("officer.queue.doneBy", { done: t(`done.${action}`), actor }), false);
      this.family.hide();
    } catch (error) {
      // 409: it changed since the card was drawn (something joined): the card shows it now.
      this.say(error.status === 409 ? t("officer.card.changed", { detail: error.message }) : error.message, true);
      if (error.status === 409 && this.host.refresh) await this.host.refresh();
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
