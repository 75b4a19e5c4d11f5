// The alert sound: a short two-tone chime made with WebAudio (no audio file) each time the
// banner alerts, with a mute toggle kept in localStorage.
import { ALERT_SHOWN } from "../events.js";
import { t } from "../i18n.js";
import { el } from "../util.js";

const STORAGE_KEY = "carewatch.officer.sound";
const TONES = [
  { atS: 0, hz: 880 },
  { atS: 0.2, hz: 660 },
];
const TONE_S = 0.16;
const PEAK_GAIN = 0.25;

export class AlertSound {
  // `banner`: the alert banner's element; the toggle and its hint go first into `place`.
  constructor(banner, place) {
    this.enabled = localStorage.getItem(STORAGE_KEY) !== "off";
    this.context = null;
    this.played = 0;
    this.button = el("button", {
      type: "button",
      className: "link-button sound-toggle",
      "data-testid": "sound-toggle",
      text: t("officer.sound.toggle"),
    });
    this.hint = el("span", { className: "sound-hint", "data-testid": "sound-blocked", role: "status" });
    this.button.addEventListener("click", () => this.toggle());
    place.prepend(this.button, this.hint);
    banner.addEventListener(ALERT_SHOWN, () => this.play());
    this.openContext();
    // Browsers start audio only after a user gesture on the page; the first one arms it.
    const arm = () => this.resume();
    window.addEventListener("pointerdown", arm, { capture: true });
    window.addEventListener("keydown", arm, { capture: true });
    this.show();
  }

  // An AudioContext made now runs at once when the page may play sound (the sign-in click
  // before the page reloaded counts in Chromium); otherwise it waits, suspended, for a gesture.
  openContext() {
    const Context = window.AudioContext ?? window.webkitAudioContext;
    if (!Context) return;
    this.context = new Context();
    this.context.addEventListener("statechange", () => this.show());
  }

  async resume() {
    if (!this.context || this.context.state === "running") return;
    try {
      await this.context.resume();
    } catch (error) {
      console.warn("alert sound", error);
    }
    this.show();
  }

  get state() {
    return this.context ? this.context.state : "unsupported";
  }

  toggle() {
    this.enabled = !this.enabled;
    localStorage.setItem(STORAGE_KEY, this.enabled ? "on" : "off");
    this.show();
  }

  show() {
    this.button.setAttribute("aria-pressed", String(this.enabled));
    this.button.dataset.audio = this.state;
    this.button.dataset.played = String(this.played);
    const blocked = this.enabled && this.state !== "running";
    this.hint.textContent = blocked
      ? t(this.state === "unsupported" ? "officer.sound.unsupported" : "officer.sound.blocked")
      : "";
    this.hint.hidden = !blocked;
  }

  play() {
    if (!this.enabled || this.state !== "running") return;
    const startS = this.context.currentTime;
    for (const { atS, hz } of TONES) this.tone(startS + atS, hz);
    this.played += 1;
    this.show();
  }

  tone(atS, hz) {
    const oscillator = new OscillatorNode(this.context, { type: "sine", frequency: hz });
    const gain = new GainNode(this.context, { gain: 0.0001 });
    gain.gain.setValueAtTime(0.0001, atS);
    gain.gain.exponentialRampToValueAtTime(PEAK_GAIN, atS + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, atS + TONE_S);
    oscillator.connect(gain).connect(this.context.destination);
    oscillator.start(atS);
    oscillator.stop(atS + TONE_S + 0.02);
  }
}
