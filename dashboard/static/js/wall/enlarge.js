// One camera enlarged in a modal dialog: a wider picture with the detection overlay, its name
// and health, and its open incidents with links to them. Esc or Close gives focus back to the tile.
import { t } from "../i18n.js";
import { badge, el } from "../util.js";
import { LiveStream } from "./stream.js";
import { incidentText, showHealth } from "./tile.js";

export class EnlargedView {
  constructor() {
    this.tile = null;
    this.stream = null;
    this.shown = null; // the incidents listed, as drawn
    this.title = el("h2", { id: "enlarged-title", "data-testid": "enlarged-name" });
    this.health = el("span", { className: "badge", "data-testid": "enlarged-health" });
    this.transport = el("span", { className: "transport", "data-testid": "enlarged-transport" });
    const close = el("button", {
      type: "button",
      className: "btn enlarged-close",
      "data-testid": "enlarged-close",
      text: t("wall.enlarged.close"),
    });
    close.addEventListener("click", () => this.close());
    this.media = el("div", { className: "enlarged-media", "data-testid": "enlarged-media", "data-overlay": "on" });
    this.incidents = el("ul", { className: "enlarged-incidents", "data-testid": "enlarged-incidents" });
    this.dialog = el(
      "dialog",
      { className: "enlarged", "data-testid": "enlarged", "aria-modal": "true", "aria-labelledby": "enlarged-title" },
      el(
        "div",
        { className: "enlarged-body" },
        el("div", { className: "enlarged-head" }, this.title, this.health, this.transport, close),
        this.media,
        el("h3", { text: t("wall.enlarged.incidents") }),
        this.incidents,
      ),
    );
    this.dialog.addEventListener("close", () => this.closed());
    // A click on the backdrop (the dialog itself, outside its content) closes it too.
    this.dialog.addEventListener("click", (event) => event.target === this.dialog && this.close());
    document.body.append(this.dialog);
  }

  get cameraId() {
    return this.tile?.camera.id ?? null;
  }

  open(tile) {
    if (this.dialog.open) return; // the open one covers the wall: no other tile can ask
    this.tile = tile;
    this.dialog.showModal(); // laid out first: the stream's width follows the picture's
    this.stream = new LiveStream(this.media, tile.camera, (text) => (this.transport.textContent = text));
    this.refresh();
  }

  // The tile's camera or incidents changed (or it has just opened).
  refresh() {
    if (!this.tile) return;
    const { camera, incidents } = this.tile;
    this.title.textContent = camera.name;
    showHealth(this.health, camera);
    this.stream.camera = camera;
    if (!camera.live) this.stream.showNoFeed();
    else if (!this.stream.running) this.stream.connect(true);
    // Drawn again only when they change: a link with the keyboard's focus stays.
    const shown = JSON.stringify(incidents.map((incident) => [incident.id, incident.status, incident.event_types]));
    if (shown !== this.shown) this.incidents.replaceChildren(...this.incidentItems(incidents));
    this.shown = shown;
  }

  incidentItems(incidents) {
    if (incidents.length === 0) return [el("li", { className: "empty", text: t("wall.enlarged.none") })];
    return incidents.map((incident) => {
      const href = `#/events/${incident.event_ids[0]}`;
      const link = el("a", { href, "data-testid": "enlarged-incident", text: incidentText([incident]) });
      return el("li", {}, link, " ", badge("status", incident.status, "enlarged-incident-status"));
    });
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  closed() {
    const tile = this.tile;
    this.tile = null;
    this.stream?.stop();
    this.stream = null;
    this.media.replaceChildren();
    this.shown = null;
    tile?.focus();
  }
}
