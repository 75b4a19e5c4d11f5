// A button that puts one element (the wall's panel) into full screen and takes it out again.
import { t } from "../i18n.js";
import { el } from "../util.js";

export class FullscreenToggle {
  // onChange() after the element enters or leaves full screen.
  constructor(target, onChange) {
    this.target = target;
    this.node = el("button", { type: "button", className: "btn wall-fullscreen", "data-testid": "wall-fullscreen" });
    this.node.hidden = !document.fullscreenEnabled;
    this.node.addEventListener("click", () => this.toggle());
    document.addEventListener("fullscreenchange", () => {
      this.show();
      onChange();
    });
    this.show();
  }

  get on() {
    return document.fullscreenElement === this.target;
  }

  async toggle() {
    try {
      if (this.on) await document.exitFullscreen();
      else await this.target.requestFullscreen({ navigationUI: "hide" });
    } catch (error) {
      console.warn("full screen", error);
    }
  }

  exit() {
    if (this.on) document.exitFullscreen().catch(() => {});
  }

  show() {
    this.node.textContent = t(this.on ? "wall.fullscreen.exit" : "wall.fullscreen.enter");
    this.target.classList.toggle("is-fullscreen", this.on);
  }
}
