// One inspection: record each item pass / fail / not applicable with a note, attach evidence
// (a photo or an event of the facility), and complete it (failed items become hazards).
import { currentLocale, formatDateTime, facilityZone, t } from "../i18n.js";
import { currentUser } from "../session.js";
import { el, fillFacts } from "../util.js";
import { inspectorApi } from "./api.js";
import { INSPECTORS, facilityName, field, loadFacilities, page, select, statusLine, uid, term, badge } from "./common.js";
import { checklistTitle } from "./inspections.js";

const RESULTS = ["pass", "fail", "not_applicable"];
const OPTION_CHARS = 60;

// What an item checks, in the user's language (its id when the inspection has no such item).
function itemText(inspection, itemId) {
  const item = inspection.items.find((entry) => entry.item_id === itemId);
  if (!item) return itemId;
  return currentLocale() === "zh-CN" ? item.text_zh : item.text_en;
}

function shortened(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

export function mountInspection(container, match) {
  const inspectionId = Number(match[1]);
  const title = el("span", { "data-testid": "inspection-title" });
  const state = el("span", { "data-testid": "inspection-state" });
  const root = page("inspection-detail", "inspector.inspection.title", title, state);
  root.prepend(el("a", { className: "back", href: "#/inspections", text: t("inspector.inspection.back") }));
  const status = statusLine("inspection-status-line");
  const body = el("div", { className: "insp-inspection" });
  root.append(status, body);
  container.append(root);
  const view = { inspectionId, title, state, status, body };
  load(view);
}

async function load(view) {
  try {
    const [facilities, checklists, inspection] = await Promise.all([loadFacilities(), inspectorApi.checklists(), inspectorApi.inspection(view.inspectionId)]);
    Object.assign(view, { facilities, checklist: checklists.find((entry) => entry.kind === inspection.checklist_kind) });
    render(view, inspection);
  } catch (error) {
    view.status.fail(error);
  }
}

function render(view, inspection) {
  view.inspection = inspection;
  const zone = facilityZone(inspection.facility_id);
  const editable = inspection.status === "in_progress" && INSPECTORS.includes(currentUser()?.role);
  view.title.textContent = `${view.checklist ? checklistTitle(view.checklist) : term(inspection.checklist_kind)} · ${facilityName(view.facilities, inspection.facility_id)}`;
  view.state.replaceChildren(badge("inspection", inspection.status, "inspection-status-badge"));
  const facts = el("dl", { className: "facts", "data-testid": "inspection-facts" });
  fillFacts(facts, [
    [t("inspector.inspections.mode"), term(inspection.mode)],
    [t("inspector.inspections.inspector"), inspection.inspector],
    [t("inspector.inspections.started"), formatDateTime(inspection.created_at, zone)],
    [t("inspector.inspection.completed"), inspection.completed_at ? formatDateTime(inspection.completed_at, zone) : "—"],
    [t("inspector.note"), inspection.note ?? "—"],
  ]);
  const items = el("form", { className: "insp-items", "data-testid": "inspection-items" }, ...groups(view, inspection, editable));
  const parts = [facts, items];
  if (editable) parts.push(actions(view, items));
  parts.push(evidenceSection(view, inspection, editable));
  if (inspection.hazard_ids.length) parts.push(hazardLinks(inspection));
  view.body.replaceChildren(...parts);
}

function groups(view, inspection, editable) {
  const zh = currentLocale() === "zh-CN";
  const categories = view.checklist?.categories ?? {};
  const order = [...new Set(inspection.items.map((item) => item.category))];
  return order.map((category) => {
    const name = categories[category] ? categories[category][zh ? "zh" : "en"] : term(category);
    const rows = inspection.items.filter((item) => item.category === category).map((item) => itemRow(item, zh, editable));
    return el("section", { className: "insp-block" }, el("h3", { text: name }), ...rows);
  });
}

function itemRow(item, zh, editable) {
  const name = uid(`item-${item.item_id}`);
  const radios = RESULTS.map((result) => {
    const input = el("input", { type: "radio", name, value: result, "data-testid": `result-${result}`, disabled: !editable });
    input.checked = item.result === result;
    input.id = uid("radio");
    return el("span", { className: "insp-radio" }, input, el("label", { for: input.id, text: term(result) }));
  });
  const note = el("input", { type: "text", maxlength: 2000, value: item.note ?? "", "data-testid": "item-note", disabled: !editable });
  const grade = select([["general", term("general")], ["major", term("major")]], item.hazard_grade ?? "general", { "data-testid": "item-grade", disabled: !editable });
  const reference = item.reference ? el("small", { className: "insp-muted", text: item.reference }) : null;
  const gradeField = field(t("inspector.inspection.grade"), grade);
  const showGrade = () => {
    gradeField.hidden = !radios.some((radio) => radio.querySelector("input").checked && radio.querySelector("input").value === "fail");
  };
  showGrade();
  const row = el(
    "fieldset",
    { className: "insp-item", "data-testid": "inspection-item", "data-item-id": item.item_id },
    el("legend", { text: zh ? item.text_zh : item.text_en }),
    reference,
    el("div", { className: "insp-radios" }, ...radios),
    field(t("inspector.note"), note),
    gradeField,
  );
  row.addEventListener("change", showGrade);
  return row;
}

function readResults(items) {
  return [...items.querySelectorAll("[data-testid=inspection-item]")].flatMap((row) => {
    const chosen = row.querySelector("input[type=radio]:checked");
    if (!chosen) return [];
    const note = row.querySelector("[data-testid=item-note]").value.trim() || null;
    const grade = chosen.value === "fail" ? row.querySelector("[data-testid=item-grade]").value : null;
    return [{ item_id: row.dataset.itemId, result: chosen.value, note, hazard_grade: grade }];
  });
}

function actions(view, items) {
  const message = statusLine("inspection-action-status");
  const save = el("button", { type: "button", className: "btn insp-btn", "data-testid": "save-results", text: t("inspector.inspection.save") });
  const complete = el("button", { type: "button", className: "btn btn-resolve", "data-testid": "complete-inspection", text: t("inspector.inspection.complete") });
  const saveResults = async () => {
    const results = readResults(items);
    if (results.length) await inspectorApi.recordResults(view.inspectionId, results);
    return results.length;
  };
  save.addEventListener("click", async () => {
    try {
      const count = await saveResults();
      message.say(t("inspector.inspection.saved", { n: count }));
    } catch (error) {
      message.fail(error);
    }
  });
  complete.addEventListener("click", async () => {
    try {
      await saveResults();
      await inspectorApi.completeInspection(view.inspectionId);
      render(view, await inspectorApi.inspection(view.inspectionId)); // with its evidence
      view.status.say(t("inspector.inspection.done"));
    } catch (error) {
      message.fail(error);
    }
  });
  return el("div", { className: "buttons" }, save, complete, message);
}

function evidenceSection(view, inspection, editable) {
  const zone = facilityZone(inspection.facility_id);
  const list = el("ul", { className: "insp-evidence", "data-testid": "evidence-list" }, ...inspection.evidence.map((entry) => evidenceLine(inspection, entry, zone)));
  if (inspection.evidence.length === 0) list.append(el("li", { className: "empty", text: t("inspector.inspection.noEvidence") }));
  const section = el("section", { className: "insp-block" }, el("h3", { text: t("inspector.inspection.evidence") }), list);
  if (editable) section.append(evidenceForm(view, inspection));
  return section;
}

// "Photo · <the item it shows, in the user's language> · who · when", then its note.
function evidenceLine(inspection, entry, zone) {
  const kind = entry.url ? el("a", { href: entry.url, target: "_blank", rel: "noopener", text: term(entry.kind) }) : term(entry.kind);
  const shows = entry.item_id ? itemText(inspection, entry.item_id) : t("inspector.inspection.wholeInspection");
  return el(
    "li",
    { "data-testid": "evidence-item", "data-item-id": entry.item_id ?? "" },
    kind,
    ` · ${shows} · ${entry.added_by} · ${formatDateTime(entry.added_at, zone)}`,
    entry.note ? el("span", { className: "note", text: entry.note }) : null,
  );
}

function evidenceForm(view, inspection) {
  const items = inspection.items.map((entry) => [entry.item_id, shortened(itemText(inspection, entry.item_id), OPTION_CHARS)]);
  const item = select([["", t("inspector.inspection.wholeInspection")], ...items], "", { "data-testid": "evidence-item-select" });
  const note = el("input", { type: "text", maxlength: 2000, "data-testid": "evidence-note" });
  const file = el("input", { type: "file", accept: "image/jpeg,image/png", "data-testid": "evidence-file" });
  const eventId = el("input", { type: "number", min: 1, inputmode: "numeric", "data-testid": "evidence-event" });
  const message = statusLine("evidence-status");
  const submit = el("button", { type: "submit", className: "btn insp-btn", "data-testid": "evidence-submit", text: t("inspector.inspection.attach") });
  const form = el(
    "form",
    { className: "insp-filters", "data-testid": "evidence-form" },
    field(t("inspector.inspection.item"), item),
    field(t("inspector.noteOptional"), note),
    field(t("inspector.inspection.photo"), file),
    field(t("inspector.inspection.eventId"), eventId),
    submit,
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await attach(view.inspectionId, { item: item.value, note: note.value.trim(), file: file.files[0], eventId: eventId.value });
      render(view, await inspectorApi.inspection(view.inspectionId));
    } catch (error) {
      message.fail(error);
    }
  });
  return form;
}

async function attach(inspectionId, { item, note, file, eventId }) {
  if (file) {
    const form = new FormData();
    form.append("file", file);
    if (item) form.append("item_id", item);
    if (note) form.append("note", note);
    return inspectorApi.uploadEvidence(inspectionId, form);
  }
  if (!eventId) throw new Error(t("inspector.inspection.needEvidence"));
  return inspectorApi.attachEvent(inspectionId, { event_id: Number(eventId), kind: "event", item_id: item || null, note: note || null });
}

function hazardLinks(inspection) {
  const links = inspection.hazard_ids.map((id) => el("li", {}, el("a", { href: `#/hazards/${id}`, "data-testid": "inspection-hazard", text: t("inspector.hazards.number", { id }) })));
  return el("section", { className: "insp-block" }, el("h3", { text: t("inspector.inspection.hazards") }), el("ul", {}, ...links));
}
