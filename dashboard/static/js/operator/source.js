// Where a camera's pictures come from: the source type and that type's fields, from the schema,
// with "Test connection" showing one picture before anything is saved.
import { hasText, t } from "../i18n.js";
import { el } from "../util.js";
import { operatorApi } from "./api.js";
import { resolve, schemaField } from "./schema.js";

const TYPES = ["url", "file", "usb", "demo"];
let uid = 0;

function fieldLabel(name, property) {
  const key = `operator.src.${name}`;
  return hasText(key) ? t(key) : (property.description ?? name);
}

// Edits `holder.source` (replaced when the type changes) and calls onChange().
export function sourceFields(schema, holder, onChange) {
  const mapping = schema.properties.source.discriminator.mapping;
  const id = `op-source-type-${++uid}`;
  const type = el("select", { id, "data-testid": "source-type" });
  for (const kind of TYPES) type.append(new Option(t(`operator.sourceKind.${kind}`), kind));
  type.value = holder.source?.type ?? "url";
  const fields = el("div", { className: "op-source-fields", "data-testid": "source-fields" });
  const render = () => {
    const definition = resolve(schema, { $ref: mapping[type.value] });
    const source = holder.source;
    const rows = Object.entries(definition.properties)
      .filter(([name]) => name !== "type")
      .map(([name, property]) =>
        schemaField(schema, name, property, source[name] ?? property.default, (value) => {
          if (value === null) delete source[name];
          else source[name] = value;
          onChange();
        }, fieldLabel(name, property)),
      );
    fields.replaceChildren(...rows);
  };
  type.addEventListener("change", () => {
    holder.source = { type: type.value };
    render();
    onChange();
  });
  holder.source ??= { type: type.value };
  render();
  return el(
    "fieldset",
    { className: "op-source" },
    el("legend", { text: t("operator.source") }),
    el("div", { className: "op-field" }, el("label", { for: id, text: t("operator.sourceType") }), type),
    fields,
    sourceTester(holder),
  );
}

// "Test connection": one picture from the source as it is in the form, or why there is none.
function sourceTester(holder) {
  const button = el("button", { type: "button", className: "btn btn-plain", "data-testid": "source-test", text: t("operator.testConnection") });
  const message = el("p", { className: "op-message", role: "status", "data-testid": "source-test-message" });
  const picture = el("img", { className: "op-test-picture", "data-testid": "source-test-picture", alt: t("operator.testPictureAlt"), hidden: true });
  let url = null;
  button.addEventListener("click", async () => {
    button.disabled = true;
    message.className = "op-message";
    message.textContent = t("operator.testing");
    try {
      const blob = await operatorApi.testSource(holder.source, holder.id);
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(blob);
      picture.src = url;
      picture.hidden = false;
      message.textContent = t("operator.testOk");
    } catch (error) {
      picture.hidden = true;
      message.className = "op-message failed";
      message.textContent = t("operator.testFailed", { reason: error.message });
    } finally {
      button.disabled = false;
    }
  });
  return el("div", { className: "op-tester" }, button, message, picture);
}
