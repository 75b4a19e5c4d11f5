// Form fields generated from the camera configuration's JSON schema (descriptions and bounds).
import { t } from "../i18n.js";
import { el } from "../util.js";

let fieldCount = 0;

// The definition a schema node points at ({"$ref": "#/$defs/Name"}), or the node itself.
export function resolve(schema, node) {
  const ref = node?.$ref;
  return ref ? schema.$defs[ref.split("/").pop()] : node;
}

// What input a property needs: {kind, min, max, nullable, options}.
export function fieldSpec(schema, property) {
  const choices = property.anyOf ?? [];
  const nullable = choices.some((choice) => choice.type === "null");
  const inner = choices.filter((choice) => choice.type !== "null");
  const node = resolve(schema, inner.length === 1 ? inner[0] : property);
  if (inner.length > 1) return { kind: "text", nullable };
  if (node.enum) return { kind: "select", options: node.enum, nullable };
  if (node.type === "boolean") return { kind: "boolean", nullable };
  if (node.type === "number" || node.type === "integer") {
    const min = node.minimum ?? node.exclusiveMinimum;
    const max = node.maximum ?? node.exclusiveMaximum;
    return { kind: "number", integer: node.type === "integer", min, max, nullable };
  }
  return { kind: "text", nullable, pattern: node.pattern, maxLength: node.maxLength };
}

function parse(spec, input) {
  if (spec.kind === "boolean") return input.checked;
  const text = input.value.trim();
  if (text === "") return spec.nullable ? null : undefined;
  if (spec.kind !== "number") return text;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function control(spec, id, value) {
  if (spec.kind === "boolean") return el("input", { id, type: "checkbox", checked: Boolean(value) });
  if (spec.kind === "select") {
    const select = el("select", { id });
    if (spec.nullable) select.append(new Option(t("operator.default"), ""));
    for (const option of spec.options) select.append(new Option(option, option));
    select.value = value ?? "";
    return select;
  }
  const numeric = spec.kind === "number";
  return el("input", {
    id,
    type: numeric ? "number" : "text",
    step: numeric ? (spec.integer ? "1" : "any") : null,
    min: spec.min,
    max: spec.max,
    maxlength: spec.maxLength,
    value: value ?? "",
    inputmode: numeric ? "decimal" : null,
  });
}

// "0 – 10" from a spec's bounds (empty when unbounded).
export function bounds(spec) {
  if (spec.min === undefined && spec.max === undefined) return "";
  return `${spec.min ?? "…"} – ${spec.max ?? "…"}`;
}

// A labelled input for `property` (label: its description), calling onValue(parsed) on change.
export function schemaField(schema, name, property, value, onValue, label = null) {
  const spec = fieldSpec(schema, property);
  const id = `op-field-${++fieldCount}`;
  const input = control(spec, id, value);
  input.dataset.field = name;
  const range = bounds(spec);
  input.setAttribute("aria-describedby", `${id}-hint`);
  input.addEventListener("change", () => {
    const parsed = parse(spec, input);
    input.toggleAttribute("aria-invalid", parsed === undefined || !input.checkValidity());
    if (parsed !== undefined) onValue(parsed);
  });
  return el(
    "div",
    { className: `op-field op-field-${spec.kind}` },
    el("label", { for: id, text: label ?? property.description ?? name }),
    input,
    // The field's key as the settings file spells it, for engineers: monospace, untranslated.
    el("span", { className: "op-hint", id: `${id}-hint` }, el("code", { className: "raw-key", translate: "no", text: name }), range ? ` · ${range}` : null),
  );
}
