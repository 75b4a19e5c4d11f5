// KPIs over a chosen period and node: bar charts per node, a line over time, the table, and
// the CSV and PDF downloads of the same rows.
import { currentLocale, formatDateTime, formatNumber, t } from "../i18n.js";
import { el } from "../util.js";
import { inspectorApi } from "./api.js";
import { barChart, lineChart } from "./charts.js";
import { dateInputValue, dayStart, field, page, select, statusLine, table } from "./common.js";

const DAY_MS = 86_400_000;
const MAX_DAYS = 366;
const TREND_POINTS = 12;

export function mountKpis(container) {
  const root = page("inspector-kpis", "inspector.kpis.title");
  const form = controls();
  const downloads = el("p", { className: "insp-downloads", "data-testid": "kpi-downloads" });
  const charts = el("div", { className: "insp-charts", "data-testid": "kpi-charts" });
  const rows = el("div", { className: "insp-scroll", "data-testid": "kpi-table-wrap" });
  const status = statusLine("kpi-status");
  root.append(form.node, downloads, status, charts, rows);
  container.append(root);
  let latest = 0;
  const refresh = async () => {
    const ask = form.read();
    if (ask.error) return status.fail(new Error(ask.error));
    const ticket = ++latest;
    status.say(t("inspector.loading"));
    try {
      const [report, trend] = await Promise.all([inspectorApi.kpis(ask.params), loadTrend(ask)]);
      if (ticket !== latest) return;
      renderDownloads(downloads, ask.params);
      charts.replaceChildren(...renderCharts(report, trend));
      rows.replaceChildren(renderTable(report));
      status.say(report.rows.length ? "" : t("inspector.kpis.noRows"));
    } catch (error) {
      if (ticket === latest) status.fail(error);
    }
  };
  form.node.addEventListener("change", refresh);
  form.node.addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
  form.loadNodes().then(refresh);
  return () => {
    latest = -1;
  };
}

function controls() {
  const today = new Date();
  const preset = select(
    [["7", t("inspector.kpis.last7")], ["30", t("inspector.kpis.last30")], ["90", t("inspector.kpis.last90")], ["custom", t("inspector.kpis.custom")]],
    "30",
    { "data-testid": "kpi-preset" },
  );
  const start = el("input", { type: "date", "data-testid": "kpi-start", value: dateInputValue(new Date(today - 29 * DAY_MS)) });
  const end = el("input", { type: "date", "data-testid": "kpi-end", value: dateInputValue(today) });
  const level = select(["facility", "street", "district"].map((value) => [value, t(`inspector.level.${value}`)]), "facility", { "data-testid": "kpi-level" });
  const node = select([["", t("inspector.kpis.myScope")]], "", { "data-testid": "kpi-node" });
  preset.addEventListener("change", () => {
    if (preset.value === "custom") return;
    start.value = dateInputValue(new Date(Date.now() - (Number(preset.value) - 1) * DAY_MS));
    end.value = dateInputValue(new Date());
  });
  for (const input of [start, end]) input.addEventListener("input", () => (preset.value = "custom"));
  const formNode = el(
    "form",
    { className: "insp-filters", "data-testid": "kpi-form" },
    field(t("inspector.kpis.period"), preset),
    field(t("inspector.kpis.from"), start),
    field(t("inspector.kpis.to"), end),
    field(t("inspector.kpis.level"), level),
    field(t("inspector.kpis.node"), node),
    el("button", { type: "submit", className: "btn insp-btn", "data-testid": "kpi-show", text: t("inspector.kpis.show") }),
  );
  return {
    node: formNode,
    loadNodes: async () => {
      try {
        const overview = await inspectorApi.overview();
        for (const [value, text] of nodeOptions(overview.roots, 0)) node.append(new Option(text, value));
      } catch (error) {
        console.warn("kpi nodes", error);
      }
    },
    read: () => readForm(start.value, end.value, level.value, node.value),
  };
}

function nodeOptions(nodes, depth) {
  return nodes.flatMap((node) => [
    [`${node.kind}:${node.id}`, `${"\u2003".repeat(depth)}${node.name} (${t(`inspector.level.${node.kind}`)})`],
    ...nodeOptions(node.children, depth + 1),
  ]);
}

function readForm(startText, endText, level, nodeValue) {
  if (!startText || !endText) return { error: t("inspector.kpis.needDates") };
  const start = dayStart(startText);
  const end = new Date(dayStart(endText).getTime() + DAY_MS);
  const days = Math.round((end - start) / DAY_MS);
  if (days < 1) return { error: t("inspector.kpis.startAfterEnd") };
  if (days > MAX_DAYS) return { error: t("inspector.kpis.tooLong", { days: MAX_DAYS }) };
  const [kind, id] = nodeValue ? nodeValue.split(/:(.*)/s) : [null, null];
  const params = { level, start: start.toISOString(), end: end.toISOString(), node_kind: kind, node_id: id };
  return { params, start, end, days };
}

// Events and closed events under the node, per slice of the period (facility rows summed).
async function loadTrend(ask) {
  const sliceDays = Math.max(1, Math.ceil(ask.days / TREND_POINTS));
  const slices = [];
  for (let from = ask.start.getTime(); from < ask.end.getTime(); from += sliceDays * DAY_MS) {
    slices.push([new Date(from), new Date(Math.min(from + sliceDays * DAY_MS, ask.end.getTime()))]);
  }
  const reports = await Promise.all(
    slices.map(([from, to]) => inspectorApi.kpis({ ...ask.params, level: "facility", start: from.toISOString(), end: to.toISOString() })),
  );
  return reports.map((report, index) => ({
    label: new Intl.DateTimeFormat(currentLocale(), { month: "numeric", day: "numeric" }).format(slices[index][0]),
    events: report.rows.reduce((sum, row) => sum + row.events, 0),
    closed: report.rows.reduce((sum, row) => sum + row.closed, 0),
  }));
}

function renderDownloads(node, params) {
  const both = { ...params, lang: currentLocale() };
  node.replaceChildren(
    el("span", { text: t("inspector.kpis.download") }),
    el("a", { href: inspectorApi.kpiCsvUrl(params), download: "", "data-testid": "kpi-csv", text: "CSV" }),
    el("a", { href: inspectorApi.kpiPdfUrl(both), download: "", "data-testid": "kpi-pdf", text: "PDF" }),
  );
}

const percent = (value) => (value === null || value === undefined ? "—" : `${formatNumber(value * 100, 1)}%`);
const count = (value) => (value === null || value === undefined ? "—" : formatNumber(value, 0));
const seconds = (value) => (value === null || value === undefined ? "—" : t("inspector.seconds", { n: formatNumber(value, 0) }));

function renderCharts(report, trend) {
  const names = report.rows.map((row) => row.node_name);
  const pick = (key) => report.rows.map((row) => row[key]);
  return [
    barChart({
      title: t("inspector.kpis.chartEvents", { level: t(`inspector.level.${report.level}`).toLowerCase() }),
      categories: names,
      series: [{ label: t("inspector.kpis.events"), values: pick("events") }, { label: t("inspector.kpis.closed"), values: pick("closed") }],
      format: count,
      testid: "chart-events",
    }),
    barChart({
      title: t("inspector.kpis.chartRates"),
      categories: names,
      series: [
        { label: t("inspector.kpis.closureRate"), values: pick("closure_rate") },
        { label: t("inspector.kpis.falseAlarmRate"), values: pick("false_alarm_rate") },
        { label: t("inspector.kpis.onlineRate"), values: pick("camera_online_rate") },
      ],
      format: percent,
      max: 1,
      testid: "chart-rates",
    }),
    barChart({
      title: t("inspector.kpis.chartAck"),
      categories: names,
      series: [
        { label: t("inspector.kpis.p50"), values: pick("ack_p50_s") },
        { label: t("inspector.kpis.p90"), values: pick("ack_p90_s") },
      ],
      format: seconds,
      testid: "chart-ack",
    }),
    lineChart({
      title: t("inspector.kpis.chartTrend"),
      labels: trend.map((slice) => slice.label),
      series: [
        { label: t("inspector.kpis.events"), values: trend.map((slice) => slice.events) },
        { label: t("inspector.kpis.closed"), values: trend.map((slice) => slice.closed) },
      ],
      format: count,
      testid: "chart-trend",
    }),
  ];
}

const COLUMNS = [
  ["inspector.kpis.node", (row) => row.node_name],
  ["inspector.kpis.events", (row) => count(row.events)],
  ["inspector.kpis.closed", (row) => count(row.closed)],
  ["inspector.kpis.ackP50", (row) => seconds(row.ack_p50_s)],
  ["inspector.kpis.closeP50", (row) => seconds(row.close_p50_s)],
  ["inspector.kpis.closureRate", (row) => percent(row.closure_rate)],
  ["inspector.kpis.falseAlarmRate", (row) => percent(row.false_alarm_rate)],
  ["inspector.kpis.onlineRate", (row) => percent(row.camera_online_rate)],
  ["inspector.kpis.hazardsOpen", (row) => count(row.hazards_open)],
  ["inspector.kpis.hazardsOverdue", (row) => count(row.hazards_overdue)],
  ["inspector.kpis.inspections", (row) => count(row.inspections_done)],
];

function renderTable(report) {
  const period = `${formatDateTime(report.start)} – ${formatDateTime(report.end)}`;
  const caption = t("inspector.kpis.tableCaption", { level: t(`inspector.level.${report.level}`).toLowerCase(), period });
  const { node, row: addRow } = table(caption, COLUMNS.map(([key]) => t(key)), "kpi-table");
  for (const row of report.rows) {
    addRow({ "data-testid": "kpi-row", "data-node-id": row.node_id }, COLUMNS.map(([, value]) => value(row)));
  }
  return node;
}
