// A camera's configuration history, newest first, each older one with "Roll back to this".
import { formatDateTime, hasText, t } from "../i18n.js";
import { el } from "../util.js";
import { sameConfig } from "./draft.js";

function changedSections(config, previous) {
  if (!previous) return [];
  const keys = new Set([...Object.keys(config), ...Object.keys(previous)]);
  return [...keys].filter((key) => JSON.stringify(config[key]) !== JSON.stringify(previous[key])).sort();
}

function describe(version, previous) {
  const parts = [t(`operator.kind.${version.kind}`, { version: version.rolled_back_to })];
  const changed = changedSections(version.config, previous?.config);
  const names = changed.map((key) => (hasText(`operator.part.${key}`) ? t(`operator.part.${key}`) : key));
  if (changed.length) parts.push(t("operator.changed", { sections: names.join(t("operator.listSeparator")) }));
  if (version.note) parts.push(`“${version.note}”`);
  return parts.join(" · ");
}

export function versionList(versions, timeZone, onRollback) {
  const latest = versions[0];
  const items = versions.map((version, index) => {
    const head = el("strong", { text: t("operator.versionN", { version: version.version }) });
    // Versions seeded from the settings file name it as their actor ("settings").
    const actor = version.kind === "seeded" ? t("operator.settingsFile") : version.actor;
    const who = t("operator.byAt", { actor, time: formatDateTime(version.created_at, timeZone) });
    const item = el(
      "li",
      { className: "op-version", "data-testid": "version", "data-version": version.version },
      head,
      index === 0 ? el("span", { className: "badge op-running", text: t("operator.running") }) : null,
      el("span", { className: "op-version-who", text: who }),
      el("span", { className: "op-version-what", text: describe(version, versions[index + 1]) }),
    );
    if (index > 0 && !sameConfig(version.config, latest.config)) {
      const button = el("button", { type: "button", className: "btn btn-plain", "data-testid": `rollback-${version.version}`, text: t("operator.rollBack") });
      button.addEventListener("click", () => onRollback(version.version, button));
      item.append(button);
    }
    return item;
  });
  return el("ol", { className: "op-versions", "data-testid": "version-list" }, ...items);
}
