// The safety officer's part: the open-incident queue (beside the live wall and as its own page),
// one incident's page (where phone pushes link to), the alarm and desktop alerts.
import { openIncidents } from "../open_incidents.js";
import { addView } from "../router.js";
import { currentUser } from "../session.js";
import { mountIncident } from "./incident.js";
import { DesktopAlerts } from "./notify.js";
import { QueuePanel } from "./queue.js";
import { AlarmSound } from "./sound.js";
import "./strings.js";

const OFFICER_ROLES = ["facility_officer", "admin"];
const byTestId = (testid) => document.querySelector(`[data-testid=${testid}]`);
let following = false; // the officer's parts follow the open incidents for good

// The page's one reader of open incidents (the wall shares it), followed from first use.
function sharedQueue() {
  const queue = openIncidents();
  if (!following) {
    following = true;
    queue.start();
  }
  return queue;
}

addView({
  name: "queue",
  pattern: /^#\/queue$/,
  hash: "#/queue",
  roles: OFFICER_ROLES,
  navKey: "officer.nav.queue",
  mount(container) {
    const panel = new QueuePanel(sharedQueue(), "queue-page");
    container.append(panel.node);
    panel.start();
    return () => panel.stop();
  },
});
// Admins review incidents on the inspectors' page; officers work them here (phone links too).
addView({ name: "officer-incident", pattern: /^#\/incidents\/(\d+)$/, roles: ["facility_officer"], mount: mountIncident });

// On the live page the queue sits beside the wall (before it on a phone); it stays in the
// page's own live section, which the shell shows and hides.
function addToLivePage() {
  const home = byTestId("home-view");
  const panel = new QueuePanel(sharedQueue(), "queue-home");
  home.classList.add("officer-home");
  home.querySelector("section").after(panel.node);
  panel.start();
}

function setUp(user) {
  if (!OFFICER_ROLES.includes(user.role)) return;
  addToLivePage();
  const who = byTestId("who");
  new DesktopAlerts(sharedQueue(), who);
  new AlarmSound(sharedQueue(), who, user);
}

// The shell shows who is signed in (unhides "who") once it knows; views mount after that.
const who = byTestId("who");
const watcher = new MutationObserver(() => {
  const user = currentUser();
  if (!user || who.hidden) return;
  watcher.disconnect();
  setUp(user);
});
watcher.observe(who, { attributes: true, attributeFilter: ["hidden"] });
