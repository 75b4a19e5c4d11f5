// Hash routes: views register here; the shell mounts the one matching the address and links
// the ones the user's role may open.
import { t } from "./i18n.js";
import { el } from "./util.js";

const views = [];

// { name, pattern, hash, roles, navKey, homeFor, mount(container, match) -> cleanup }
// `roles` null: every role; `navKey` null: no nav link (`hash` is the link's address);
// `homeFor`: roles that land on this view at "#/"; `order`: nav position (lower first).
export function addView(view) {
  views.push({ roles: null, navKey: null, homeFor: [], order: 100, ...view });
  views.sort((a, b) => a.order - b.order);
}

const allowed = (view, role) => view.roles === null || view.roles.includes(role);

export function startRouter({ container, nav, user }) {
  const mine = views.filter((view) => allowed(view, user.role));
  renderNav(nav, mine);
  let cleanup = null;
  const show = () => {
    const home = mine.find((view) => view.homeFor.includes(user.role));
    if (home && ["", "#", "#/"].includes(location.hash)) {
      location.replace(home.hash);
      return;
    }
    if (cleanup) cleanup();
    container.replaceChildren();
    const view = mine.find((candidate) => candidate.pattern.test(location.hash || "#/"));
    cleanup = view ? (view.mount(container, location.hash.match(view.pattern)) ?? null) : notFound(container);
    markCurrent(nav, view);
  };
  window.addEventListener("hashchange", show);
  show();
}

function renderNav(nav, mine) {
  const links = mine
    .filter((view) => view.navKey)
    .map((view) =>
      el("li", {}, el("a", { href: view.hash, "data-view": view.name, "data-testid": `nav-${view.name}`, text: t(view.navKey) })),
    );
  nav.querySelector("ul").replaceChildren(...links);
  nav.hidden = links.length < 2;
}

function markCurrent(nav, view) {
  for (const link of nav.querySelectorAll("a[data-view]")) {
    if (view && link.dataset.view === view.name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function notFound(container) {
  container.append(el("p", { className: "empty", "data-testid": "not-found", text: t("common.notFound") }));
  return null;
}
