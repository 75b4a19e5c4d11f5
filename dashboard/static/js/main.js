// Wires the shell together: who is signed in, their language, the views and the event stream.
import { api } from "./api.js";
import { DetailView } from "./detail.js";
import { AlertBanner, EventList, followEvents } from "./events.js";
import { rememberCameras, rememberFacilities, t, zoneDiffers, zoneOffsetLabel } from "./i18n.js";
import { addView, startRouter } from "./router.js";
import { showUser, signedInUser } from "./session.js";
import { LiveWall } from "./wall/wall.js";
import { followHealth } from "./health.js";
import "./strings.js";
import "./officer/index.js";
import "./inspector/index.js";
import "./operator/index.js";
import "./admin/locks.js";

const CAMERA_REFRESH_MS = 3000;
const byTestId = (testid) => document.querySelector(`[data-testid=${testid}]`);

const user = await signedInUser();
showUser(user);
const facilities = await api.facilities();
rememberFacilities(facilities);
showFacilityTime(facilities);
byTestId("app").hidden = false;

// The facilities' one time zone; undefined when they span several (times then show the
// browser's).
function onlyZone(known) {
  const zones = [...new Set(known.map((facility) => facility.timezone))];
  return zones.length === 1 ? zones[0] : undefined;
}

// Times are the facility's everywhere; where the browser's clock reads otherwise, say so once.
function showFacilityTime(known) {
  const zone = onlyZone(known);
  if (zone === undefined || !zoneDiffers(zone)) return;
  const note = document.createElement("span");
  note.className = "zone-note";
  note.dataset.testid = "zone-note";
  note.textContent = t("common.facilityTime", { zone: zoneOffsetLabel(zone) });
  note.title = zone;
  byTestId("who").prepend(note);
}

const cameraNames = new Map();
const wall = new LiveWall(byTestId("live-panel"), byTestId("live-wall"), byTestId("live-empty"));
const banner = new AlertBanner(byTestId("alert-banner"));
const list = new EventList(byTestId("event-list"), byTestId("events-empty"), banner, cameraNames);
const detail = new DetailView(byTestId("event-detail"), cameraNames);
list.onChange((event) => detail.update(event));

async function refreshCameras() {
  try {
    const cameras = await api.cameras();
    rememberCameras(cameras);
    const renamed = cameras.some((camera) => cameraNames.get(camera.id) !== camera.name);
    for (const camera of cameras) cameraNames.set(camera.id, camera.name);
    wall.update(cameras);
    if (renamed) list.rerender();
  } catch (error) {
    console.warn("cameras", error);
  }
}

// The live wall with the event list, and one event: the page's own sections, shown and hidden.
// "#/" lands each role on its home: the officers' (and admin's) is this page.
addView({
  name: "live",
  order: 0,
  pattern: /^#(?:\/|\/live)?$/,
  hash: "#/live",
  navKey: "nav.live",
  homeFor: ["facility_officer", "admin"],
  mount() {
    byTestId("home-view").hidden = false;
    byTestId("app").classList.add("wall-page");
    wall.resume();
    return () => {
      wall.pause();
      byTestId("app").classList.remove("wall-page");
      byTestId("home-view").hidden = true;
    };
  },
});
addView({
  name: "event",
  pattern: /^#\/events\/(\d+)$/,
  mount(container, match) {
    const eventId = Number(match[1]);
    if (banner.eventId === eventId) banner.hide();
    detail.open(eventId);
    window.scrollTo(0, 0);
    return () => detail.close();
  },
});

await refreshCameras();
startRouter({ container: byTestId("view"), nav: byTestId("nav"), user });
setInterval(refreshCameras, CAMERA_REFRESH_MS);
followEvents(list, byTestId("feed-state"));
followHealth(byTestId("health-banner"), onlyZone(facilities));
