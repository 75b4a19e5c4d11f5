// The live wall: one tile per camera, WebRTC first, MJPEG when WebRTC gives no picture; the
// detection overlay can be switched off per tile or for the whole wall.
import { api } from "./api.js";
import { t } from "./i18n.js";
import "./officer/strings.js"; // the overlay toggles' words
import { el, label } from "./util.js";

const OVERLAY_KEY = "carewatch.overlays";
// Tiles ask for a picture about as wide as they are on screen, in a few steps (peers asking the
// same share one source on the server, which never scales up): encoding is the server's main
// cost, and it grows with the pixels.
const STREAM_WIDTHS_PX = [320, 480, 640, 960, 1280, 1920];
const UNKNOWN_WIDTH_PX = 640; // a tile not laid out yet (its page hidden)
const ICE_GATHER_TIMEOUT_MS = 2000;
const FIRST_FRAME_TIMEOUT_MS = 5000;
const RETRY_MS = 3000;

function iceGatheringComplete(pc, timeoutMs) {
  // aiortc does not trickle candidates, so the offer must carry them all.
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      pc.removeEventListener("icegatheringstatechange", check);
      clearTimeout(timer);
      resolve();
    };
    const check = () => pc.iceGatheringState === "complete" && done();
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

function streamWidth(media) {
  const px = media.clientWidth * (window.devicePixelRatio || 1);
  if (px <= 0) return UNKNOWN_WIDTH_PX;
  // A fifth smaller than the tile still looks sharp once the browser scales it up.
  return STREAM_WIDTHS_PX.find((width) => width >= 0.8 * px) ?? null;
}

function firstFrame(video, timeoutMs) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (video.videoWidth > 0) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error("no video frame in time"));
      }
    }, 100);
  });
}

// Which tiles show the detection overlay: a wall-wide choice and per-camera exceptions,
// remembered in localStorage.
class OverlayChoice {
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

class Tile {
  constructor(camera, overlays) {
    this.camera = camera;
    this.overlays = overlays;
    this.overlay = overlays.for(camera.id);
    this.pc = null;
    this.attempt = 0; // each connection's number: a slower, older one must not take over
    this.retryTimer = null;
    this.media = el("div", { className: "tile-media" });
    this.name = el("span", { className: "tile-name", "data-testid": "tile-name" });
    this.health = el("span", { className: "badge", "data-testid": "health-badge" });
    this.transport = el("span", { className: "transport", "data-testid": "transport" });
    this.overlayToggle = el("button", {
      type: "button",
      className: "overlay-toggle",
      "data-testid": "overlay-toggle",
      text: t("officer.overlay.tile"),
    });
    this.overlayToggle.addEventListener("click", () => {
      this.overlays.set(this.camera.id, !this.overlay);
      this.setOverlay(!this.overlay);
    });
    this.node = el(
      "article",
      { className: "tile", "data-testid": "camera-tile", "data-camera-id": camera.id },
      this.media,
      el("footer", { className: "tile-bar" }, this.name, this.transport, this.overlayToggle, this.health),
    );
    this.update(camera);
  }

  setOverlay(on) {
    if (on === this.overlay) return;
    this.overlay = on;
    this.showOverlay();
    if (this.camera.live) this.connect();
  }

  showOverlay() {
    this.overlayToggle.hidden = !this.camera.live;
    this.overlayToggle.setAttribute("aria-pressed", String(this.overlay));
    this.overlayToggle.setAttribute("aria-label", t("officer.overlay.tileLabel", { name: this.camera.name }));
    this.node.dataset.overlay = this.overlay ? "on" : "off";
  }

  update(camera) {
    const wasLive = this.camera.live;
    this.camera = camera;
    this.name.textContent = camera.name;
    this.node.setAttribute("aria-label", t("live.cameraLabel", { name: camera.name }));
    this.showOverlay();
    this.health.className = `badge health-${camera.state}`;
    this.health.dataset.state = camera.state;
    const showFps = camera.state === "online" || camera.state === "stalled";
    this.health.textContent = label(camera.state) + (showFps ? ` · ${camera.fps.toFixed(1)} fps` : "");
    if (!camera.live) this.showNoFeed();
    else if (!wasLive || !this.media.firstChild || this.media.firstChild.className === "no-feed") {
      this.connect();
    }
  }

  async connect() {
    this.stop();
    const attempt = ++this.attempt;
    try {
      await this.startWebRTC();
      if (attempt === this.attempt) this.transport.textContent = "webrtc";
    } catch (error) {
      if (attempt !== this.attempt) return; // a newer connection has taken over
      console.warn(`live ${this.camera.id}: WebRTC failed, using MJPEG`, error);
      this.closePeer();
      this.startMjpeg();
    }
  }

  async startWebRTC() {
    const pc = new RTCPeerConnection();
    this.pc = pc;
    const video = el("video", {
      autoplay: true,
      muted: true,
      playsinline: true,
      "data-testid": "live-video",
      "aria-label": t("live.videoLabel", { name: this.camera.name }),
    });
    video.muted = true;
    this.media.replaceChildren(video);
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addEventListener("track", (event) => {
      video.srcObject = event.streams[0] ?? new MediaStream([event.track]);
      video.play().catch(() => {});
    });
    pc.addEventListener("connectionstatechange", () => {
      if (pc === this.pc && pc.connectionState === "failed") this.retryLater();
    });
    await pc.setLocalDescription(await pc.createOffer());
    await iceGatheringComplete(pc, ICE_GATHER_TIMEOUT_MS);
    const answer = await api.offer(this.camera.id, pc.localDescription, this.overlay, streamWidth(this.media));
    await pc.setRemoteDescription(answer);
    await firstFrame(video, FIRST_FRAME_TIMEOUT_MS);
  }

  startMjpeg() {
    const img = el("img", {
      src: api.mjpegUrl(this.camera.id, this.overlay, streamWidth(this.media)),
      alt: t("live.pictureLabel", { name: this.camera.name }),
      "data-testid": "live-mjpeg",
    });
    img.addEventListener("error", () => this.retryLater(), { once: true });
    this.media.replaceChildren(img);
    this.transport.textContent = "mjpeg";
  }

  showNoFeed() {
    this.stop();
    this.media.replaceChildren(el("span", { className: "no-feed", text: t("live.noFeed") }));
    this.transport.textContent = "";
  }

  retryLater() {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.camera.live && this.connect(), RETRY_MS);
  }

  closePeer() {
    if (this.pc) this.pc.close();
    this.pc = null;
  }

  stop() {
    clearTimeout(this.retryTimer);
    this.closePeer();
    const img = this.media.querySelector("img");
    if (img) img.removeAttribute("src"); // ends the MJPEG request
  }
}

export class LiveWall {
  constructor(root, emptyNote) {
    this.root = root;
    this.emptyNote = emptyNote;
    this.tiles = new Map();
    this.overlays = new OverlayChoice();
    this.overlayToggle = el("button", {
      type: "button",
      className: "btn overlay-all",
      "data-testid": "overlay-all",
      text: t("officer.overlay.wall"),
    });
    this.overlayToggle.addEventListener("click", () => this.setOverlays(!this.overlays.all));
    root.before(el("div", { className: "wall-tools" }, this.overlayToggle));
    this.showOverlays();
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

  update(cameras) {
    for (const camera of cameras) {
      const tile = this.tiles.get(camera.id);
      if (tile) {
        tile.update(camera);
      } else {
        const created = new Tile(camera, this.overlays);
        this.tiles.set(camera.id, created);
        this.root.append(created.node);
      }
    }
    this.emptyNote.hidden = this.tiles.size > 0;
  }
}
