// One camera's page: its source, zones and lines on its picture, thresholds, replay, apply and
// the version history. Every part edits one draft; Apply stores it as the next version.
import { facilityZone, t } from "../i18n.js";
import { el } from "../util.js";
import { operatorApi } from "./api.js";
import { cameraFields, failed, panel } from "./cameras.js";
import { copyConfig, sameConfig } from "./draft.js";
import { replayResult } from "./replay.js";
import { thresholdsForm } from "./thresholds.js";
import { versionList } from "./versions.js";
import { ZoneEditor } from "./zones.js";

export function mountCamera(container, match) {
  const cameraId = decodeURIComponent(match[1]);
  const page = new CameraPage(container, cameraId);
  page.load();
  return () => page.close();
}

class CameraPage {
  constructor(container, cameraId) {
    this.container = container;
    this.cameraId = cameraId;
    this.closed = false;
  }

  async load(message = "") {
    try {
      const [schema, saved, versions, facilities] = await Promise.all([
        operatorApi.schema(),
        operatorApi.config(this.cameraId),
        operatorApi.versions(this.cameraId),
        operatorApi.facilities(),
      ]);
      if (!this.closed) this.render(schema, saved, versions, facilities, message);
    } catch (error) {
      if (!this.closed) this.container.replaceChildren(failed(error));
    }
  }

  close() {
    this.closed = true;
  }

  render(schema, saved, versions, facilities, message) {
    this.saved = saved;
    this.draft = copyConfig(saved.config);
    const changed = () => this.changed();
    const back = el("a", { href: "#/operator", className: "back", text: t("operator.backToCameras") });
    const title = el("h2", { id: "op-camera-title", "data-testid": "camera-title", text: saved.config.name });
    const running = el("span", { className: "badge op-running", "data-testid": "running-version", text: t("operator.versionRunning", { version: saved.version }) });
    const head = el("div", { className: "op-head" }, title, running);
    const apply = this.applyPart(message); // first: the other parts report changes to it
    this.zones = new ZoneEditor({ draft: this.draft, categories: schema.$defs.Category.enum, onChange: changed });
    this.zones.setPicture(operatorApi.snapshotUrl(this.cameraId), t("operator.pictureAlt", { name: saved.config.name }));
    const refresh = el("button", { type: "button", className: "btn btn-plain", "data-testid": "picture-refresh", text: t("operator.refreshPicture") });
    refresh.addEventListener("click", () => this.zones.setPicture(operatorApi.snapshotUrl(this.cameraId), t("operator.pictureAlt", { name: saved.config.name })));
    this.container.replaceChildren(
      el("section", { className: "panel op-panel", "data-testid": "operator-camera", "aria-labelledby": "op-camera-title" }, back, head),
      panel("operator.cameraSection", "camera-section", cameraFields(schema, facilities, this.draft, changed, false)),
      panel("operator.zonesSection", "zones-section", refresh, this.zones.element),
      panel("operator.thresholdsSection", "thresholds-section", thresholdsForm(schema, this.draft, changed)),
      panel("operator.applySection", "apply-section", apply),
      panel("operator.versionsSection", "versions-section", versionList(versions, this.timeZone(facilities), (v, b) => this.rollback(v, b))),
    );
    this.changed();
  }

  timeZone(facilities) {
    return facilityZone(this.saved.config.facility) ?? facilities.find((f) => f.id === this.saved.config.facility)?.timezone;
  }

  applyPart(message) {
    const id = "op-apply-note";
    this.note = el("input", { id, type: "text", maxlength: 500, "data-testid": "apply-note" });
    this.replayButton = el("button", { type: "button", className: "btn btn-plain", "data-testid": "replay", text: t("operator.replay") });
    this.applyButton = el("button", { type: "button", className: "btn btn-primary", "data-testid": "apply", text: t("operator.apply") });
    this.state = el("p", { className: "op-draft-state", "data-testid": "draft-state" });
    this.message = el("p", { className: "op-message", role: "status", "aria-live": "polite", "data-testid": "apply-message", text: message });
    this.replayBox = el("div", { "data-testid": "replay-box" });
    this.replayButton.addEventListener("click", () => this.replay());
    this.applyButton.addEventListener("click", () => this.apply());
    return el(
      "div",
      { className: "op-apply" },
      el("p", { className: "op-hint-line", text: t("operator.applyHint") }),
      this.state,
      el("div", { className: "op-field" }, el("label", { for: id, text: t("operator.note") }), this.note),
      el("div", { className: "buttons" }, this.replayButton, this.applyButton),
      this.message,
      this.replayBox,
    );
  }

  changed() {
    const dirty = !sameConfig(this.draft, this.saved.config);
    this.applyButton.disabled = !dirty;
    this.state.textContent = dirty ? t("operator.unsaved") : t("operator.noChanges", { version: this.saved.version });
  }

  say(text, failedNow = false) {
    this.message.className = failedNow ? "op-message failed" : "op-message";
    this.message.textContent = text;
  }

  async replay() {
    this.replayButton.disabled = true;
    this.say(t("operator.replaying"));
    this.replayBox.replaceChildren();
    try {
      const result = await operatorApi.replay(this.cameraId, this.draft);
      this.replayBox.append(replayResult(result));
      this.say(t("operator.replayDone"));
    } catch (error) {
      this.say(error.message, true);
    } finally {
      this.replayButton.disabled = false;
    }
  }

  async apply() {
    this.applyButton.disabled = true;
    this.say(t("operator.applying"));
    try {
      const version = await operatorApi.save(this.cameraId, this.draft, this.saved.version, this.note.value.trim());
      await this.load(t("operator.applied", { version: version.version }));
    } catch (error) {
      this.say(error.message, true);
      this.changed();
    }
  }

  async rollback(version, button) {
    button.disabled = true;
    this.say(t("operator.rollingBack", { version }));
    try {
      const stored = await operatorApi.rollback(this.cameraId, version, this.note.value.trim());
      await this.load(t("operator.rolledBack", { version, now: stored.version }));
    } catch (error) {
      this.say(error.message, true);
      button.disabled = false;
    }
  }
}
