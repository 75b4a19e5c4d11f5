// Inspections in scope: the list, and starting one of a facility from a checklist.
import { currentLocale, t } from "../i18n.js";
import { currentUser } from "../session.js";
import { el } from "../util.js";
import { inspectorApi } from "./api.js";
import { INSPECTORS, facilityName, field, loadFacilities, page, select, statusLine, table, timeIn, term, badge } from "./common.js";

export const checklistTitle = (checklist) => (currentLocale() === "zh-CN" ? checklist.title_zh : checklist.title_en);

export function mountInspections(container) {
  const root = page("inspector-inspections", "inspector.inspections.title");
  const status = select(
    [["", t("inspector.all")], ["in_progress", term("in_progress")], ["completed", term("completed")]],
    "",
    { "data-testid": "inspection-status-filter" },
  );
  const filters = el("form", { className: "insp-filters" }, field(t("inspector.status"), status));
  const list = el("div", { className: "insp-scroll" });
  const message = statusLine("inspections-status");
  const start = el("div", { "data-testid": "inspection-start-box" });
  root.append(start, filters, message, list);
  container.append(root);
  let facilities = new Map();
  let checklists = [];
  const refresh = async () => {
    try {
      const inspections = await inspectorApi.inspections({ status: status.value, limit: 200 });
      list.replaceChildren(render(inspections, facilities, checklists));
      message.say(inspections.length ? "" : t("inspector.inspections.none"));
    } catch (error) {
      message.fail(error);
    }
  };
  (async () => {
    try {
      [facilities, checklists] = await Promise.all([loadFacilities(), inspectorApi.checklists()]);
      if (INSPECTORS.includes(currentUser()?.role)) start.append(startForm(facilities, checklists));
    } catch (error) {
      message.fail(error);
    }
    await refresh();
  })();
  filters.addEventListener("change", refresh);
}

function startForm(facilities, checklists) {
  const facility = select([...facilities.values()].map((entry) => [entry.id, entry.name]), null, { "data-testid": "start-facility", required: true });
  const checklist = select(checklists.map((entry) => [entry.kind, checklistTitle(entry)]), null, { "data-testid": "start-checklist" });
  const mode = select([["on_site", term("on_site")], ["remote", term("remote")]], "on_site", { "data-testid": "start-mode" });
  const note = el("input", { type: "text", maxlength: 2000, "data-testid": "start-note" });
  const message = statusLine("start-status");
  const form = el(
    "form",
    { className: "insp-filters insp-start", "data-testid": "inspection-start" },
    el("h3", { text: t("inspector.inspections.start") }),
    field(t("inspector.facility"), facility),
    field(t("inspector.inspections.checklist"), checklist),
    field(t("inspector.inspections.mode"), mode),
    field(t("inspector.noteOptional"), note),
    el("button", { type: "submit", className: "btn insp-btn", "data-testid": "start-submit", text: t("inspector.inspections.startButton") }),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const created = await inspectorApi.startInspection({
        facility_id: facility.value,
        checklist_kind: checklist.value,
        mode: mode.value,
        note: note.value.trim() || null,
      });
      location.hash = `#/inspections/${created.id}`;
    } catch (error) {
      message.fail(error);
    }
  });
  return form;
}

function render(inspections, facilities, checklists) {
  const titles = new Map(checklists.map((entry) => [entry.kind, checklistTitle(entry)]));
  const headers = ["inspector.inspections.inspection", "inspector.facility", "inspector.inspections.checklist", "inspector.inspections.mode", "inspector.inspections.inspector", "inspector.status", "inspector.inspections.started", "inspector.inspections.hazards"];
  const { node, row } = table(t("inspector.inspections.title"), headers.map((key) => t(key)), "inspection-table");
  for (const inspection of inspections) {
    row({ "data-testid": "inspection-row", "data-inspection-id": inspection.id }, [
      el("a", { href: `#/inspections/${inspection.id}`, "data-testid": "inspection-link", text: t("inspector.incidents.number", { id: inspection.id }) }),
      facilityName(facilities, inspection.facility_id),
      titles.get(inspection.checklist_kind) ?? term(inspection.checklist_kind),
      term(inspection.mode),
      inspection.inspector,
      badge("inspection", inspection.status, "inspection-status"),
      timeIn(inspection.created_at, inspection.facility_id),
      String(inspection.hazard_ids.length),
    ]);
  }
  return node;
}
