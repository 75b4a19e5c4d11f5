// Desktop notifications: a new incident (or new information on one) while this tab is in the
// background or another window has the focus. Browsers allow them only on HTTPS or localhost,
// and only once the user said yes.
import { cameraZone, formatClock, t } from "../i18n.js";
import { el, label } from "../util.js";
import { typesText } from "../workflow.js";

export class DesktopAlerts {
  // `queue`: the page's OpenIncidents reader (open_incidents.js); the toggle goes first into `place`.
  constructor(queue, place) {
    this.queue = queue;
    this.seen = new Set(); // "<incident id>:<newest event id>" already told or on screen
    this.shown = 0;
    this.button = el("button", { type: "button", className: "notify-toggle", "data-testid": "notify-toggle", title: t("officer.notify.label") });
    this.hint = el("span", { className: "sound-hint", "data-testid": "notify-hint", role: "status" });
    this.button.addEventListener("click", () => this.ask());
    place.prepend(this.button, this.hint);
    queue.subscribe(() => this.check());
    this.show();
    // Allowed or blocked in the browser's own settings meanwhile: the toggle follows.
    navigator.permissions
      ?.query({ name: "notifications" })
      .then((status) => status.addEventListener("change", () => this.show()))
      .catch(() => {});
  }

  get permission() {
    if (!("Notification" in window)) return "unsupported";
    if (!window.isSecureContext) return "insecure";
    return Notification.permission; // default, granted, denied
  }

  async ask() {
    if (this.permission === "default") await Notification.requestPermission();
    this.show();
  }

  show() {
    const permission = this.permission;
    this.button.hidden = permission === "unsupported";
    this.button.setAttribute("aria-pressed", String(permission === "granted"));
    this.button.textContent = t(permission === "granted" ? "officer.notify.on" : "officer.notify.enable");
    this.button.disabled = permission !== "default";
    this.button.dataset.permission = permission;
    this.button.dataset.shown = String(this.shown);
    const hints = { insecure: "officer.notify.insecure", denied: "officer.notify.denied" };
    this.hint.textContent = hints[permission] ? t(hints[permission]) : "";
    this.hint.hidden = !hints[permission];
  }

  // Tell of each incident that waits and was not told of yet, when nobody is looking.
  check() {
    const away = document.hidden || !document.hasFocus();
    for (const incident of this.queue.unacknowledged()) {
      const key = `${incident.id}:${Math.max(...incident.event_ids)}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      if (away && this.permission === "granted") this.notify(incident);
    }
  }

  notify(incident) {
    const camera = this.queue.cameraName(incident.camera_id);
    const time = formatClock(incident.last_event_at, cameraZone(incident.camera_id));
    const note = new Notification(t("officer.notify.title", { type: typesText(incident), camera }), {
      body: t("officer.notify.body", { severity: label(incident.severity), time }),
      tag: `carewatch-incident-${incident.id}`,
      requireInteraction: true,
    });
    note.addEventListener("click", () => {
      window.focus();
      location.hash = `#/incidents/${incident.id}`;
      note.close();
    });
    this.shown += 1;
    this.button.dataset.shown = String(this.shown);
  }
}
