// One camera on the wall: its picture (a button that enlarges it), a bar over the picture's
// foot with name, transport, overlay toggle and health, and its open incident if any.
import { cameraZone, formatClock, t } from "../i18n.js";
import { el, label } from "../util.js";
import { LiveStream, streamWidth } from "./stream.js";

// "Fall · since 16:11:13": the open incidents' types, since the oldest opened.
export function incidentText(incidents) {
  if (incidents.length === 0) return "";
  const types = [...new Set(incidents.flatMap((incident) => incident.event_types))].map(label).join(" + ");
  const time = formatClock(incidents[0].opened_at, cameraZone(incidents[0].camera_id));
  return t("wall.incident", { types, time });
}

// The health badge: the state, with the frame rate while frames come (a narrow tile drops it).
export function showHealth(badge, camera) {
  badge.className = `badge health-${camera.state}`;
  badge.dataset.state = camera.state;
  const showFps = camera.state === "online" || camera.state === "stalled";
  const fps = showFps ? el("span", { className: "fps", text: ` · ${camera.fps.toFixed(1)} fps` }) : "";
  badge.replaceChildren(label(camera.state), fps);
}

export class Tile {
  // onOpen(tile): the tile was clicked, or Enter or Space pressed on it.
  constructor(camera, overlays, onOpen) {
    this.camera = camera;
    this.overlays = overlays;
    this.overlay = overlays.for(camera.id);
    this.incidents = [];
    this.active = false; // streaming only while the wall is on screen
    this.media = el("button", { type: "button", className: "tile-media", "data-testid": "tile-open" });
    this.media.addEventListener("click", () => onOpen(this));
    this.name = el("span", { className: "tile-name", "data-testid": "tile-name" });
    this.health = el("span", { className: "badge", "data-testid": "health-badge" });
    this.transport = el("span", { className: "transport", "data-testid": "transport" });
    this.stream = new LiveStream(this.media, camera, (text) => (this.transport.textContent = text));
    this.overlayToggle = el("button", {
      type: "button",
      className: "overlay-toggle",
      "data-testid": "overlay-toggle",
      text: t("wall.overlay.tile"),
    });
    this.overlayToggle.addEventListener("click", () => {
      this.overlays.set(this.camera.id, !this.overlay);
      this.setOverlay(!this.overlay);
    });
    this.incidentNote = el("span", { className: "tile-incident", "data-testid": "tile-incident", hidden: true });
    this.node = el(
      "article",
      { className: "tile", "data-testid": "camera-tile", "data-camera-id": camera.id },
      this.media,
      this.incidentNote,
      el("footer", { className: "tile-bar" }, this.name, this.transport, this.overlayToggle, this.health),
    );
    this.update(camera);
  }

  focus() {
    this.media.focus();
  }

  setActive(on) {
    if (on === this.active) return;
    this.active = on;
    if (!on) this.stream.stop();
    else if (this.camera.live) this.stream.connect(this.overlay);
  }

  // Laid out at another size: ask for a picture that fits, when that is another width.
  refit() {
    if (this.active && this.stream.running && streamWidth(this.media) !== this.stream.width) {
      this.stream.connect(this.overlay);
    }
  }

  setOverlay(on) {
    if (on === this.overlay) return;
    this.overlay = on;
    this.showOverlay();
    if (this.active && this.camera.live) this.stream.connect(on);
  }

  showOverlay() {
    this.overlayToggle.hidden = !this.camera.live;
    this.overlayToggle.setAttribute("aria-pressed", String(this.overlay));
    this.overlayToggle.setAttribute("aria-label", t("wall.overlay.tileLabel", { name: this.camera.name }));
    this.node.dataset.overlay = this.overlay ? "on" : "off";
  }

  update(camera) {
    const wasLive = this.camera.live;
    this.camera = camera;
    this.stream.camera = camera;
    this.name.textContent = camera.name;
    this.node.setAttribute("aria-label", t("live.cameraLabel", { name: camera.name }));
    // The name holds what the button shows, so "No live feed" goes in with it.
    const open = t("wall.tile.open", { name: camera.name });
    this.media.setAttribute("aria-label", camera.live ? open : `${open} · ${t("live.noFeed")}`);
    this.showOverlay();
    showHealth(this.health, camera);
    if (!camera.live) this.stream.showNoFeed();
    else if (this.active && (!wasLive || !this.stream.running)) this.stream.connect(this.overlay);
  }

  // The camera's open incidents, oldest first: a red outline and a short label.
  setIncidents(incidents) {
    this.incidents = incidents;
    this.node.classList.toggle("has-incident", incidents.length > 0);
    this.incidentNote.hidden = incidents.length === 0;
    this.incidentNote.textContent = incidentText(incidents);
    if (incidents.length > 0) this.node.dataset.incidentId = incidents[0].id;
    else delete this.node.dataset.incidentId;
  }
}
