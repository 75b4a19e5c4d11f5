// The live wall: a grid of camera tiles (size chosen, remembered), each enlarged on a click,
// the camera with an open incident outlined, the whole wall in full screen on request. It
// streams only while on screen.
import { t } from "../i18n.js";
import { openIncidents } from "../open_incidents.js";
import { el } from "../util.js";
import { EnlargedView } from "./enlarge.js";
import { FullscreenToggle } from "./fullscreen.js";
import { GridControl, gridShape, savedGrid } from "./layout.js";
import { OverlayChoice } from "./overlays.js";
import "./strings.js";
import { Tile } from "./tile.js";

const RESIZE_SETTLE_MS = 300;

export class LiveWall {
  // `panel`: the wall's section (it goes full screen), with a .wall-head for the tools.
  constructor(panel, root, emptyNote) {
    this.panel = panel;
    this.root = root;
    this.emptyNote = emptyNote;
    this.tiles = new Map();
    this.active = false;
    this.grid = savedGrid();
    this.overlays = new OverlayChoice();
    this.incidents = openIncidents();
    this.incidents.subscribe(() => this.showIncidents());
    this.enlarged = new EnlargedView();
    this.fullscreen = new FullscreenToggle(panel, () => this.refit());
    const grid = new GridControl(this.grid, (size) => this.setGrid(size));
    this.overlayToggle = el("button", {
      type: "button",
      className: "btn overlay-all",
      "data-testid": "overlay-all",
      text: t("wall.overlay.wall"),
    });
    this.overlayToggle.addEventListener("click", () => this.setOverlays(!this.overlays.all));
    const tools = el("div", { className: "wall-tools" }, grid.node, this.overlayToggle, this.fullscreen.node);
    panel.querySelector(".wall-head").append(tools);
    let settle = null;
    window.addEventListener("resize", () => {
      clearTimeout(settle);
      settle = setTimeout(() => this.refit(), RESIZE_SETTLE_MS);
    });
    this.showOverlays();
    this.layout();
  }

  // The wall is on screen: tiles stream and incidents are followed.
  resume() {
    this.active = true;
    this.layout();
    for (const tile of this.tiles.values()) tile.setActive(true);
    this.incidents.start();
  }

  pause() {
    this.active = false;
    this.enlarged.close();
    this.fullscreen.exit();
    for (const tile of this.tiles.values()) tile.setActive(false);
    this.incidents.stop();
  }

  update(cameras) {
    const added = [];
    for (const camera of cameras) {
      const tile = this.tiles.get(camera.id);
      if (tile) {
        tile.update(camera);
      } else {
        const created = new Tile(camera, this.overlays, (opened) => this.enlarged.open(opened));
        created.setIncidents(this.incidents.on(camera.id));
        this.tiles.set(camera.id, created);
        this.root.append(created.node);
        added.push(created);
      }
      if (this.enlarged.cameraId === camera.id) this.enlarged.refresh();
    }
    this.emptyNote.hidden = this.tiles.size > 0;
    if (added.length === 0) return;
    this.layout(); // laid out with every tile first: each asks for a picture its final size
    for (const tile of added) tile.setActive(this.active);
    this.refit();
  }

  layout() {
    const { cols, rows } = gridShape(this.grid, this.tiles.size);
    this.root.style.setProperty("--cols", cols);
    this.root.style.setProperty("--rows", rows);
    this.root.dataset.grid = this.grid;
  }

  setGrid(size) {
    this.grid = size;
    this.layout();
    this.refit();
  }

  refit() {
    for (const tile of this.tiles.values()) tile.refit();
  }

  // The whole wall with or without overlays (per-tile exceptions are dropped).
  setOverlays(on) {
    this.overlays.setAll(on);
    for (const tile of this.tiles.values()) tile.setOverlay(on);
    this.showOverlays();
  }

  showOverlays() {
    this.overlayToggle.setAttribute("aria-pressed", String(this.overlays.all));
  }

  showIncidents() {
    for (const [cameraId, tile] of this.tiles) tile.setIncidents(this.incidents.on(cameraId));
    this.enlarged.refresh();
  }
}
