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

// t("detail.notFound", { id: 7 }): the current language, else English, else the key itself.
export function t(key, vars = {}) {
  const text = strings[current][key] ?? strings.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
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
