// One camera's live picture in an element: WebRTC first, MJPEG when WebRTC gives no picture,
// at a width that fits the element.
import { api } from "../api.js";
import { t } from "../i18n.js";
import { el } from "../util.js";

// A picture about as wide as the element on screen, in a few steps (peers asking the same
// share one source on the server, which never scales up): encoding is the server's main cost,
// and it grows with the pixels.
const STREAM_WIDTHS_PX = [320, 480, 640, 960, 1280, 1920];
const UNKNOWN_WIDTH_PX = 640; // an element not laid out yet (its page hidden)
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

// The width to ask the server for; null: the full picture.
export function streamWidth(media) {
  const px = media.clientWidth * (window.devicePixelRatio || 1);
  if (px <= 0) return UNKNOWN_WIDTH_PX;
  // A fifth smaller than the element still looks sharp once the browser scales it up.
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

export class LiveStream {
  // `media`: the element the <video> or <img> goes in; onTransport("webrtc" | "mjpeg" | "").
  constructor(media, camera, onTransport) {
    this.media = media;
    this.camera = camera;
    this.onTransport = onTransport;
    this.overlay = true;
    this.width = null; // what the running connection asked for
    this.running = false;
    this.pc = null;
    this.attempt = 0; // each connection's number: a slower, older one must not take over
    this.retryTimer = null;
  }

  async connect(overlay) {
    this.stop();
    this.overlay = overlay;
    this.running = true;
    this.width = streamWidth(this.media);
    const attempt = ++this.attempt;
    try {
      await this.startWebRTC();
      if (attempt === this.attempt) this.onTransport("webrtc");
    } catch (error) {
      if (attempt !== this.attempt) return; // a newer connection (or a stop) has taken over
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
    const answer = await api.offer(this.camera.id, pc.localDescription, this.overlay, this.width);
    await pc.setRemoteDescription(answer);
    await firstFrame(video, FIRST_FRAME_TIMEOUT_MS);
  }

  startMjpeg() {
    const img = el("img", {
      src: api.mjpegUrl(this.camera.id, this.overlay, this.width),
      alt: t("live.pictureLabel", { name: this.camera.name }),
      "data-testid": "live-mjpeg",
    });
    img.addEventListener("error", () => this.retryLater(), { once: true });
    this.media.replaceChildren(img);
    this.onTransport("mjpeg");
  }

  // No picture to show: the stream stops and the element says so.
  showNoFeed() {
    this.stop();
    this.media.replaceChildren(el("span", { className: "no-feed", text: t("live.noFeed") }));
    this.onTransport("");
  }

  retryLater() {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.running && this.connect(this.overlay), RETRY_MS);
  }

  closePeer() {
    if (this.pc) this.pc.close();
    this.pc = null;
  }

  stop() {
    this.attempt += 1; // one still connecting gives up
    this.running = false;
    clearTimeout(this.retryTimer);
    this.closePeer();
    const img = this.media.querySelector("img");
    if (img) img.removeAttribute("src"); // ends the MJPEG request
  }
}
