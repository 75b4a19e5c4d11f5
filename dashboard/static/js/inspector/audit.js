// The audit log for administrators and inspectors (the rows about their area): filter by who,
// what, object and period, page back through older rows, export what matches as CSV.
import { facilityZone, formatDateTime, fromZonedInput, t, zoneDiffers, zoneOffsetLabel } from "../i18n.js";
import { el } from "../util.js";
import { inspectorApi, query } from "./api.js";
import { field, loadFacilities, page, select, statusLine, table, term } from "./common.js";
import { actorName, auditAction } from "./review.js";

const PAGE_ROWS = 100;
const DAY_MS = 86_400_000;
const ACTIONS = [
  "incident_transition", "event_transition", "clip_view", "clip_export", "live_view", "snapshot_link_view",
  "legal_hold_placed", "legal_hold_released", "inspection_created", "inspection_completed", "hazard_created",
  "hazard_fixed", "hazard_verified", "login", "login_failed", "login_throttled", "login_unlocked", "logout", "user_created", "password_set",
  "camera_add", "camera_edit", "thresholds_change", "zones_change", "camera_rollback", "camera_replay",
  "camera_seed", "kpis_exported", "media_deleted",
];
const OBJECTS = ["incident", "event", "camera", "inspection", "hazard", "user"];

export function mountAudit(container) {
  const root = page("audit-log", "inspector.auditLog.title");
  const actor = el("input", { type: "text", maxlength: 200, autocomplete: "off", "data-testid": "audit-actor" });
  const action = select([["", t("inspector.auditLog.anyAction")], ...ACTIONS.map((name) => [name, auditAction(name)])], "", { "data-testid": "audit-action" });
  const object = select([["", t("inspector.auditLog.anyObject")], ...OBJECTS.map((name) => [name, term(name)])], "", { "data-testid": "audit-object" });
  const from = el("input", { type: "date", "data-testid": "audit-from" });
  const to = el("input", { type: "date", "data-testid": "audit-to" });
  const form = el(
    "form",
    { className: "insp-filters", "data-testid": "audit-filters" },
    field(t("inspector.auditLog.actor"), actor),
    field(t("inspector.auditLog.action"), action),
    field(t("inspector.auditLog.objectType"), object),
    field(t("inspector.kpis.from"), from),
    field(t("inspector.kpis.to"), to),
  );
  const exportLink = el("a", { className: "btn btn-plain", "data-testid": "audit-export", download: "", text: t("inspector.search.export") });
  const summary = el("p", { className: "insp-muted", "data-testid": "audit-summary" });
  const box = el("div", { className: "insp-scroll" });
  const older = el("button", { type: "button", className: "btn btn-plain", "data-testid": "audit-older", text: t("inspector.auditLog.older"), hidden: true });
  const message = statusLine("audit-status");
  root.append(form, el("div", { className: "insp-search-bar" }, summary, exportLink), message, box, older);
  container.append(root);

  let zone;
  let rows = [];
  const params = () => {
    const day = (text, plusDays = 0) =>
      text ? fromZonedInput(`${new Date(Date.parse(`${text}T00:00:00Z`) + plusDays * DAY_MS).toISOString().slice(0, 10)}T00:00`, zone).toISOString() : null;
    return { actor: actor.value.trim() || null, action: action.value || null, object_type: object.value || null, from: day(from.value), to: day(to.value, 1) };
  };
  const load = async (append) => {
    try {
      zone ??= facilityZone([...(await loadFacilities()).keys()][0]);
      const before = append && rows.length ? rows.at(-1).seq : null;
      const found = await inspectorApi.audit({ ...params(), before_seq: before, limit: PAGE_ROWS });
      rows = append ? [...rows, ...found] : found;
      exportLink.href = `/api/audit.csv${query(params())}`;
      older.hidden = found.length < PAGE_ROWS;
      box.replaceChildren(rows.length ? render(rows, zone) : el("p", { className: "empty", text: t("inspector.auditLog.empty") }));
      const note = zoneDiffers(zone) ? t("inspector.search.zoneNote", { zone: zoneOffsetLabel(zone) }) : "";
      summary.textContent = t("inspector.auditLog.rows", { n: rows.length, zone: note });
      message.say("");
    } catch (error) {
      message.fail(error.status === 403 ? { message: t("inspector.audit.forbidden") } : error);
    }
  };
  form.addEventListener("change", () => load(false));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(false);
  });
  older.addEventListener("click", () => load(true));
  load(false);
  return null;
}

function render(rows, zone) {
  const headers = ["inspector.audit.when", "inspector.audit.who", "inspector.audit.what", "inspector.audit.object", "inspector.auditLog.detail"];
  const { node, row } = table(t("inspector.auditLog.title"), headers.map((key) => t(key)), "audit-log-table");
  for (const entry of rows) {
    row({ "data-testid": "audit-log-row", "data-action": entry.action, "data-seq": entry.seq }, [
      el("time", { datetime: entry.at, text: formatDateTime(entry.at, zone) }),
      actorName(entry.actor),
      auditAction(entry.action),
      `${term(entry.object_type)} ${entry.object_id ?? ""}`.trim(),
      detailCell(entry.detail),
    ]);
  }
  return node;
}

// The row's detail as recorded (JSON, for engineers), folded away.
function detailCell(detail) {
  const text = JSON.stringify(detail);
  if (text === "{}") return "";
  return el(
    "details",
    { className: "insp-detail" },
    el("summary", { text: t("inspector.auditLog.showDetail") }),
    el("code", { translate: "no", text }),
  );
}
