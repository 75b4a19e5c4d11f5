// The alarm: rings, repeating, while an open incident (or what joined it since) waits to be
// acknowledged, with a pattern per severity; made with WebAudio (no audio file). Its on/off
// state is kept with the user's account, so it follows them to every browser.
import { api } from "../api.js";
import { t } from "../i18n.js";
import { el } from "../util.js";

const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 };
// Each severity's tones (start s, Hz) and how often the pattern repeats (null: once).
const PATTERNS = {
  critical: { tones: [[0, 1047], [0.18, 784], [0.36, 1047], [0.54, 784]], toneS: 0.15, everyMs: 1500, wave: "square" },
  warning: { tones: [[0, 660], [0.35, 523]], toneS: 0.28, everyMs: 4000, wave: "triangle" },
  info: { tones: [[0, 880]], toneS: 0.3, everyMs: null, wave: "sine" },
};
const PEAK_GAIN = 0.2;

// The gravest severity among `incidents`, or null for none.
export function gravest(incidents) {
  let found = null;
  for (const incident of incidents) {
    if (found === null || (SEVERITY_RANK[incident.severity] ?? 0) > SEVERITY_RANK[found]) found = incident.severity;
  }
  if (found === null) return null;
  return found in PATTERNS ? found : "info";
}

export class AlarmSound {
  // `queue`: the page's OpenIncidents reader (open_incidents.js); the toggle and its hint go first into `place`.
  constructor(queue, place, user) {
    this.queue = queue;
    this.enabled = user.alarm_sound !== false;
    this.context = null;
    this.played = 0;
    this.ringing = null; // the severity ringing now
    this.timer = null;
    this.rangFor = new Set(); // incidents an info chime has sounded for (it does not repeat)
    this.button = el("button", {
      type: "button",
      className: "sound-toggle",
      "data-testid": "sound-toggle",
      title: t("officer.sound.label"),
    });
    this.hint = el("span", { className: "sound-hint", "data-testid": "sound-blocked", role: "status" });
    this.button.addEventListener("click", () => this.toggle());
    place.prepend(this.button, this.hint);
    this.openContext();
    // Browsers start audio only after a user gesture on the page; the first one arms it.
    const arm = () => this.resume();
    window.addEventListener("pointerdown", arm, { capture: true });
    window.addEventListener("keydown", arm, { capture: true });
    queue.subscribe(() => this.sync());
    this.sync();
  }

  // An AudioContext made now runs at once when the page may play sound (the sign-in click
  // before the page reloaded counts in Chromium); otherwise it waits, suspended, for a gesture.
  openContext() {
    const Context = window.AudioContext ?? window.webkitAudioContext;
    if (!Context) return;
    this.context = new Context();
    this.context.addEventListener("statechange", () => {
      this.show();
      this.sync();
    });
  }

  async resume() {
    if (!this.context || this.context.state === "running") return;
    try {
      await this.context.resume();
    } catch (error) {
      console.warn("alarm sound", error);
    }
    this.show();
  }

  get state() {
    return this.context ? this.context.state : "unsupported";
  }

  async toggle() {
    this.enabled = !this.enabled;
    this.sync();
    try {
      await api.setAlarmSound(this.enabled);
    } catch (error) {
      console.warn("alarm sound preference", error);
    }
  }

  // Ring for what waits now: start, change pattern, or stop.
  sync() {
    const waiting = this.queue.unacknowledged();
    const severity = this.enabled && this.state === "running" ? gravest(waiting) : null;
    if (severity !== this.ringing) {
      clearInterval(this.timer);
      this.timer = null;
      this.ringing = severity;
      if (severity && PATTERNS[severity].everyMs) {
        this.timer = setInterval(() => this.play(severity), PATTERNS[severity].everyMs);
      }
      if (severity && severity !== "info") this.play(severity);
    }
    if (severity === "info") this.chimeOnce(waiting);
    this.show(waiting.length);
  }

  chimeOnce(waiting) {
    const fresh = waiting.filter((incident) => !this.rangFor.has(incident.id));
    for (const incident of fresh) this.rangFor.add(incident.id);
    if (fresh.length) this.play("info");
  }

  show(waitingCount = this.queue.unacknowledged().length) {
    this.button.setAttribute("aria-pressed", String(this.enabled));
    this.button.textContent = t(this.enabled ? "officer.sound.on" : "officer.sound.off");
    this.button.dataset.audio = this.state;
    this.button.dataset.played = String(this.played);
    this.button.dataset.ringing = this.ringing ?? "";
    this.button.classList.toggle("ringing", Boolean(this.ringing));
    this.button.title = this.ringing ? t("officer.sound.ringing", { count: waitingCount }) : t("officer.sound.label");
    const blocked = this.enabled && this.state !== "running";
    this.hint.textContent = blocked
      ? t(this.state === "unsupported" ? "officer.sound.unsupported" : "officer.sound.blocked")
      : "";
    this.hint.hidden = !blocked;
  }

  play(severity) {
    if (!this.enabled || this.state !== "running") return;
    const { tones, toneS, wave } = PATTERNS[severity];
    const startS = this.context.currentTime;
    for (const [atS, hz] of tones) this.tone(startS + atS, hz, toneS, wave);
    this.played += 1;
    this.button.dataset.played = String(this.played);
  }

  tone(atS, hz, toneS, wave) {
    const oscillator = new OscillatorNode(this.context, { type: wave, frequency: hz });
    const gain = new GainNode(this.context, { gain: 0.0001 });
    gain.gain.setValueAtTime(0.0001, atS);
    gain.gain.exponentialRampToValueAtTime(PEAK_GAIN, atS + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, atS + toneS);
    oscillator.connect(gain).connect(this.context.destination);
    oscillator.start(atS);
    oscillator.stop(atS + toneS + 0.02);
  }
}
