// The event detail view: snapshot, clip, facts, history and the workflow buttons.
import { api } from "./api.js";
import { el, fillFacts, formatDateTime, formatNumber, formatVideoTime, label, setBadge } from "./util.js";

// Which actions each status allows (mirrors the store's workflow; the API has the last word).
const ALLOWED = {
  new: ["acknowledge", "on-scene", "resolve", "false-alarm"],
  acknowledged: ["on-scene", "resolve", "false-alarm"],
  on_scene: ["resolve", "false-alarm"],
  resolved: [],
  false_alarm: [],
};

const DONE = {
  acknowledge: "Acknowledged",
  "on-scene": "Marked on scene",
  resolve: "Resolved",
  "false-alarm": "Marked as false alarm",
};
// Closing one of these asks when, how and by whom the family was told (the API insists too).
const FAMILY_NOTICE_TYPES = ["fall", "long_lie"];

export class DetailView {
  constructor(root, cameraNames) {
    this.root = root;
    this.cameraNames = cameraNames;
    this.eventId = null;
    this.event = null;
    this.find = (testid) => root.querySelector(`[data-testid=${testid}]`);
    this.video = this.find("detail-clip");
    this.snapshot = this.find("detail-snapshot");
    this.note = this.find("action-note");
    this.message = this.find("action-message");
    this.family = this.find("family-notice");
    this.buttons = [...root.querySelectorAll("button[data-action]")];
    for (const button of this.buttons) {
      button.addEventListener("click", () => this.act(button.dataset.action));
    }
    this.find("jump-to-event").addEventListener("click", () => this.jumpToEvent());
  }

  async open(eventId) {
    this.eventId = eventId;
    this.event = null;
    this.root.hidden = false;
    this.find("detail-error").hidden = true;
    this.note.value = "";
    this.say("", false);
    this.video.removeAttribute("src");
    this.snapshot.removeAttribute("src");
    try {
      this.render(await api.event(eventId));
    } catch (error) {
      if (this.eventId !== eventId) return;
      const problem = this.find("detail-error");
      problem.textContent = error.status === 404 ? `Event ${eventId} was not found.` : error.message;
      problem.hidden = false;
    }
  }

  close() {
    this.eventId = null;
    this.root.hidden = true;
    this.video.pause();
  }

  // An update from the stream; only the open event matters.
  update(event) {
    if (event.id === this.eventId && this.event && event.revision > this.event.revision) this.render(event);
  }

  render(event) {
    if (event.id !== this.eventId) return;
    this.event = event;
    const camera = this.cameraNames.get(event.camera_id) ?? event.camera_id;
    this.find("detail-title").textContent = `${label(event.type)} · ${camera}`;
    setBadge(this.find("detail-severity"), "sev", event.severity);
    setBadge(this.find("detail-status"), "status", event.status);
    this.find("detail-status").dataset.status = event.status;
    this.renderMedia(event);
    this.renderFacts(event, camera);
    this.renderHistory(event);
    const allowed = ALLOWED[event.status] ?? [];
    this.family.hidden = !FAMILY_NOTICE_TYPES.includes(event.type) || !allowed.includes("resolve");
    for (const button of this.buttons) button.disabled = !allowed.includes(button.dataset.action);
  }

  renderMedia(event) {
    setSource(this.snapshot, event.snapshot_url);
    setSource(this.video, event.clip_url);
    this.snapshot.hidden = !event.snapshot_url;
    this.video.hidden = !event.clip_url;
    this.find("snapshot-missing").hidden = Boolean(event.snapshot_url);
    this.find("clip-missing").hidden = Boolean(event.clip_url);
    this.find("jump-to-event").hidden = !event.clip_url || event.clip_start_s === null;
  }

  renderFacts(event, camera) {
    fillFacts(this.find("detail-facts"), [
      ["Camera", camera],
      ["Risk", label(event.category)],
      ["Zone", event.zone_id ?? "—"],
      ["Confidence", formatNumber(event.confidence)],
      ["Track", event.track_id ?? "—"],
      ["Escalation level", event.level],
      ["Escalated to", event.escalated_to ? label(event.escalated_to) : "—"],
      ["Started", formatDateTime(event.started_at)],
      ["Ended", event.ended_at ? formatDateTime(event.ended_at) : "ongoing"],
      ["Video time", videoSpan(event)],
      ["Status", label(event.status) + (event.status_by ? ` by ${event.status_by}` : "")],
      ["Event key", event.key],
    ]);
    const thresholds = Object.entries(event.thresholds).map(([k, v]) => [label(k), formatNumber(v, 3)]);
    fillFacts(this.find("detail-thresholds"), thresholds);
    fillFacts(this.find("detail-models"), Object.entries(event.model_versions));
  }

  renderHistory(event) {
    const items = event.transitions.map((step) =>
      el(
        "li",
        { "data-testid": "history-item" },
        `${label(step.from_status)} → ${label(step.to_status)} by ${step.actor}, ${formatDateTime(step.at)}`,
        step.note ? el("span", { className: "note", text: step.note }) : null,
        step.family ? el("span", { className: "note", "data-testid": "history-family", text: familyText(step.family) }) : null,
      ),
    );
    const created = el("li", {}, `Detected ${formatDateTime(event.started_at)}`);
    this.find("detail-history").replaceChildren(created, ...items);
  }

  async act(action) {
    const eventId = this.eventId;
    for (const button of this.buttons) button.disabled = true;
    try {
      const asksFamily = action === "resolve" && !this.family.hidden;
      const family = asksFamily ? this.familyNotice() : null;
      if (asksFamily && !family) {
        throw new Error("Resolving a fall needs the family notification: when, how and by whom.");
      }
      const updated = await api.transition(eventId, action, this.note.value.trim(), family);
      this.note.value = "";
      this.render(updated);
      this.say(`${DONE[action]} by ${updated.status_by}.`, false);
    } catch (error) {
      if (this.event) this.render(this.event);
      this.say(error.message, true);
    }
  }

  // The form's family notification, or null while it is incomplete.
  familyNotice() {
    const at = this.find("family-at").value;
    const by = this.find("family-by").value.trim();
    if (!at || !by) return null;
    return { notified_at: new Date(at).toISOString(), method: this.find("family-method").value, by };
  }

  jumpToEvent() {
    const { start_s: startS, clip_start_s: clipStartS } = this.event ?? {};
    if (typeof startS !== "number" || typeof clipStartS !== "number") return;
    this.video.currentTime = Math.max(0, startS - clipStartS);
    this.video.play().catch(() => {});
  }

  say(text, failed) {
    this.message.textContent = text;
    this.message.classList.toggle("failed", failed);
  }
}

function familyText(family) {
  return `Family told by ${family.by} (${label(family.method)}), ${formatDateTime(family.notified_at)}`;
}

function videoSpan(event) {
  const start = formatVideoTime(event.start_s);
  return event.end_s === null ? `from ${start}` : `${start} – ${formatVideoTime(event.end_s)}`;
}

// Set a media element's src only when it changed, so playback is not restarted by updates.
function setSource(node, url) {
  if (!url) node.removeAttribute("src");
  else if (node.getAttribute("src") !== url) node.setAttribute("src", url);
}
