// The wall's grid size (Auto, 1×1 … 4×4), remembered in localStorage, and its control.
import { t } from "../i18n.js";
import { el } from "../util.js";

const GRID_KEY = "carewatch.wall.grid";
export const GRID_SIZES = ["auto", "1", "2", "3", "4"];

export function savedGrid() {
  const saved = localStorage.getItem(GRID_KEY);
  return GRID_SIZES.includes(saved) ? saved : "auto";
}

// Columns, and the rows one screen shows (the tiles are sized so that many fit its height).
// Auto: the smallest square grid that holds every camera.
export function gridShape(size, count) {
  const tiles = Math.max(count, 1);
  const cols = size === "auto" ? Math.ceil(Math.sqrt(tiles)) : Number(size);
  return { cols, rows: Math.min(cols, Math.ceil(tiles / cols)) };
}

// A row of buttons, the current one pressed; onChoose(size) after a click (already saved).
export class GridControl {
  constructor(current, onChoose) {
    this.buttons = GRID_SIZES.map((size) => {
      const button = el("button", { type: "button", "data-testid": `grid-${size}`, text: t(`wall.grid.${size}`) });
      button.addEventListener("click", () => {
        localStorage.setItem(GRID_KEY, size);
        this.show(size);
        onChoose(size);
      });
      return button;
    });
    this.node = el(
      "div",
      { className: "grid-size", role: "group", "aria-label": t("wall.grid.label"), "data-testid": "grid-size" },
      ...this.buttons,
    );
    this.show(current);
  }

  show(current) {
    this.buttons.forEach((button, index) => button.setAttribute("aria-pressed", String(GRID_SIZES[index] === current)));
  }
}
