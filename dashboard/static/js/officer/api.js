// The safety officer's API calls: open incidents and their one-step workflow.
import { request } from "../api.js";

export const OPEN_STATUSES = ["new", "acknowledged", "on_scene"];
const LIMIT = 200;

export const officerApi = {
  // Every open incident in the user's scope (one read per open status, in parallel).
  openIncidents: async () => {
    const lists = await Promise.all(
      OPEN_STATUSES.map((status) => request("GET", `/api/incidents?status=${status}&limit=${LIMIT}`)),
    );
    return lists.flat();
  },
  cameras: () => request("GET", "/api/cameras"),
  // action: acknowledge | on-scene | resolve | false-alarm; family: {notified_at, method, by} or null.
  transition: (incidentId, action, note, family = null) =>
    request("POST", `/api/incidents/${incidentId}/${action}`, { note: note || null, family }),
};
