// Sign-in locks for administrators: the addresses and accounts held back after wrong
// passwords, until when, and an Unlock for each (the server audits it).
import { request } from "../api.js";
import { formatClock, t } from "../i18n.js";
import { page, poll, statusLine, table } from "../inspector/common.js";
import { addView } from "../router.js";
import { el } from "../util.js";
import "./strings.js";

const REFRESH_MS = 10_000;

addView({ name: "sign-in-locks", pattern: /^#\/sign-in-locks$/, hash: "#/sign-in-locks", roles: ["admin"], navKey: "admin.nav.locks", order: 90, mount: mountLocks });

function mountLocks(container) {
  const root = page("sign-in-locks", "admin.locks.title");
  const refresh = el("button", { type: "button", className: "btn btn-plain", "data-testid": "locks-refresh", text: t("admin.locks.refresh") });
  const box = el("div", { className: "insp-scroll" });
  const message = statusLine("locks-status");
  root.append(el("p", { className: "insp-muted", text: t("admin.locks.intro") }), refresh, message, box);
  container.append(root);

  const load = async () => {
    try {
      const locks = await request("GET", "/api/auth/throttles");
      box.replaceChildren(locks.length ? render(locks, unlock) : el("p", { className: "empty", "data-testid": "locks-empty", text: t("admin.locks.empty") }));
    } catch (error) {
      message.fail(error);
    }
  };
  const unlock = async (lock) => {
    try {
      await request("POST", "/api/auth/throttles/unlock", { address: lock.address, username: lock.username });
      message.say(t("admin.locks.unlocked"));
    } catch (error) {
      message.fail(error);
    }
    await load();
  };
  refresh.addEventListener("click", load);
  return poll(load, REFRESH_MS);
}

function render(locks, unlock) {
  const headers = ["kind", "address", "user", "until", "refused", "actions"].map((key) => t(`admin.locks.${key}`));
  const { node, row } = table(t("admin.locks.title"), headers, "locks-table");
  for (const lock of locks) {
    const button = el("button", { type: "button", className: "btn btn-plain", "data-testid": "lock-unlock", text: t("admin.locks.unlock") });
    button.addEventListener("click", () => unlock(lock));
    const any = t("admin.locks.any");
    row({ "data-testid": "lock-row", "data-kind": lock.kind }, [
      t(`admin.locks.kind.${lock.kind}`),
      el("span", { translate: "no", text: lock.address ?? any }),
      el("span", { translate: "no", text: lock.username ?? any }),
      el("time", { datetime: lock.until, text: formatClock(lock.until) }),
      lock.refused,
      button,
    ]);
  }
  return node;
}
