// The live wall: one tile per camera, WebRTC first, MJPEG when WebRTC gives no picture.
import { api } from "./api.js";
import { t } from "./i18n.js";
import { el, label } from "./util.js";

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

class Tile {
  constructor(camera) {
    this.camera = camera;
    this.pc = null;
    this.retryTimer = null;
    this.media = el("div", { className: "tile-media" });
    this.name = el("span", { className: "tile-name", "data-testid": "tile-name" });
    this.health = el("span", { className: "badge", "data-testid": "health-badge" });
    this.transport = el("span", { className: "transport", "data-testid": "transport" });
    this.node = el(
      "article",
      { className: "tile", "data-testid": "camera-tile", "data-camera-id": camera.id },
      this.media,
      el("footer", { className: "tile-bar" }, this.name, this.transport, this.health),
    );
    this.update(camera);
  }

  update(camera) {
    const wasLive = this.camera.live;
    this.camera = camera;
    this.name.textContent = camera.name;
    this.node.setAttribute("aria-label", t("live.cameraLabel", { name: camera.name }));
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
    try {
      await this.startWebRTC();
      this.transport.textContent = "webrtc";
    } catch (error) {
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
    await pc.setRemoteDescription(await api.offer(this.camera.id, pc.localDescription));
    await firstFrame(video, FIRST_FRAME_TIMEOUT_MS);
  }

  startMjpeg() {
    const img = el("img", {
      src: api.mjpegUrl(this.camera.id),
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
  }

  update(cameras) {
    for (const camera of cameras) {
      const tile = this.tiles.get(camera.id);
      if (tile) {
        tile.update(camera);
      } else {
        const created = new Tile(camera);
        this.tiles.set(camera.id, created);
        this.root.append(created.node);
      }
    }
    this.emptyNote.hidden = this.tiles.size > 0;
  }
}
