// A camera's thresholds as a form generated from the schema: label = description, bounds from it.
import { hasText, t } from "../i18n.js";
import { el } from "../util.js";
import { resolve, schemaField } from "./schema.js";

const SECTIONS = ["fall", "night", "rules", "health", "static"];

function label(section, name, property) {
  const key = `operator.th.${section}.${name}`;
  return hasText(key) ? t(key) : (property.description ?? name);
}

// Edits `draft` in place and calls onChange() after each change.
export function thresholdsForm(schema, draft, onChange) {
  const fps = schema.properties.analysis_fps;
  const root = el(
    "div",
    { className: "op-thresholds", "data-testid": "thresholds-form" },
    schemaField(schema, "analysis_fps", fps, draft.analysis_fps, (value) => {
      draft.analysis_fps = value;
      onChange();
    }, t("operator.analysisFps")),
  );
  for (const section of SECTIONS) {
    const values = (draft[section] ??= {});
    const definition = resolve(schema, schema.properties[section]);
    const fields = Object.entries(definition.properties).map(([name, property]) =>
      schemaField(schema, name, property, values[name] ?? property.default, (parsed) => {
        values[name] = parsed;
        onChange();
      }, label(section, name, property)),
    );
    root.append(
      el(
        "details",
        { className: "op-section", "data-testid": `thresholds-${section}`, open: section === "fall" },
        el("summary", { text: t(`operator.section.${section}`) }),
        el("div", { className: "op-section-fields" }, ...fields),
      ),
    );
  }
  return root;
}
