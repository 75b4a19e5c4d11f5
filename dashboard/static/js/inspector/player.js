// The clip player of the incident review: play, step ±1 frame (at the clip's frame rate) or
// ±1 s, jump to the event's moment, and download the clip (the server audits the download).
import { t } from "../i18n.js";
import { el, formatVideoTime } from "../util.js";
import { term } from "./common.js";

const DEFAULT_FPS = 10; // streams/config.py ClipConfig.fps

export class ClipPlayer {
  constructor() {
    this.event = null;
    this.fps = DEFAULT_FPS;
    this.video = el("video", { "data-testid": "review-video", controls: true, playsinline: true, muted: true, preload: "auto" });
    this.video.muted = true;
    this.caption = el("figcaption", { "data-testid": "review-clip-label" });
    this.clock = el("output", { className: "insp-clock", "data-testid": "review-time", "aria-live": "off" });
    this.toggle = this.button("play-toggle", t("inspector.player.play"), () => this.playPause());
    this.download = el("a", { className: "btn insp-btn", "data-testid": "download-clip", download: "", text: t("inspector.player.download") });
    this.missing = el("p", { className: "empty", "data-testid": "review-no-clip", text: t("inspector.player.noClip"), hidden: true });
    const steps = el(
      "div",
      { className: "insp-steps", role: "group", "aria-label": t("inspector.player.stepping") },
      this.button("step-back-second", t("inspector.player.backSecond"), () => this.seekBy(-1)),
      this.button("step-back-frame", t("inspector.player.backFrame"), () => this.stepFrames(-1)),
      this.toggle,
      this.button("step-forward-frame", t("inspector.player.forwardFrame"), () => this.stepFrames(1)),
      this.button("step-forward-second", t("inspector.player.forwardSecond"), () => this.seekBy(1)),
      this.button("jump-to-event", t("inspector.player.jump"), () => this.jumpToEvent()),
    );
    this.node = el("figure", { className: "insp-player" }, this.video, this.missing, this.caption, steps, el("div", { className: "insp-player-foot" }, this.clock, this.download));
    for (const name of ["timeupdate", "seeked", "loadedmetadata", "play", "pause", "ended"]) {
      this.video.addEventListener(name, () => this.showTime());
    }
  }

  button(testid, text, action) {
    const node = el("button", { type: "button", className: "btn insp-btn-quiet", "data-testid": testid, text });
    node.addEventListener("click", action);
    return node;
  }

  // Show an event's clip; `cameraName` and `when` label it.
  load(event, cameraName, when) {
    this.event = event;
    this.fps = event.clip_fps > 0 ? event.clip_fps : DEFAULT_FPS;
    this.caption.textContent = t("inspector.player.caption", { type: term(event.type), camera: cameraName, time: when });
    const hasClip = Boolean(event.clip_url);
    this.video.hidden = !hasClip;
    this.missing.hidden = hasClip;
    this.download.hidden = !hasClip;
    if (hasClip && this.video.getAttribute("src") !== event.clip_url) {
      this.video.setAttribute("src", event.clip_url);
      this.video.load();
    }
    if (!hasClip) this.video.removeAttribute("src");
    this.download.setAttribute("href", hasClip ? `${event.clip_url}?download=true` : "#");
    this.showTime();
  }

  playPause() {
    if (this.video.paused) this.video.play().catch((error) => console.warn("play", error));
    else this.video.pause();
  }

  // The index of the frame on screen (0 first); the epsilon absorbs float error at a frame's start.
  frameIndex() {
    return Math.floor(this.video.currentTime * this.fps + 1e-3);
  }

  stepFrames(count) {
    this.video.pause();
    // Land on a frame's start, so repeated steps do not drift between frames.
    this.seekTo((this.frameIndex() + count) / this.fps);
  }

  seekBy(seconds) {
    this.seekTo(this.video.currentTime + seconds);
  }

  seekTo(seconds) {
    const end = Number.isFinite(this.video.duration) ? this.video.duration : seconds;
    this.video.currentTime = Math.min(Math.max(0, seconds), end);
  }

  jumpToEvent() {
    const { start_s: startS, clip_start_s: clipStartS } = this.event ?? {};
    if (typeof startS === "number" && typeof clipStartS === "number") this.seekTo(startS - clipStartS);
  }

  showTime() {
    const { currentTime, duration } = this.video;
    const frame = this.frameIndex() + 1;
    this.clock.textContent = t("inspector.player.clock", {
      time: formatVideoTime(currentTime),
      duration: formatVideoTime(Number.isFinite(duration) ? duration : null),
      frame,
      fps: this.fps,
    });
    this.clock.dataset.frame = String(frame);
    this.toggle.textContent = this.video.paused ? t("inspector.player.play") : t("inspector.player.pause");
  }

  stop() {
    this.video.pause();
    this.video.removeAttribute("src");
    this.video.load();
  }
}
