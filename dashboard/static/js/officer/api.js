// The safety officer's API calls: open incidents and their one-step workflow.
import { request } from "../api.js";

export const OPEN_STATUSES = ["new", "acknowledged", "on_scene"];
const LIMIT = 200;

export const officerApi = {
  // Every open incident in the user's scope.
  openIncidents: () => request("GET", `/api/incidents?status=open&limit=${LIMIT}`),
  incident: (incidentId) => request("GET", `/api/incidents/${incidentId}`),
  event: (eventId) => request("GET", `/api/events/${eventId}`),
  cameras: () => request("GET", "/api/cameras"),
  // action: acknowledge | on-scene | resolve | false-alarm; family: {notified_at, method, by} or
  // null; seenEventId: the newest event the person's card showed (the step applies up to it).
  transition: (incidentId, action, note, family = null, seenEventId = null) =>
    request("POST", `/api/incidents/${incidentId}/${action}`, {
      note: note || null,
      family,
      seen_event_id: seenEventId,
    }),
};
