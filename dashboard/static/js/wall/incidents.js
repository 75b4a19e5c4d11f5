// The open incidents on the cameras the user sees, read again on each change the event stream
// reports while the wall is on screen.
import { request } from "../api.js";
import { eventFeed } from "../events.js";

const LIMIT = 200;

function byCamera(incidents) {
  const found = new Map();
  const oldestFirst = [...incidents].sort((a, b) => a.opened_at.localeCompare(b.opened_at) || a.id - b.id);
  for (const incident of oldestFirst) {
    if (!found.has(incident.camera_id)) found.set(incident.camera_id, []);
    found.get(incident.camera_id).push(incident);
  }
  return found;
}

export class OpenIncidents {
  // onChange() after every read.
  constructor(onChange) {
    this.onChange = onChange;
    this.cameras = new Map(); // camera id -> its open incidents, oldest first
    this.reading = null;
    this.again = false;
    this.refused = false; // a role the API does not tell: no highlights, and no more asking
    this.onFeed = () => this.refresh();
  }

  start() {
    eventFeed.addEventListener("snapshot", this.onFeed);
    eventFeed.addEventListener("event", this.onFeed);
    this.refresh();
  }

  stop() {
    eventFeed.removeEventListener("snapshot", this.onFeed);
    eventFeed.removeEventListener("event", this.onFeed);
  }

  on(cameraId) {
    return this.cameras.get(cameraId) ?? [];
  }

  // Read again now; calls that come in meanwhile are served by one more read after it.
  async refresh() {
    if (this.refused) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.read();
    await this.reading;
    this.reading = null;
    if (this.again) {
      this.again = false;
      await this.refresh();
    }
  }

  async read() {
    try {
      this.cameras = byCamera(await request("GET", `/api/incidents?status=open&limit=${LIMIT}`));
    } catch (error) {
      if (error.status === 403) {
        this.refused = true;
        this.cameras = new Map();
      } else {
        console.warn("open incidents", error); // the last read stays until the next one
      }
    }
    this.onChange();
  }
}
