// Wires the views together: camera polling, the event stream and the hash router.
import { api } from "./api.js";
import { DetailView } from "./detail.js";
import { AlertBanner, EventList, followEvents } from "./events.js";
import { LiveWall } from "./live.js";
import { showUser, signedInUser } from "./session.js";

const CAMERA_REFRESH_MS = 3000;
const byTestId = (testid) => document.querySelector(`[data-testid=${testid}]`);

showUser(await signedInUser());
byTestId("app").hidden = false;

const cameraNames = new Map();
const wall = new LiveWall(byTestId("live-wall"), byTestId("live-empty"));
const banner = new AlertBanner(byTestId("alert-banner"));
const list = new EventList(byTestId("event-list"), byTestId("events-empty"), banner, cameraNames);
const detail = new DetailView(byTestId("event-detail"), cameraNames);
list.onChange((event) => detail.update(event));

async function refreshCameras() {
  try {
    const cameras = await api.cameras();
    const renamed = cameras.some((camera) => cameraNames.get(camera.id) !== camera.name);
    for (const camera of cameras) cameraNames.set(camera.id, camera.name);
    wall.update(cameras);
    if (renamed) list.rerender();
  } catch (error) {
    console.warn("cameras", error);
  }
}

function route() {
  const match = location.hash.match(/^#\/events\/(\d+)$/);
  byTestId("home-view").hidden = Boolean(match);
  if (match) {
    if (banner.eventId === Number(match[1])) banner.hide();
    detail.open(Number(match[1]));
    window.scrollTo(0, 0);
  } else {
    detail.close();
  }
}

window.addEventListener("hashchange", route);
route();
await refreshCameras();
setInterval(refreshCameras, CAMERA_REFRESH_MS);
followEvents(list, byTestId("feed-state"));
