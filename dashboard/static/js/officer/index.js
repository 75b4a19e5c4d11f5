// The safety officer's part: the open-incident queue (beside the live wall and as its own page),
// the alert sound, and the strings of the wall's overlay toggles.
import { addView } from "../router.js";
import { currentUser } from "../session.js";
import { IncidentQueue } from "./incidents.js";
import { QueuePanel } from "./queue.js";
import { AlertSound } from "./sound.js";
import "./strings.js";

const OFFICER_ROLES = ["facility_officer", "admin"];
const byTestId = (testid) => document.querySelector(`[data-testid=${testid}]`);
let queue = null; // shared by the panels: one read per change, however many panels

function sharedQueue() {
  if (!queue) {
    queue = new IncidentQueue();
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
  new AlertSound(byTestId("alert-banner"), byTestId("who"));
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
