// The family-notice fields asked for inline when an officer resolves a fall from the queue.
import { t } from "../i18n.js";
import { el } from "../util.js";

const METHODS = ["phone", "sms", "wechat", "in_person", "other"];

// A datetime-local value for now, in the browser's time (as the event page's form takes it).
function localNow() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export class FamilyFields {
  constructor(prefix) {
    const id = (name) => `${prefix}-family-${name}`;
    this.at = el("input", { id: id("at"), type: "datetime-local", "data-testid": "queue-family-at" });
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
      el("label", { for: id("at"), text: t("officer.family.when") }),
      this.at,
      el("label", { for: id("method"), text: t("officer.family.how") }),
      this.method,
      el("label", { for: id("by"), text: t("officer.family.by") }),
      this.by,
    );
  }

  show() {
    if (this.node.hidden) {
      this.node.hidden = false;
      if (!this.at.value) this.at.value = localNow();
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
    return { notified_at: new Date(this.at.value).toISOString(), method: this.method.value, by };
  }
}
