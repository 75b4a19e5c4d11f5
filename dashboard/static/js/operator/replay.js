// A replay's outcome: per recorded clip, which events the proposal keeps, adds and drops.
import { t } from "../i18n.js";
import { el, label } from "../util.js";

const seconds = (value) => (value === null || value === undefined ? "…" : value.toFixed(1));

function eventRow(event) {
  return el(
    "tr",
    { "data-testid": "replay-event", "data-outcome": event.outcome },
    el("td", {}, el("span", { className: `badge op-outcome-${event.outcome}`, text: t(`operator.outcome.${event.outcome}`) })),
    el("td", { text: label(event.type) }),
    el("td", { text: event.zone_id ?? "—" }),
    el("td", { text: t("operator.seconds", { start: seconds(event.start_s), end: seconds(event.end_s) }) }),
  );
}

const wholeSeconds = (value) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

// "Long lie cannot be reproduced from this clip: it needs 60 s of lying and the clip holds 12.0 s."
function limitItem(limit, clipSeconds) {
  const what = label(limit.type) + (limit.zone_id ? ` · ${limit.zone_id}` : "");
  const vars = { type: what, needs: wholeSeconds(limit.needs_s), clip: seconds(clipSeconds), condition: t(`operator.need.${limit.type}`) };
  const run = limit.run === "both" ? "" : t(`operator.limitRun.${limit.run}`);
  return el("li", { "data-testid": "replay-limit", "data-type": limit.type, "data-run": limit.run, title: limit.setting, text: t("operator.cannotReproduce", vars) + run });
}

function clipBlock(clip) {
  const head = el("h4", { text: t("operator.clipOf", { id: clip.event_id }) }, el("span", { className: "op-hint", text: ` ${clip.clip_path}` }));
  const body = [head];
  if (clip.limits?.length) body.push(el("ul", { className: "op-hint", "data-testid": "replay-limits" }, ...clip.limits.map((limit) => limitItem(limit, clip.clip_s))));
  if (clip.error) body.push(el("p", { className: "error", text: clip.error }));
  else if (!clip.events.length) body.push(el("p", { className: "empty", text: t("operator.noReplayEvents") }));
  else {
    const header = el("tr", {}, ...["outcome", "eventType", "zone", "time"].map((key) => el("th", { scope: "col", text: t(`operator.col.${key}`) })));
    body.push(el("table", { className: "op-table" }, el("thead", {}, header), el("tbody", {}, ...clip.events.map(eventRow))));
  }
  return el("article", { className: "op-clip", "data-testid": "replay-clip" }, ...body);
}

export function replayResult(result) {
  const { kept, new: added, dropped } = result.counts;
  const summary = t("operator.replaySummary", { clips: result.clips.length, kept, added, dropped, seconds: result.elapsed_s.toFixed(1) });
  const root = el("div", { className: "op-replay", "data-testid": "replay-result" }, el("p", { "data-testid": "replay-summary", text: summary }));
  if (!result.clips.length) root.append(el("p", { className: "empty", text: t("operator.noClips") }));
  root.append(...result.clips.map(clipBlock));
  return root;
}
