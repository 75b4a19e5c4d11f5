// The overview: street → facility with open incidents, overdue hazards and cameras offline,
// refreshed every few seconds; one screen on a desktop, one column on a phone.
import { facilityZone, formatClock, formatNumber, t, zoneDiffers, zoneOffsetLabel } from "../i18n.js";
import { el } from "../util.js";
import { inspectorApi } from "./api.js";
import { loadFacilities, page, poll, statusLine } from "./common.js";

const REFRESH_MS = 5000;

export function mountOverview(container) {
  const updated = el("span", { className: "insp-muted", "data-testid": "overview-updated" });
  const root = page("inspector-overview", "inspector.overview.title", updated);
  const totals = el("div", { className: "insp-totals", "data-testid": "overview-totals" });
  const tree = el("div", { className: "insp-tree", "data-testid": "overview-tree" });
  const status = statusLine("overview-status");
  root.append(totals, legend(), tree, status);
  container.append(root);
  let zone = null;
  return poll(async () => {
    try {
      // Facility time, as everywhere: the zone of the area's facilities (named if not the browser's).
      zone ??= facilityZone([...(await loadFacilities()).keys()][0]) ?? "";
      const overview = await inspectorApi.overview();
      render(overview, totals, tree);
      const time = formatClock(overview.generated_at, zone || undefined);
      const label = zone && zoneDiffers(zone) ? `${time} (${zoneOffsetLabel(zone)})` : time;
      updated.textContent = t("inspector.overview.updated", { time: label });
      status.say("");
    } catch (error) {
      status.fail(error);
    }
  }, REFRESH_MS);
}

function render(overview, totals, tree) {
  const sum = overview.roots.reduce(
    (acc, node) => ({
      open_incidents: acc.open_incidents + node.counts.open_incidents,
      overdue_hazards: acc.overdue_hazards + node.counts.overdue_hazards,
      cameras_offline: acc.cameras_offline + node.counts.cameras_offline,
      cameras: acc.cameras + node.counts.cameras,
    }),
    { open_incidents: 0, overdue_hazards: 0, cameras_offline: 0, cameras: 0 },
  );
  totals.replaceChildren(
    total("incidents", sum.open_incidents, t("inspector.count.openIncidents"), "#/incidents?status=open&period=all"),
    total("hazards", sum.overdue_hazards, t("inspector.count.overdueHazards"), "#/hazards?overdue=true"),
    total("cameras", `${formatNumber(sum.cameras_offline)} / ${formatNumber(sum.cameras)}`, t("inspector.count.camerasOffline"), null, sum.cameras_offline),
  );
  tree.replaceChildren(...overview.roots.map(renderRoot));
  if (overview.roots.length === 0) tree.append(el("p", { className: "empty", text: t("inspector.overview.empty") }));
}

function legend() {
  const entry = (kind, key) =>
    el("li", {}, el("span", { className: `insp-chip-icon insp-key-${kind}`, "aria-hidden": "true" }), t(key));
  return el(
    "ul",
    { className: "insp-legend", "aria-label": t("inspector.overview.legend") },
    entry("incidents", "inspector.count.openIncidents"),
    entry("hazards", "inspector.count.overdueHazards"),
    entry("cameras", "inspector.overview.camerasKey"),
  );
}

function total(kind, value, caption, href, alarm = value) {
  const body = [el("span", { className: "insp-total-value", text: typeof value === "number" ? formatNumber(value) : value }), el("span", { text: caption })];
  const attrs = { className: `insp-total insp-total-${kind}${alarm > 0 ? " alarm" : ""}`, "data-testid": `overview-total-${kind}` };
  return href ? el("a", { ...attrs, href }, ...body) : el("div", attrs, ...body);
}

function renderRoot(node) {
  if (node.kind === "facility") return el("div", { className: "insp-streets" }, streetCard({ ...node, children: [node] }, false));
  if (node.kind === "street") return el("div", { className: "insp-streets" }, streetCard(node, true));
  const heading = el("h3", { className: "insp-district" }, node.name, " ", counts(node.counts, "district"));
  return el(
    "section",
    { "data-testid": "overview-district", "data-node-id": node.id, "aria-label": node.name },
    heading,
    el("div", { className: "insp-streets" }, ...node.children.map((street) => streetCard(street, true))),
  );
}

function streetCard(street, withHeading) {
  const rows = street.children.map(facilityRow);
  if (rows.length === 0) rows.push(el("li", { className: "empty", text: t("inspector.overview.noFacilities") }));
  const search = `#/incidents?street=${encodeURIComponent(street.id)}&status=all&period=7d`;
  const name = el("a", { href: search, "data-testid": "overview-street-link", title: t("inspector.search.streetWeek", { name: street.name }), text: street.name });
  const heading = withHeading ? el("h4", {}, name, counts(street.counts, "street", `street=${encodeURIComponent(street.id)}`)) : null;
  return el(
    "article",
    { className: "insp-street", "data-testid": "overview-street", "data-node-id": street.id },
    heading,
    el("ul", { className: "insp-facilities", role: "list" }, ...rows),
  );
}

// A facility's name opens its incidents of the last week, whatever their status; its figures
// open the filtered lists they count.
function facilityRow(facility) {
  const query = `facility=${encodeURIComponent(facility.id)}`;
  const week = `#/incidents?${query}&status=all&period=7d`;
  return el(
    "li",
    { className: "insp-facility", "data-testid": "overview-facility", "data-facility-id": facility.id },
    el("a", { className: "insp-facility-name", href: week, "data-testid": "overview-facility-link", title: t("inspector.search.facilityWeek", { name: facility.name }), text: facility.name }),
    facility.counts.sites_offline > 0 ? el("span", { className: "insp-site-offline", "data-testid": "site-offline", title: t("inspector.overview.siteOfflineWhy"), text: t("inspector.overview.siteOffline") }) : null,
    counts(facility.counts, "facility", query),
  );
}

// Three figures; those above zero stand out. Facility and street figures link to the filtered
// lists (open incidents of any time, overdue hazards).
function counts(values, level, query = null) {
  const link = (href) => (query ? `${href}${href.includes("?") ? "&" : "?"}${query}` : null);
  return el(
    "span",
    { className: "insp-counts" },
    chip("incidents", values.open_incidents, t("inspector.count.openIncidentsN", { n: values.open_incidents }), link("#/incidents?status=open&period=all")),
    chip("hazards", values.overdue_hazards, t("inspector.count.overdueHazardsN", { n: values.overdue_hazards }), link("#/hazards?overdue=true")),
    chip(
      "cameras",
      values.cameras_offline,
      t("inspector.count.camerasOfflineN", { n: values.cameras_offline, total: values.cameras }),
      null,
      `${formatNumber(values.cameras_offline)}/${formatNumber(values.cameras)}`,
    ),
  );
}

function chip(kind, value, description, href, shown = formatNumber(value)) {
  const attrs = {
    className: `insp-chip insp-chip-${kind}${value > 0 ? " alarm" : ""}`,
    "data-testid": `count-${kind}`,
    "data-count": value,
    title: description,
  };
  const body = [
    el("span", { className: "insp-chip-icon", "aria-hidden": "true" }),
    el("span", { "aria-hidden": "true", text: shown }),
    el("span", { className: "insp-sr", text: description }),
  ];
  return href ? el("a", { ...attrs, href }, ...body) : el("span", attrs, ...body);
}
