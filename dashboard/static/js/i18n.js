// Translations (en, zh-CN), the user's language, and times in a facility's time zone.
export const LOCALES = ["en", "zh-CN"];
const strings = { en: {}, "zh-CN": {} };
let current = "en";
const facilityZones = new Map(); // facility id -> IANA time zone
const cameraFacilities = new Map(); // camera id -> facility id

// Each area registers its own table: { en: { "area.key": "text" }, "zh-CN": { ... } }.
export function addStrings(table) {
  for (const [locale, entries] of Object.entries(table)) {
    strings[locale] = { ...(strings[locale] ?? {}), ...entries };
  }
}

// The user's saved choice, else the browser's language, else English.
export function chooseLocale(preferred) {
  const browser = (navigator.language ?? "").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
  current = LOCALES.includes(preferred) ? preferred : browser;
  document.documentElement.lang = current;
}

export function currentLocale() {
  return current;
}

export function hasText(key) {
  return key in strings.en || key in strings[current];
}

// Every key a language's tables hold (the tests compare en's with zh-CN's).
export function keysOf(locale) {
  return Object.keys(strings[locale] ?? {});
}

// A key's text in every language: { en: "Safety officer", "zh-CN": "机构安全员" }.
export function textsOf(key) {
  return Object.fromEntries(LOCALES.map((locale) => [locale, strings[locale][key] ?? null]));
}

// t("detail.notFound", { id: 7 }): the current language, else English, else the key itself.
// A key stored as plural forms ("key.one", "key.other") picks one by `count` (else `n`):
// t("inspector.inspection.saved", { n: 1 }) -> "1 result saved." / "已保存 1 项结果。"
export function t(key, vars = {}) {
  const text = lookup(key) ?? lookup(pluralKey(key, vars)) ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

function lookup(key) {
  return key === null ? undefined : (strings[current][key] ?? strings.en[key]);
}

function pluralKey(key, vars) {
  const count = vars.count ?? vars.n;
  if (typeof count !== "number") return null;
  const form = `${key}.${new Intl.PluralRules(current).select(count)}`;
  return lookup(form) === undefined ? `${key}.other` : form;
}

// Fill [data-i18n] text and [data-i18n-attr="aria-label:key;placeholder:key"] attributes.
export function translate(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of node.dataset.i18nAttr.split(";")) {
      const [attribute, key] = pair.split(":").map((part) => part.trim());
      node.setAttribute(attribute, t(key));
    }
  }
}

export function rememberFacilities(facilities) {
  for (const facility of facilities) facilityZones.set(facility.id, facility.timezone);
}

export function rememberCameras(cameras) {
  for (const camera of cameras) cameraFacilities.set(camera.id, camera.facility_id);
}

// The IANA zone a facility's times are shown in (undefined: the browser's own).
export function facilityZone(facilityId) {
  return facilityZones.get(facilityId);
}

export function cameraZone(cameraId) {
  return facilityZone(cameraFacilities.get(cameraId));
}

function format(iso, timeZone, options) {
  try {
    return new Intl.DateTimeFormat(current, { ...options, timeZone }).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat(current, options).format(new Date(iso)); // unknown zone
  }
}

export function formatDateTime(iso, timeZone) {
  return iso ? format(iso, timeZone, { dateStyle: "medium", timeStyle: "medium" }) : "—";
}

// A time of day, with the date when it is not today (both in `timeZone`).
export function formatClock(iso, timeZone) {
  if (!iso) return "—";
  const day = (value) => format(value, timeZone, { dateStyle: "short" });
  const time = format(iso, timeZone, { timeStyle: "medium" });
  return day(iso) === day(new Date()) ? time : `${format(iso, timeZone, { month: "short", day: "numeric" })} ${time}`;
}

export function formatNumber(value, digits = 2) {
  if (typeof value !== "number") return String(value ?? "—");
  return new Intl.NumberFormat(current, { maximumFractionDigits: digits }).format(value);
}

// "UTC+08:00": a zone's offset from UTC at `at` (a Date; now by default).
export function zoneOffsetLabel(timeZone, at = new Date()) {
  const minutes = zoneOffsetMinutes(timeZone, at);
  const sign = minutes < 0 ? "-" : "+";
  const pad = (n) => String(n).padStart(2, "0");
  return `UTC${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

// Minutes the zone is ahead of UTC at `at`; the browser's own zone when `timeZone` is unknown.
export function zoneOffsetMinutes(timeZone, at = new Date()) {
  const parts = zonedParts(at, timeZone);
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

// True when the facility's clock reads differently from the browser's now (say which zone is meant).
export function zoneDiffers(timeZone, at = new Date()) {
  return Boolean(timeZone) && zoneOffsetMinutes(timeZone, at) !== -at.getTimezoneOffset();
}

// A <input type=datetime-local> value for `date` as the clock in `timeZone` reads it.
export function zonedInputValue(date, timeZone) {
  const p = zonedParts(date, timeZone);
  const pad = (n) => String(n).padStart(2, "0");
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

// The instant a datetime-local value ("2026-12-07T16:05") names on the clock of `timeZone`.
export function fromZonedInput(text, timeZone) {
  const [date, time] = text.split("T");
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // The offset at the wall time read as UTC, then again at the result (a DST change between).
  let instant = wall - zoneOffsetMinutes(timeZone, new Date(wall)) * 60_000;
  instant = wall - zoneOffsetMinutes(timeZone, new Date(instant)) * 60_000;
  return new Date(instant);
}

function zonedParts(date, timeZone) {
  const options = { hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" };
  let parts;
  try {
    parts = new Intl.DateTimeFormat("en-US", { ...options, timeZone }).formatToParts(date);
  } catch {
    parts = new Intl.DateTimeFormat("en-US", options).formatToParts(date); // unknown zone
  }
  const value = (type) => Number(parts.find((part) => part.type === type).value);
  return { year: value("year"), month: value("month"), day: value("day"), hour: value("hour"), minute: value("minute"), second: value("second") };
}
