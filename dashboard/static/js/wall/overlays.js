// Which tiles show the detection overlay: a wall-wide choice and per-camera exceptions,
// remembered in localStorage.
const OVERLAY_KEY = "carewatch.overlays";

export class OverlayChoice {
  constructor() {
    let saved = {};
    try {
      saved = JSON.parse(localStorage.getItem(OVERLAY_KEY) ?? "{}") ?? {};
    } catch {
      saved = {}; // unreadable: start again from the defaults
    }
    this.all = saved.all !== false;
    this.cameras = typeof saved.cameras === "object" && saved.cameras ? saved.cameras : {};
  }

  for(cameraId) {
    return this.cameras[cameraId] ?? this.all;
  }

  set(cameraId, on) {
    this.cameras[cameraId] = on;
    this.save();
  }

  setAll(on) {
    this.all = on;
    this.cameras = {};
    this.save();
  }

  save() {
    localStorage.setItem(OVERLAY_KEY, JSON.stringify({ all: this.all, cameras: this.cameras }));
  }
}
