// The event and incident workflow as the views need it (mirrors the store's; the API has the last word).
import { t } from "./i18n.js";
import { label } from "./util.js";

export const ACTIONS = ["acknowledge", "on-scene", "resolve", "false-alarm"];

// Which steps each status allows.
export const ALLOWED = {
  new: ACTIONS,
  acknowledged: ["on-scene", "resolve", "false-alarm"],
  on_scene: ["resolve", "false-alarm"],
  resolved: [],
  false_alarm: [],
};

// Closing one of these asks when, how and by whom the family was told (the API insists too).
export const FAMILY_NOTICE_TYPES = ["fall", "long_lie"];

// An incident's events that joined after it was acknowledged and wait to be acknowledged.
export const pendingEvents = (incident) => incident.events.filter((event) => event.pending);

// The steps an incident offers: its status's, and acknowledging what joined since.
export function allowedSteps(incident) {
  const allowed = ALLOWED[incident.status] ?? [];
  return pendingEvents(incident).length && !allowed.includes("acknowledge") ? ["acknowledge", ...allowed] : allowed;
}

// The newest event a view of the incident shows: a step applies to the events up to it.
export const seenEventId = (incident) => Math.max(...incident.event_ids);

// "Fall ×2 + Long lie ×2": each type once, with how many times it happened.
export function typesText(incident) {
  const counts = new Map();
  for (const type of incident.event_types) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts]
    .map(([type, n]) => (n > 1 ? t("officer.card.typeCount", { type: label(type), n }) : label(type)))
    .join(" + ");
}
