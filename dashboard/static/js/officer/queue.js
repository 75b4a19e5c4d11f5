// The open-incident queue: each open incident as a card, the most pressing first, ticking ages.
import { t } from "../i18n.js";
import { el, label } from "../util.js";
import { IncidentCard } from "./card.js";

const STATUS_RANK = { new: 0, acknowledged: 1, on_scene: 2 };
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };
const TICK_MS = 1000;

// Most pressing first: unacknowledged (new, or with new information) first, then by status,
// critical first, newest first.
function byUrgency(a, b) {
  return (
    Number(b.unacknowledged) - Number(a.unacknowledged) ||
    STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
    (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3) ||
    Date.parse(b.last_event_at) - Date.parse(a.last_event_at) ||
    b.id - a.id
  );
}

export class QueuePanel {
  // `queue`: the page's OpenIncidents reader (open_incidents.js); `idPrefix` keeps element ids unique on the page.
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
      else this.items.set(incident.id, (item = new IncidentCard(incident, this.queue, this.idPrefix)));
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
