// The open incidents in the user's scope, read again on each change the event stream reports.
import { eventFeed } from "../events.js";
import { rememberCameras } from "../i18n.js";
import { officerApi, OPEN_STATUSES } from "./api.js";

export class IncidentQueue {
  constructor() {
    this.incidents = new Map(); // id -> incident (IncidentOut), open ones only
    // Closed from this page (id -> incident): a read begun before must not revive them.
    this.closedHere = new Map();
    this.cameraNames = new Map();
    this.listeners = new Set();
    this.loading = null;
    this.again = false;
    this.error = null;
    this.onFeed = () => this.refresh();
  }

  start() {
    eventFeed.addEventListener("snapshot", this.onFeed);
    eventFeed.addEventListener("event", this.onFeed);
    this.refresh();
  }

  // Open incidents nobody acknowledged (or whose new information nobody did): the alarm rings.
  unacknowledged() {
    return [...this.incidents.values()].filter((incident) => incident.unacknowledged);
  }

  // listener(queue) after every change; returns the function that unsubscribes it.
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  cameraName(cameraId) {
    return this.cameraNames.get(cameraId) ?? cameraId;
  }

  // Read again now; calls that come in meanwhile are served by one more read after it.
  async refresh() {
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
  }

  async load() {
    try {
      const incidents = await officerApi.openIncidents();
      if (incidents.some((incident) => !this.cameraNames.has(incident.camera_id))) await this.loadCameras();
      this.replace(incidents);
      this.error = null;
    } catch (error) {
      this.error = error;
      console.warn("open incidents", error);
    }
    this.notify();
  }

  async loadCameras() {
    const cameras = await officerApi.cameras();
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

  // One workflow step on an incident; returns the incident as it is after it.
  async act(incidentId, action, note, family, seenEventId) {
    const updated = await officerApi.transition(incidentId, action, note, family, seenEventId);
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
