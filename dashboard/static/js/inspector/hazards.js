// Hazards: the list (grade, deadline, overdue), and one hazard's history with its steps:
// fix with evidence (the facility), verify or reopen (an inspector).
import { currentLocale, facilityZone, formatDateTime, t } from "../i18n.js";
import { currentUser } from "../session.js";
import { el, fillFacts } from "../util.js";
import { inspectorApi } from "./api.js";
import { INSPECTORS, facilityName, field, loadChecklistItems, loadFacilities, page, poll, select, statusLine, table, timeIn, term, badge } from "./common.js";

const REFRESH_MS = 15_000;
const FIXERS = ["facility_officer", "admin"];

export function mountHazards(container, match) {
  const wanted = new URLSearchParams(match[1] ?? "");
  const root = page("inspector-hazards", "inspector.hazards.title");
  const status = select([["", t("inspector.all")], ...["open", "reopened", "fixed", "verified"].map((v) => [v, term(v)])], wanted.get("status") ?? "", { "data-testid": "hazard-status-filter" });
  const grade = select([["", t("inspector.all")], ["general", term("general")], ["major", term("major")]], "", { "data-testid": "hazard-grade-filter" });
  const overdue = el("input", { type: "checkbox", "data-testid": "hazard-overdue-filter" });
  overdue.checked = wanted.get("overdue") === "true";
  const facility = select([["", t("inspector.allFacilities")]], "", { "data-testid": "hazard-facility-filter" });
  const filters = el(
    "form",
    { className: "insp-filters" },
    field(t("inspector.status"), status),
    field(t("inspector.hazards.grade"), grade),
    field(t("inspector.facility"), facility),
    field(t("inspector.hazards.overdueOnly"), overdue, "insp-field insp-check"),
  );
  const list = el("div", { className: "insp-scroll" });
  const message = statusLine("hazards-status");
  root.append(filters, message, list);
  container.append(root);
  let facilities = null;
  let items = new Map();
  const refresh = async () => {
    try {
      if (!facilities) {
        [facilities, items] = await Promise.all([loadFacilities(), loadChecklistItems()]);
        for (const [id, entry] of facilities) facility.append(new Option(entry.name, id));
        facility.value = wanted.get("facility") ?? "";
      }
      const hazards = await inspectorApi.hazards({ status: status.value, grade: grade.value, facility_id: facility.value, overdue: overdue.checked ? "true" : null, limit: 500 });
      list.replaceChildren(render(hazards, facilities, items));
      message.say(hazards.length ? "" : t("inspector.hazards.none"));
    } catch (error) {
      message.fail(error);
    }
  };
  filters.addEventListener("change", refresh);
  return poll(refresh, REFRESH_MS);
}

function render(hazards, facilities, items) {
  const headers = ["inspector.hazards.hazard", "inspector.facility", "inspector.hazards.grade", "inspector.hazards.description", "inspector.hazards.deadline", "inspector.status", "inspector.incidents.escalated"];
  const { node, row } = table(t("inspector.hazards.title"), headers.map((key) => t(key)), "hazard-table");
  for (const hazard of hazards) {
    row({ "data-testid": "hazard-row", "data-hazard-id": hazard.id, className: hazard.overdue ? "overdue" : null }, [
      el("a", { href: `#/hazards/${hazard.id}`, "data-testid": "hazard-link", text: t("inspector.hazards.number", { id: hazard.id }) }),
      facilityName(facilities, hazard.facility_id),
      badge("grade", hazard.grade, "hazard-grade"),
      describe(hazard, items),
      [timeIn(hazard.deadline, hazard.facility_id), hazard.overdue ? el("span", { className: "badge insp-overdue", "data-testid": "hazard-overdue", text: t("inspector.hazards.overdue") }) : null],
      badge("hazard", hazard.status, "hazard-status"),
      hazard.escalated_to ? term(hazard.escalated_to) : "—",
    ]);
  }
  return node;
}

export function mountHazard(container, match) {
  const hazardId = Number(match[1]);
  const title = el("span", { "data-testid": "hazard-title", text: t("inspector.incidents.number", { id: hazardId }) });
  const state = el("span", { "data-testid": "hazard-state" });
  const root = page("hazard-detail", "inspector.hazard.title", title, state);
  root.prepend(el("a", { className: "back", href: "#/hazards", text: t("inspector.hazard.back") }));
  const status = statusLine("hazard-status-line");
  const body = el("div");
  root.append(status, body);
  container.append(root);
  const view = { hazardId, state, status, body };
  (async () => {
    try {
      [view.facilities, view.items] = await Promise.all([loadFacilities(), loadChecklistItems()]);
      await reload(view, hazardId);
    } catch (error) {
      status.fail(error);
    }
  })();
}

function showHazard(view, hazard) {
  const zone = facilityZone(hazard.facility_id);
  view.state.replaceChildren(badge("hazard", hazard.status, "hazard-status-badge"), hazard.overdue ? el("span", { className: "badge insp-overdue", text: t("inspector.hazards.overdue") }) : "");
  const facts = el("dl", { className: "facts", "data-testid": "hazard-facts" });
  fillFacts(facts, [
    [t("inspector.facility"), facilityName(view.facilities, hazard.facility_id)],
    [t("inspector.hazards.grade"), term(hazard.grade)],
    [t("inspector.hazards.description"), describe(hazard, view.items)],
    [t("inspector.hazards.deadline"), formatDateTime(hazard.deadline, zone)],
    [t("inspector.hazard.inspection"), hazard.inspection_id ? `#${hazard.inspection_id}` : "—"],
    [t("inspector.incidents.escalated"), hazard.escalated_to ? term(hazard.escalated_to) : "—"],
  ]);
  const steps = el(
    "ol",
    { className: "history", "data-testid": "hazard-steps" },
    ...hazard.steps.map((step) =>
      el(
        "li",
        { "data-testid": "hazard-step" },
        t("inspector.hazard.step", { action: term(step.action), actor: step.actor, time: formatDateTime(step.at, zone) }),
        step.note ? el("span", { className: "note", text: step.note }) : null,
      ),
    ),
  );
  const evidence = el(
    "ul",
    { className: "insp-evidence", "data-testid": "hazard-evidence" },
    ...hazard.evidence.map((entry) => el("li", {}, entry.url ? el("a", { href: entry.url, target: "_blank", rel: "noopener", text: term(entry.kind) }) : term(entry.kind), evidenceText(entry, zone))),
  );
  if (hazard.evidence.length === 0) evidence.append(el("li", { className: "empty", text: t("inspector.inspection.noEvidence") }));
  const block = (key, ...children) => el("section", { className: "insp-block" }, el("h3", { text: t(key) }), ...children);
  view.body.replaceChildren(
    el("div", { className: "columns" }, el("div", {}, facts, block("inspector.hazard.steps", steps), block("inspector.hazard.evidence", evidence)), el("div", {}, ...actionForms(view, hazard))),
  );
}

// A hazard raised from a failed item without a note is described by the item's text in both
// languages ("<zh> / <en>"): show it in the user's language. Anything else as it was written.
function describe(hazard, items) {
  const item = items.get(hazard.item_id);
  if (!item || hazard.description !== `${item.text_zh} / ${item.text_en}`) return hazard.description;
  return currentLocale() === "zh-CN" ? item.text_zh : item.text_en;
}

function evidenceText(entry, zone) {
  const event = entry.event_id ? ` ${t("inspector.incidents.number", { id: entry.event_id })}` : "";
  return `${event} · ${entry.added_by} · ${formatDateTime(entry.added_at, zone)}`;
}

// A step's answer holds the hazard without its evidence; the detail has both.
async function reload(view, hazardId) {
  showHazard(view, await inspectorApi.hazard(hazardId));
}

function actionForms(view, hazard) {
  const role = currentUser()?.role;
  const forms = [];
  if (FIXERS.includes(role) && ["open", "reopened"].includes(hazard.status)) forms.push(fixForm(view, hazard));
  if (INSPECTORS.includes(role) && hazard.status === "fixed") forms.push(verifyForm(view, hazard));
  if (INSPECTORS.includes(role) && ["fixed", "verified"].includes(hazard.status)) forms.push(reopenForm(view, hazard));
  if (forms.length === 0) forms.push(el("p", { className: "empty", text: t("inspector.hazard.nothingToDo") }));
  return forms;
}

function actionForm(testid, titleKey, fields, buttonKey, submit) {
  const message = statusLine(`${testid}-status`);
  const button = el("button", { type: "submit", className: "btn insp-btn", "data-testid": `${testid}-submit`, text: t(buttonKey) });
  const form = el("form", { className: "insp-action", "data-testid": testid }, el("h3", { text: t(titleKey) }), ...fields, button, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      await submit();
    } catch (error) {
      message.fail(error);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function fixForm(view, hazard) {
  const note = el("textarea", { rows: 2, maxlength: 2000, required: true, "data-testid": "fix-note" });
  const file = el("input", { type: "file", accept: "image/jpeg,image/png", "data-testid": "fix-file" });
  const eventId = el("input", { type: "number", min: 1, "data-testid": "fix-event" });
  const fields = [field(t("inspector.note"), note), field(t("inspector.inspection.photo"), file), field(t("inspector.inspection.eventId"), eventId)];
  return actionForm("fix-form", "inspector.hazard.fix", fields, "inspector.hazard.fixButton", async () => {
    const form = new FormData();
    form.append("note", note.value.trim());
    if (file.files[0]) form.append("file", file.files[0]);
    else if (eventId.value) form.append("event_id", eventId.value);
    else throw new Error(t("inspector.inspection.needEvidence"));
    await inspectorApi.fixHazard(hazard.id, form);
    await reload(view, hazard.id);
  });
}

function verifyForm(view, hazard) {
  const note = el("textarea", { rows: 2, maxlength: 2000, "data-testid": "verify-note" });
  return actionForm("verify-form", "inspector.hazard.verify", [field(t("inspector.noteOptional"), note)], "inspector.hazard.verifyButton", async () => {
    await inspectorApi.verifyHazard(hazard.id, note.value.trim());
    await reload(view, hazard.id);
  });
}

function reopenForm(view, hazard) {
  const note = el("textarea", { rows: 2, maxlength: 2000, required: true, "data-testid": "reopen-note" });
  const deadline = el("input", { type: "date", "data-testid": "reopen-deadline" });
  const fields = [field(t("inspector.note"), note), field(t("inspector.hazard.newDeadline"), deadline)];
  return actionForm("reopen-form", "inspector.hazard.reopen", fields, "inspector.hazard.reopenButton", async () => {
    const due = deadline.value ? new Date(`${deadline.value}T23:59:00`).toISOString() : null;
    await inspectorApi.reopenHazard(hazard.id, note.value.trim(), due);
    await reload(view, hazard.id);
  });
}
