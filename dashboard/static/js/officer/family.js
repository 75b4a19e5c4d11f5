// The family-notice fields asked for inline when an officer resolves a fall from a card.
// Times are the facility's (its zone is named where the browser's differs).
import { fromZonedInput, t, zoneDiffers, zonedInputValue, zoneOffsetLabel } from "../i18n.js";
import { el } from "../util.js";

const METHODS = ["phone", "sms", "wechat", "in_person", "other"];

export class FamilyFields {
  constructor(prefix) {
    const id = (name) => `${prefix}-family-${name}`;
    this.zone = undefined;
    this.at = el("input", { id: id("at"), type: "datetime-local", "data-testid": "queue-family-at" });
    this.atLabel = el("label", { for: id("at"), text: t("officer.family.when") });
    this.method = el(
      "select",
      { id: id("method"), "data-testid": "queue-family-method" },
      ...METHODS.map((method) => el("option", { value: method, text: t(`method.${method}`) })),
    );
    this.by = el("input", { id: id("by"), type: "text", maxlength: 200, autocomplete: "off", "data-testid": "queue-family-by" });
    this.node = el(
      "fieldset",
      { className: "family", "data-testid": "queue-family", hidden: true },
      el("legend", { text: t("officer.family.legend") }),
      this.atLabel,
      this.at,
      el("label", { for: id("method"), text: t("officer.family.how") }),
      this.method,
      el("label", { for: id("by"), text: t("officer.family.by") }),
      this.by,
    );
  }

  // `zone`: the facility's IANA time zone; the default time is now on its clock.
  show(zone) {
    this.zone = zone;
    const differs = zoneDiffers(zone);
    this.atLabel.textContent = differs
      ? t("officer.family.whenIn", { zone: zoneOffsetLabel(zone) })
      : t("officer.family.when");
    if (this.node.hidden) {
      this.node.hidden = false;
      if (!this.at.value) this.at.value = zonedInputValue(new Date(), zone);
    }
    (this.by.value.trim() ? this.at : this.by).focus();
  }

  hide() {
    this.node.hidden = true;
  }

  // {notified_at, method, by}, or null while it is incomplete.
  value() {
    const by = this.by.value.trim();
    if (this.node.hidden || !this.at.value || !by) return null;
    return { notified_at: fromZonedInput(this.at.value, this.zone).toISOString(), method: this.method.value, by };
  }
}
