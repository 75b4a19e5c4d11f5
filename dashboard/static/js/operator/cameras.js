// The operator's camera list and the form that adds a camera.
import { t } from "../i18n.js";
import { badge, el } from "../util.js";
import { operatorApi } from "./api.js";
import { schemaField } from "./schema.js";
import { sourceFields } from "./source.js";

let uid = 0;

export const cameraHash = (cameraId) => `#/operator/cameras/${encodeURIComponent(cameraId)}`;

export function panel(titleKey, testid, ...children) {
  const id = `op-title-${testid}`;
  return el("section", { className: "panel op-panel", "data-testid": testid, "aria-labelledby": id }, el("h2", { id, text: t(titleKey) }), ...children);
}

export function failed(error) {
  return el("p", { className: "error", role: "alert", "data-testid": "op-error", text: error.message });
}

function cameraRow(camera, facilities) {
  const link = el("a", { href: cameraHash(camera.id), "data-testid": "camera-link", text: camera.name });
  return el(
    "tr",
    { "data-testid": "camera-row", "data-camera-id": camera.id },
    el("th", { scope: "row" }, link),
    el("td", { text: camera.id }),
    el("td", { text: facilities.get(camera.facility_id) ?? camera.facility_id ?? "—" }),
    el("td", { text: camera.source_kind ? t(`operator.sourceKind.${camera.source_kind}`) : "—" }),
    el("td", {}, badge("health", camera.state, "camera-state")),
  );
}

export function mountCameraList(container) {
  const add = el("a", { className: "btn btn-primary", href: "#/operator/cameras/new", "data-testid": "camera-add", text: t("operator.addCamera") });
  const body = el("tbody", {});
  const header = el("tr", {}, ...["name", "id", "facility", "source", "state"].map((key) => el("th", { scope: "col", text: t(`operator.col.${key}`) })));
  const table = el("table", { className: "op-table op-cameras" }, el("thead", {}, header), body);
  const section = panel("operator.camerasTitle", "operator-cameras", add, el("div", { className: "op-scroll" }, table));
  container.append(section);
  Promise.all([operatorApi.cameras(), operatorApi.facilities()])
    .then(([cameras, facilities]) => {
      const names = new Map(facilities.map((facility) => [facility.id, facility.name]));
      body.replaceChildren(...cameras.map((camera) => cameraRow(camera, names)));
      if (!cameras.length) section.append(el("p", { className: "empty", text: t("operator.noCameras") }));
    })
    .catch((error) => section.append(failed(error)));
}

export function facilitySelect(facilities, value, onValue) {
  const select = el("select", { id: `op-facility-${++uid}`, "data-testid": "camera-facility" });
  for (const facility of facilities) select.append(new Option(facility.name, facility.id));
  select.value = value ?? facilities[0]?.id ?? "";
  select.addEventListener("change", () => onValue(select.value));
  onValue(select.value);
  return el("div", { className: "op-field" }, el("label", { for: select.id, text: t("operator.facility") }), select);
}

// Id, name, facility and source of a camera (`config` edited in place).
export function cameraFields(schema, facilities, config, onChange, withId) {
  const set = (name) => (value) => {
    config[name] = value;
    onChange();
  };
  const fields = [];
  if (withId) fields.push(schemaField(schema, "id", schema.properties.id, config.id, set("id"), t("operator.cameraId")));
  fields.push(schemaField(schema, "name", schema.properties.name, config.name, set("name"), t("operator.cameraName")));
  fields.push(facilitySelect(facilities, config.facility, set("facility")));
  return el("div", { className: "op-camera-fields" }, ...fields, sourceFields(schema, config, onChange));
}

export function mountNewCamera(container) {
  const section = panel("operator.newCameraTitle", "operator-new-camera", el("a", { href: "#/operator", className: "back", text: t("operator.backToCameras") }));
  container.append(section);
  Promise.all([operatorApi.schema(), operatorApi.facilities()])
    .then(([schema, facilities]) => section.append(newCameraForm(schema, facilities)))
    .catch((error) => section.append(failed(error)));
}

function newCameraForm(schema, facilities) {
  const config = { id: "", name: "", source: { type: "url" }, analysis_fps: 8 };
  const message = el("p", { className: "op-message", role: "status", "data-testid": "camera-save-message" });
  const save = el("button", { type: "submit", className: "btn btn-primary", "data-testid": "camera-save", text: t("operator.saveCamera") });
  const form = el("form", { className: "op-form", "data-testid": "camera-form" }, cameraFields(schema, facilities, config, () => {}, true), save, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    message.className = "op-message";
    try {
      await operatorApi.add(config);
      location.hash = cameraHash(config.id);
    } catch (error) {
      message.className = "op-message failed";
      message.textContent = error.message;
    } finally {
      save.disabled = false;
    }
  });
  return form;
}
