// Incidents in the inspector's scope: filter by status and facility, open one to review it.
import { t } from "../i18n.js";
import { el } from "../util.js";
import { inspectorApi } from "./api.js";
import { facilityName, field, loadFacilities, page, poll, select, statusLine, table, timeIn, term, badge } from "./common.js";

const REFRESH_MS = 10_000;
const OPEN = ["new", "acknowledged", "on_scene"];
const STATUSES = ["new", "acknowledged", "on_scene", "resolved", "false_alarm"];

export function mountIncidents(container, match) {
  const wanted = new URLSearchParams(match[1] ?? "");
  const root = page("inspector-incidents", "inspector.incidents.title");
  const status = select(
    [["open", t("inspector.incidents.open")], ["", t("inspector.all")], ...STATUSES.map((value) => [value, term(value)])],
    wanted.get("status") ?? "open",
    { "data-testid": "incident-status-filter" },
  );
  const facility = select([["", t("inspector.allFacilities")]], "", { "data-testid": "incident-facility-filter" });
  const filters = el("form", { className: "insp-filters" }, field(t("inspector.status"), status), field(t("inspector.facility"), facility));
  const list = el("div", { className: "insp-scroll" });
  const message = statusLine("incidents-status");
  root.append(filters, message, list);
  container.append(root);
  let facilities = new Map();
  let cameras = new Map();
  const refresh = async () => {
    try {
      if (facilities.size === 0) {
        facilities = await loadFacilities();
        for (const [id, entry] of facilities) facility.append(new Option(entry.name, id));
        facility.value = wanted.get("facility") ?? "";
        cameras = new Map((await inspectorApi.cameras()).map((camera) => [camera.id, camera.name]));
      }
      const chosen = status.value;
      const incidents = await inspectorApi.incidents({ limit: 500, status: chosen === "open" ? null : chosen });
      const shown = incidents.filter(
        (incident) => (chosen !== "open" || OPEN.includes(incident.status)) && (!facility.value || incident.facility_id === facility.value),
      );
      list.replaceChildren(render(shown, facilities, cameras));
      message.say(shown.length ? "" : t("inspector.incidents.none"));
    } catch (error) {
      message.fail(error);
    }
  };
  filters.addEventListener("change", refresh);
  return poll(refresh, REFRESH_MS);
}

function render(incidents, facilities, cameras) {
  const headers = ["inspector.incidents.incident", "inspector.incidents.types", "inspector.facility", "inspector.camera", "inspector.incidents.opened", "inspector.status", "inspector.incidents.escalated"];
  const { node, row } = table(t("inspector.incidents.title"), headers.map((key) => t(key)), "incident-table");
  for (const incident of incidents) {
    const link = el("a", { href: `#/incidents/${incident.id}`, "data-testid": "incident-link", text: t("inspector.incidents.number", { id: incident.id }) });
    row({ "data-testid": "incident-row", "data-incident-id": incident.id }, [
      link,
      [...new Set(incident.event_types)].map(term).join(", "),
      facilityName(facilities, incident.facility_id),
      cameras.get(incident.camera_id) ?? incident.camera_id,
      timeIn(incident.opened_at, incident.facility_id),
      badge("status", incident.status, "incident-status"),
      incident.escalated_to ? term(incident.escalated_to) : "—",
    ]);
  }
  return node;
}
