// The open incidents in the user's scope, read again on each change the event stream reports:
// one reader for the page (the wall's outlines, the officer's queue, alarm and desktop alerts).
import { api, request } from "./api.js";
import { eventFeed } from "./events.js";
import { rememberCameras } from "./i18n.js";

export const OPEN_STATUSES = ["new", "acknowledged", "on_scene"];
const LIMIT = 200;

export class OpenIncidents {
  constructor() {
    this.incidents = new Map(); // id -> incident (IncidentOut), open ones only
    // Closed from this page (id -> incident): a read begun before must not revive them.
    this.closedHere = new Map();
    this.cameraNames = new Map();
    this.listeners = new Set();
    this.users = 0; // parts of the page following the stream (start/stop)
    this.loading = null;
    this.again = false;
    this.error = null;
    this.refused = false; // a role the API does not tell: nothing to show, no more asking
    this.onFeed = () => this.refresh();
  }

  // Follow the stream; each start() wants one stop() (the last one stops reading).
  start() {
    this.users += 1;
    if (this.users > 1) return;
    eventFeed.addEventListener("snapshot", this.onFeed);
    eventFeed.addEventListener("event", this.onFeed);
    this.refresh();
  }

  stop() {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0) return;
    eventFeed.removeEventListener("snapshot", this.onFeed);
    eventFeed.removeEventListener("event", this.onFeed);
  }

  // listener(this) after every read or step; returns the function that unsubscribes it.
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // Open incidents nobody acknowledged (or whose new information nobody did): the alarm rings.
  unacknowledged() {
    return [...this.incidents.values()].filter((incident) => incident.unacknowledged);
  }

  // A camera's open incidents, oldest first.
  on(cameraId) {
    return [...this.incidents.values()]
      .filter((incident) => incident.camera_id === cameraId)
      .sort((a, b) => a.opened_at.localeCompare(b.opened_at) || a.id - b.id);
  }

  cameraName(cameraId) {
    return this.cameraNames.get(cameraId) ?? cameraId;
  }

  // Read again now; calls that come in meanwhile are served by one more read after it.
  async refresh() {
    if (this.refused) return undefined;
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.load();
    try {
      await this.loading;
    } finally {
      this.loading = null;
    }
    if (this.again) {
      this.again = false;
      await this.refresh();
    }
    return undefined;
  }

  async load() {
    try {
      const incidents = await request("GET", `/api/incidents?status=open&limit=${LIMIT}`);
      if (incidents.some((incident) => !this.cameraNames.has(incident.camera_id))) await this.loadCameras();
      this.replace(incidents);
      this.error = null;
    } catch (error) {
      this.error = error;
      if (error.status === 403) {
        this.refused = true;
        this.incidents = new Map();
      } else {
        console.warn("open incidents", error); // the last read stays until the next one
      }
    }
    this.notify();
  }

  async loadCameras() {
    const cameras = await api.cameras();
    rememberCameras(cameras);
    for (const camera of cameras) this.cameraNames.set(camera.id, camera.name);
  }

  replace(incidents) {
    const fresh = new Map();
    for (const incident of incidents) {
      if (this.closedHere.has(incident.id)) continue;
      const known = this.incidents.get(incident.id);
      // A read that began before a step from this page may bring the older state.
      fresh.set(incident.id, known && newer(known, incident) ? known : incident);
    }
    this.incidents = fresh;
  }

  // One workflow step on an incident (for the events up to `seenEventId`); returns it after.
  async act(incidentId, action, note, family, seenEventId) {
    const updated = await api.incidentTransition(incidentId, action, note, family, seenEventId);
    if (OPEN_STATUSES.includes(updated.status)) {
      this.incidents.set(updated.id, updated);
    } else {
      this.incidents.delete(updated.id);
      this.closedHere.set(updated.id, updated);
    }
    this.notify();
    return updated;
  }

  notify() {
    for (const listener of this.listeners) listener(this);
  }
}

const newer = (a, b) => Date.parse(a.updated_at) > Date.parse(b.updated_at);

let shared = null;

// The page's one reader.
export function openIncidents() {
  shared ??= new OpenIncidents();
  return shared;
}
