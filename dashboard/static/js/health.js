// The service's own trouble (database, spool, disk) in a banner above every page, polled.
import { api } from "./api.js";
import { formatClock, t } from "./i18n.js";

const POLL_MS = 5000;

export function followHealth(banner, timeZone) {
  const show = (health) => {
    banner.replaceChildren(
      ...health.problems.map((problem) => {
        const line = document.createElement("p");
        line.dataset.testid = `health-${problem.kind}`;
        line.textContent = t(`health.${problem.kind}`, {
          since: formatClock(problem.since, timeZone),
          waiting: problem.waiting,
        });
        return line;
      }),
    );
    banner.hidden = health.problems.length === 0;
  };
  const poll = async () => {
    try {
      show(await api.health());
    } catch (error) {
      console.warn("health", error);
    }
  };
  poll();
  setInterval(poll, POLL_MS);
}
