// Incident search: by period, facility or street, type and status (false alarms too); the
// filters live in the address, so the overview's links open a search and a search can be
// bookmarked; the results export as CSV.
import { facilityZone, fromZonedInput, t, zoneDiffers, zoneOffsetLabel } from "../i18n.js";
import { el } from "../util.js";
import { inspectorApi, query } from "./api.js";
import { facilityName, field, loadFacilities, page, poll, select, statusLine, table, term, timeIn, badge } from "./common.js";

const REFRESH_MS = 10_000;
const LIMIT = 500;
const STATUSES = ["new", "acknowledged", "on_scene", "resolved", "false_alarm"];
const TYPES = ["fall", "long_lie", "smoke", "fire", "exit_blocked", "intrusion", "wandering", "bed_exit", "understaffed", "camera_offline"];
const PERIODS = { "1d": 1, "7d": 7, "30d": 30, "90d": 90 };
const DAY_MS = 86_400_000;

export function mountIncidents(container, match) {
  const wanted = new URLSearchParams(match[1] ?? "");
  const root = page("inspector-incidents", "inspector.incidents.title");
  const controls = filterControls(wanted);
  const exportLink = el("a", { className: "btn btn-plain", "data-testid": "incident-export", download: "", text: t("inspector.search.export") });
  const summary = el("p", { className: "insp-muted", "data-testid": "incident-summary" });
  const list = el("div", { className: "insp-scroll" });
  const message = statusLine("incidents-status");
  root.append(controls.form, el("div", { className: "insp-search-bar" }, summary, exportLink), message, list);
  container.append(root);
  let facilities = new Map();
  let cameras = new Map();
  const refresh = async () => {
    try {
      if (facilities.size === 0) {
        facilities = await loadFacilities();
        controls.fill(facilities, wanted, streetNames((await inspectorApi.overview()).roots));
        cameras = new Map((await inspectorApi.cameras()).map((camera) => [camera.id, camera.name]));
      }
      const params = controls.params(facilities);
      exportLink.href = `/api/incidents.csv${query(params)}`;
      history.replaceState(null, "", `#/incidents${query(controls.address())}`);
      const incidents = await inspectorApi.incidents({ ...params, limit: LIMIT });
      list.replaceChildren(render(incidents, facilities, cameras));
      summary.textContent = t("inspector.search.found", { n: incidents.length, zone: controls.zoneNote(facilities) });
      message.say(incidents.length ? "" : t("inspector.incidents.none"));
    } catch (error) {
      message.fail(error);
    }
  };
  controls.form.addEventListener("change", () => {
    controls.showDates();
    refresh();
  });
  controls.form.addEventListener("submit", (event) => event.preventDefault());
  return poll(refresh, REFRESH_MS);
}

// The filter form; `params()` is what the API is asked, `address()` what the page's address keeps.
function filterControls(wanted) {
  const period = select(
    [["7d", t("inspector.search.last7")], ["1d", t("inspector.search.last1")], ["30d", t("inspector.search.last30")], ["90d", t("inspector.search.last90")], ["all", t("inspector.search.anyTime")], ["custom", t("inspector.kpis.custom")]],
    wanted.get("period") ?? (wanted.get("from") ? "custom" : "all"),
    { "data-testid": "incident-period-filter" },
  );
  const from = el("input", { type: "date", "data-testid": "incident-from", value: wanted.get("from") ?? "" });
  const to = el("input", { type: "date", "data-testid": "incident-to", value: wanted.get("to") ?? "" });
  const status = select(
    [["open", t("inspector.incidents.open")], ["all", t("inspector.all")], ...STATUSES.map((value) => [value, term(value)])],
    wanted.get("status") ?? "open",
    { "data-testid": "incident-status-filter" },
  );
  const type = select([["", t("inspector.search.anyType")], ...TYPES.map((value) => [value, term(value)])], wanted.get("type") ?? "", { "data-testid": "incident-type-filter" });
  const facility = select([["", t("inspector.allFacilities")]], "", { "data-testid": "incident-facility-filter" });
  const street = select([["", t("inspector.search.allStreets")]], "", { "data-testid": "incident-street-filter" });
  const fromField = field(t("inspector.kpis.from"), from);
  const toField = field(t("inspector.kpis.to"), to);
  const form = el(
    "form",
    { className: "insp-filters", "data-testid": "incident-filters" },
    field(t("inspector.kpis.period"), period),
    fromField,
    toField,
    field(t("inspector.search.street"), street),
    field(t("inspector.facility"), facility),
    field(t("inspector.search.type"), type),
    field(t("inspector.status"), status),
  );
  const showDates = () => {
    fromField.hidden = toField.hidden = period.value !== "custom";
  };
  showDates();
  // The zone the dates are days of: the chosen facility's, else the first one's in scope.
  const zoneOf = (facilities) => facilityZone(facility.value || [...facilities.keys()][0]);
  return {
    form,
    showDates,
    fill(facilities, query, names) {
      const streets = new Set();
      for (const [id, entry] of facilities) {
        facility.append(new Option(entry.name, id));
        if (entry.street_id) streets.add(entry.street_id);
      }
      for (const id of streets) street.append(new Option(names.get(id) ?? id, id));
      street.closest(".insp-field").hidden = streets.size < 2;
      facility.value = query.get("facility") ?? "";
      street.value = query.get("street") ?? "";
    },
    params(facilities) {
      const zone = zoneOf(facilities);
      const [start, end] = span(period.value, from.value, to.value, zone);
      return {
        status: status.value === "all" ? null : status.value,
        type: type.value || null,
        facility_id: facility.value || null,
        street_id: street.value || null,
        from: start,
        to: end,
      };
    },
    address() {
      const custom = period.value === "custom";
      return {
        period: period.value,
        from: custom ? from.value : null,
        to: custom ? to.value : null,
        status: status.value,
        type: type.value,
        facility: facility.value,
        street: street.value,
      };
    },
    zoneNote(facilities) {
      const zone = zoneOf(facilities);
      return zoneDiffers(zone) ? t("inspector.search.zoneNote", { zone: zoneOffsetLabel(zone) }) : "";
    },
  };
}

// Street id -> name, from the overview's tree.
function streetNames(nodes, found = new Map()) {
  for (const node of nodes) {
    if (node.kind === "street") found.set(node.id, node.name);
    streetNames(node.children ?? [], found);
  }
  return found;
}

// [from, to) as ISO instants: a preset ending now, or whole days on the zone's clock.
function span(period, fromDay, toDay, zone) {
  if (period in PERIODS) return [new Date(Date.now() - PERIODS[period] * DAY_MS).toISOString(), null];
  if (period !== "custom") return [null, null];
  const start = fromDay ? fromZonedInput(`${fromDay}T00:00`, zone).toISOString() : null;
  // The end day is included: the period ends when the next day begins.
  const dayAfter = toDay ? new Date(Date.parse(`${toDay}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10) : null;
  const end = dayAfter ? fromZonedInput(`${dayAfter}T00:00`, zone).toISOString() : null;
  return [start, end];
}

function countsText(incident) {
  const counts = new Map();
  for (const type of incident.event_types) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts].map(([type, n]) => (n > 1 ? `${term(type)} ×${n}` : term(type))).join(", ");
}

function render(incidents, facilities, cameras) {
  const headers = ["inspector.incidents.incident", "inspector.incidents.types", "inspector.facility", "inspector.camera", "inspector.incidents.opened", "inspector.status", "inspector.incidents.escalated"];
  const { node, row } = table(t("inspector.incidents.title"), headers.map((key) => t(key)), "incident-table");
  for (const incident of incidents) {
    const link = el("a", { href: `#/incidents/${incident.id}`, "data-testid": "incident-link", text: t("inspector.incidents.number", { id: incident.id }) });
    row({ "data-testid": "incident-row", "data-incident-id": incident.id, "data-status": incident.status }, [
      link,
      countsText(incident),
      facilityName(facilities, incident.facility_id),
      cameras.get(incident.camera_id) ?? incident.camera_id,
      timeIn(incident.opened_at, incident.facility_id),
      badge("status", incident.status, "incident-status"),
      incident.escalated_to ? term(incident.escalated_to) : "—",
    ]);
  }
  return node;
}
