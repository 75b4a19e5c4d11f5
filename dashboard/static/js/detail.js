// The event detail view: snapshot, clip, facts, history and the workflow buttons, which act on
// the event's incident as the page shows it (the events up to the newest it knows of).
import { api } from "./api.js";
import { cameraZone, formatDateTime, fromZonedInput, hasText, t, zoneDiffers, zonedInputValue, zoneOffsetLabel } from "./i18n.js";
import { currentUser } from "./session.js";
import { el, fillFacts, formatNumber, formatVideoTime, label, setBadge } from "./util.js";
import { ALLOWED, FAMILY_NOTICE_TYPES, allowedSteps, seenEventId, typesText } from "./workflow.js";

const SYSTEM_ACTOR = "carewatch"; // who the escalations are by

export class DetailView {
  constructor(root, cameraNames) {
    this.root = root;
    this.cameraNames = cameraNames;
    this.eventId = null;
    this.event = null;
    this.incident = null; // the event's incident, when it has one
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
    this.familyAt = this.find("family-at");
  }

  async open(eventId) {
    this.eventId = eventId;
    this.event = null;
    this.incident = null;
    this.familyAt.value = "";
    this.root.hidden = false;
    this.find("detail-error").hidden = true;
    this.note.value = "";
    this.say("", false);
    this.video.removeAttribute("src");
    this.snapshot.removeAttribute("src");
    try {
      await this.load(await api.event(eventId));
    } catch (error) {
      if (this.eventId !== eventId) return;
      const problem = this.find("detail-error");
      problem.textContent = error.status === 404 ? t("detail.notFound", { id: eventId }) : error.message;
      problem.hidden = false;
    }
  }

  close() {
    this.eventId = null;
    this.root.hidden = true;
    this.video.pause();
  }

  // The event and its incident (read again: events may have joined it).
  async load(event) {
    const incident = event.incident_id ? await api.incident(event.incident_id) : null;
    if (event.id !== this.eventId) return;
    this.incident = incident;
    this.render(event);
  }

  // An update from the stream: the open event, or another of its incident.
  update(event) {
    if (!this.event) return;
    const mine = event.id === this.eventId && event.revision > this.event.revision;
    const joined = this.incident && event.incident_id === this.incident.id && event.id !== this.eventId;
    if (mine) this.load(event);
    else if (joined) this.load(this.event);
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
    this.renderIncident();
    const { incident } = this;
    const allowed = incident ? allowedSteps(incident) : (ALLOWED[event.status] ?? []);
    const types = incident ? incident.event_types : [event.type];
    const wasHidden = this.family.hidden;
    this.family.hidden = !types.some((type) => FAMILY_NOTICE_TYPES.includes(type)) || !allowed.includes("resolve");
    if (wasHidden && !this.family.hidden) this.prefillFamily();
    for (const button of this.buttons) button.disabled = !allowed.includes(button.dataset.action);
  }

  // "Part of incident #3: Fall ×2 + Long lie": the steps below act on all of it.
  renderIncident() {
    const line = this.find("detail-incident");
    const { incident } = this;
    line.hidden = !incident;
    if (!incident) return;
    const link = el("a", { href: `#/incidents/${incident.id}`, text: t("detail.incident", { id: incident.id, types: typesText(incident) }) });
    line.replaceChildren(link, " ", t(incident.pending_event_ids.length ? "detail.incidentNews" : "detail.incidentSteps"));
  }

  // The family notice's time: now on the facility's clock (the label says which zone).
  prefillFamily() {
    const zone = cameraZone(this.event.camera_id);
    if (!this.familyAt.value) this.familyAt.value = zonedInputValue(new Date(), zone);
    const label = this.root.querySelector("label[for=family-at]");
    label.textContent = zoneDiffers(zone) ? t("detail.familyWhenIn", { zone: zoneOffsetLabel(zone) }) : t("detail.familyWhen");
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

  // What the officer needs in plain words; what engineers look at, behind "Technical details".
  renderFacts(event, camera) {
    const when = (iso) => formatDateTime(iso, cameraZone(event.camera_id));
    const status = label(event.status);
    fillFacts(this.find("detail-facts"), [
      [t("fact.camera"), camera],
      [t("fact.risk"), label(event.category)],
      [t("fact.started"), when(event.started_at)],
      [t("fact.ended"), event.ended_at ? when(event.ended_at) : t("common.ongoing")],
      [t("fact.status"), event.status_by ? t("fact.statusBy", { status, actor: event.status_by }) : status],
      [t("fact.level"), event.level],
      [t("fact.escalatedTo"), event.escalated_to ? label(event.escalated_to) : "—"],
      [t("fact.zone"), event.zone_id ?? "—"],
      [t("fact.confidence"), formatNumber(event.confidence)],
    ]);
    this.find("detail-tech-facts").replaceChildren(
      ...technicalFact(t("fact.videoTime"), videoSpan(event)),
      ...technicalFact(t("fact.track"), event.track_id ?? "—"),
      ...technicalFact(t("fact.key"), rawText(event.key)),
    );
    const thresholds = Object.entries(event.thresholds).map(([key, value]) => [key, formatNumber(value, 3)]);
    fillTechnical(this.find("detail-thresholds"), "threshold", thresholds);
    const models = Object.entries(event.model_versions).map(([role, version]) => [role, rawText(version)]);
    fillTechnical(this.find("detail-models"), "model", models);
  }

  renderHistory(event) {
    const when = (iso) => formatDateTime(iso, cameraZone(event.camera_id));
    // The system's own steps (escalations) are worded here, in the user's language.
    const system = (step) => step.actor === SYSTEM_ACTOR && step.from_status === step.to_status;
    const items = event.transitions.map((step) =>
      el(
        "li",
        { "data-testid": "history-item" },
        system(step)
          ? t("detail.escalatedStep", { time: when(step.at) })
          : t("detail.step", { from: label(step.from_status), to: label(step.to_status), actor: step.actor, time: when(step.at) }),
        step.note && !system(step) ? el("span", { className: "note", text: step.note }) : null,
        step.family
          ? el("span", { className: "note", "data-testid": "history-family", text: familyText(step.family, when) })
          : null,
      ),
    );
    const raised = event.raised_at ?? event.started_at;
    const created = el("li", {}, t("detail.detected", { time: when(raised) }));
    if (raised !== event.started_at) created.append(el("span", { className: "note", text: t("events.since", { time: when(event.started_at) }) }));
    this.find("detail-history").replaceChildren(created, ...items);
  }

  async act(action) {
    const eventId = this.eventId;
    for (const button of this.buttons) button.disabled = true;
    try {
      const asksFamily = action === "resolve" && !this.family.hidden;
      const family = asksFamily ? this.familyNotice() : null;
      if (asksFamily && !family) {
        throw new Error(t("detail.needsFamily"));
      }
      const note = this.note.value.trim();
      const { incident } = this;
      if (incident) await api.incidentTransition(incident.id, action, note, family, seenEventId(incident));
      else await api.transition(eventId, action, note, family);
      this.note.value = "";
      await this.load(await api.event(eventId));
      this.say(t("detail.doneBy", { done: t(`done.${action}`), actor: currentUser()?.username ?? "" }), false);
    } catch (error) {
      if (this.event) this.render(this.event);
      this.say(error.status === 409 ? t("officer.card.changed", { detail: error.message }) : error.message, true);
      if (error.status === 409 && this.event) await this.load(this.event);
    }
  }

  // The form's family notification, or null while it is incomplete.
  familyNotice() {
    const at = this.familyAt.value;
    const by = this.find("family-by").value.trim();
    if (!at || !by) return null;
    const zone = cameraZone(this.event.camera_id);
    return { notified_at: fromZonedInput(at, zone).toISOString(), method: this.find("family-method").value, by };
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

function familyText(family, when) {
  const method = t(`method.${family.method}`);
  return t("detail.familyText", { by: family.by, method, time: when(family.notified_at) });
}

function technicalFact(term, value) {
  return [el("dt", { text: term }), el("dd", {}, value)];
}

// An identifier shown as it is (monospace, never translated).
function rawText(text) {
  return el("code", { className: "raw-key", translate: "no", text });
}

// Detection settings or models: each by its name in the user's language, with the raw key
// the configuration and logs use beside it (only the raw key for one the page has no name for).
function fillTechnical(dl, prefix, pairs) {
  if (pairs.length === 0) {
    fillFacts(dl, []);
    return;
  }
  dl.replaceChildren(
    ...pairs.flatMap(([key, value]) => {
      const name = hasText(`${prefix}.${key}`) ? `${t(`${prefix}.${key}`)} ` : null;
      return [el("dt", { "data-key": key }, name, rawText(key)), el("dd", {}, value)];
    }),
  );
}

function videoSpan(event) {
  const start = formatVideoTime(event.start_s);
  return event.end_s === null ? t("detail.from", { start }) : `${start} – ${formatVideoTime(event.end_s)}`;
}

// Set a media element's src only when it changed, so playback is not restarted by updates.
function setSource(node, url) {
  if (!url) node.removeAttribute("src");
  else if (node.getAttribute("src") !== url) node.setAttribute("src", url);
}
