// Zones and lines drawn with the mouse on the camera's picture, or typed in as numbers.
// Corners are normalised (x, y) in [0, 1] of the picture's width and height, as vision/zones.py wants.
import { t } from "../i18n.js";
import { el } from "../util.js";

const ZONE_KINDS = ["bed", "floor", "exit", "restricted", "door", "duty"];
const OUT_SIDES = ["either", "left", "right"];
const SVG = "http://www.w3.org/2000/svg";
const DEFAULT_SIZE = [1600, 900];
let uid = 0;

const round = (value) => Math.round(Math.min(1, Math.max(0, value)) * 1000) / 1000;

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

function nextId(prefix, taken) {
  let n = 1;
  while (taken.includes(`${prefix}-${n}`)) n += 1;
  return `${prefix}-${n}`;
}

function labelled(text, input) {
  const id = input.id || `op-zone-input-${++uid}`;
  input.id = id;
  return el("div", { className: "op-field" }, el("label", { for: id, text }), input);
}

function numberInput(value, onValue, attrs = {}) {
  const input = el("input", { type: "number", step: "any", inputmode: "decimal", value: value ?? "", ...attrs });
  input.addEventListener("change", () => {
    const text = input.value.trim();
    const parsed = text === "" ? null : Number(text);
    const valid = parsed === null ? attrs.required !== true : Number.isFinite(parsed) && input.checkValidity();
    input.toggleAttribute("aria-invalid", !valid);
    if (valid) onValue(parsed);
  });
  return input;
}

function textInput(value, onValue, attrs = {}) {
  const input = el("input", { type: "text", value: value ?? "", ...attrs });
  input.addEventListener("change", () => onValue(input.value.trim() || null));
  return input;
}

function selectInput(options, value, onValue, labelOf) {
  const select = el("select");
  for (const option of options) select.append(new Option(labelOf(option), option ?? ""));
  select.value = value ?? "";
  select.addEventListener("change", () => onValue(select.value || null));
  return select;
}

export class ZoneEditor {
  constructor({ draft, categories, onChange }) {
    this.draft = draft;
    this.categories = categories;
    this.onChange = onChange;
    this.drawing = null; // { what: "zone" | "line", points: [[x, y], ...] }
    this.size = DEFAULT_SIZE;
    draft.zones ??= [];
    draft.lines ??= [];
    this.element = el("div", { className: "op-zones" }, this.toolbar(), this.stage(), this.lists());
    this.renderShapes();
  }

  // The picture to draw on; without one the drawing area is blank at 16:9.
  setPicture(url, alt) {
    this.image.alt = alt;
    this.image.onload = () => {
      this.size = [this.image.naturalWidth, this.image.naturalHeight];
      this.missing.hidden = true;
      this.renderShapes();
    };
    this.image.onerror = () => {
      this.image.removeAttribute("src");
      this.missing.hidden = false;
    };
    this.image.src = url;
  }

  toolbar() {
    this.kind = selectInput(ZONE_KINDS, "exit", () => {}, (kind) => t(`operator.zoneKind.${kind}`));
    this.kind.dataset.testid = "zone-kind";
    this.finish = el("button", { type: "button", className: "btn btn-primary", "data-testid": "draw-finish", text: t("operator.finishZone"), hidden: true });
    this.cancel = el("button", { type: "button", className: "btn btn-plain", "data-testid": "draw-cancel", text: t("operator.cancelDrawing"), hidden: true });
    const drawZone = el("button", { type: "button", className: "btn btn-plain", "data-testid": "zone-draw", text: t("operator.drawZone") });
    const drawLine = el("button", { type: "button", className: "btn btn-plain", "data-testid": "line-draw", text: t("operator.drawLine") });
    this.hint = el("p", { className: "op-hint-line", role: "status", "data-testid": "draw-hint", text: t("operator.drawHint") });
    drawZone.addEventListener("click", () => this.start("zone"));
    drawLine.addEventListener("click", () => this.start("line"));
    this.finish.addEventListener("click", () => this.close());
    this.cancel.addEventListener("click", () => this.stop(t("operator.drawHint")));
    const bar = el("div", { className: "op-toolbar" }, labelled(t("operator.zoneKindLabel"), this.kind), drawZone, drawLine, this.finish, this.cancel);
    return el("div", {}, bar, this.hint);
  }

  stage() {
    this.image = el("img", { className: "op-picture", "data-testid": "zone-picture", alt: "" });
    this.missing = el("p", { className: "op-no-picture", "data-testid": "zone-no-picture", text: t("operator.noPicture"), hidden: true });
    this.canvas = svg("svg", { class: "op-canvas", "data-testid": "zone-canvas", "aria-hidden": "true" });
    this.canvas.addEventListener("click", (event) => this.add(event));
    this.canvas.addEventListener("dblclick", (event) => {
      event.preventDefault();
      if (this.drawing?.what === "zone") this.close();
    });
    return el("div", { className: "op-stage", "data-testid": "zone-stage" }, this.image, this.missing, this.canvas);
  }

  lists() {
    this.zoneList = el("ol", { className: "op-shapes", "data-testid": "zone-list" });
    this.lineList = el("ol", { className: "op-shapes", "data-testid": "line-list" });
    const addZone = el("button", { type: "button", className: "btn btn-plain", "data-testid": "zone-add", text: t("operator.addZone") });
    const addLine = el("button", { type: "button", className: "btn btn-plain", "data-testid": "line-add", text: t("operator.addLine") });
    addZone.addEventListener("click", () => this.addZone([[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6]]));
    addLine.addEventListener("click", () => this.addLine([[0.5, 0.3], [0.5, 0.7]]));
    this.renderLists();
    return el(
      "div",
      { className: "op-shape-lists" },
      el("h3", { text: t("operator.zones") }), this.zoneList, addZone,
      el("h3", { text: t("operator.lines") }), this.lineList, addLine,
    );
  }

  start(what) {
    this.drawing = { what, points: [] };
    this.cancel.hidden = false;
    this.finish.hidden = what !== "zone";
    this.finish.disabled = true;
    this.canvas.classList.add("drawing");
    this.hint.textContent = t(what === "zone" ? "operator.zoneHint" : "operator.lineHint");
    this.renderShapes();
  }

  stop(hint) {
    this.drawing = null;
    this.finish.hidden = true;
    this.cancel.hidden = true;
    this.canvas.classList.remove("drawing");
    this.hint.textContent = hint;
    this.renderShapes();
  }

  add(event) {
    if (!this.drawing) return;
    const box = this.canvas.getBoundingClientRect();
    const point = [round((event.clientX - box.left) / box.width), round((event.clientY - box.top) / box.height)];
    const last = this.drawing.points.at(-1);
    if (last && Math.hypot(last[0] - point[0], last[1] - point[1]) < 0.005) return; // a double-click's second click
    this.drawing.points.push(point);
    if (this.drawing.what === "line" && this.drawing.points.length === 2) {
      this.addLine(this.drawing.points);
      return;
    }
    this.finish.disabled = this.drawing.points.length < 3;
    this.hint.textContent = t("operator.cornersSoFar", { count: this.drawing.points.length });
    this.renderShapes();
  }

  close() {
    if (this.drawing?.points.length >= 3) this.addZone(this.drawing.points);
  }

  addZone(points) {
    const kind = this.kind.value;
    const id = nextId(kind, this.draft.zones.map((zone) => zone.id));
    this.draft.zones.push({ id, kind, polygon: points.map((p) => [...p]) });
    this.changed(true);
    this.stop(t("operator.zoneAdded", { id }));
  }

  addLine(points) {
    const id = nextId("line", this.draft.lines.map((line) => line.id));
    this.draft.lines.push({ id, points: points.map((p) => [...p]), out_side: "either" });
    this.changed(true);
    this.stop(t("operator.lineAdded", { id }));
  }

  changed(structure = false) {
    if (structure) this.renderLists();
    this.renderShapes();
    this.onChange();
  }

  renderShapes() {
    const [width, height] = this.size;
    this.canvas.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.canvas.setAttribute("preserveAspectRatio", "none");
    const px = (value, size) => Math.round(value * size * 10) / 10;
    const scaled = (points) => points.map(([x, y]) => `${px(x, width)},${px(y, height)}`).join(" ");
    const font = Math.max(12, width / 45);
    const shapes = [];
    for (const zone of this.draft.zones) {
      shapes.push(svg("polygon", { points: scaled(zone.polygon), class: `op-zone op-zone-${zone.kind}`, "data-zone-id": zone.id }));
      const [x, y] = zone.polygon[0] ?? [0, 0];
      shapes.push(this.caption(zone.id, x * width, y * height, font));
    }
    for (const line of this.draft.lines) {
      const [[x1, y1], [x2, y2]] = line.points;
      const ends = { x1: px(x1, width), y1: px(y1, height), x2: px(x2, width), y2: px(y2, height) };
      shapes.push(svg("line", { ...ends, class: "op-line", "data-line-id": line.id }));
      shapes.push(this.caption(line.id, x1 * width, y1 * height, font));
    }
    if (this.drawing) {
      const points = this.drawing.points;
      shapes.push(svg("polyline", { points: scaled(points), class: "op-drawing" }));
      for (const [x, y] of points) shapes.push(svg("circle", { cx: x * width, cy: y * height, r: font / 3, class: "op-corner" }));
    }
    this.canvas.replaceChildren(...shapes);
  }

  caption(text, x, y, font) {
    const node = svg("text", { x: x + font / 3, y: y - font / 3, "font-size": font, class: "op-caption" });
    node.textContent = text;
    return node;
  }

  renderLists() {
    this.zoneList.replaceChildren(...this.draft.zones.map((zone, index) => this.zoneItem(zone, index)));
    this.lineList.replaceChildren(...this.draft.lines.map((line, index) => this.lineItem(line, index)));
    if (!this.draft.zones.length) this.zoneList.append(el("li", { className: "empty", text: t("operator.noZones") }));
    if (!this.draft.lines.length) this.lineList.append(el("li", { className: "empty", text: t("operator.noLines") }));
  }

  zoneItem(zone, index) {
    const set = (name) => (value) => {
      zone[name] = value;
      this.changed(name === "kind");
    };
    const fields = [
      labelled(t("operator.shapeId"), textInput(zone.id, set("id"), { required: true, maxlength: 64 })),
      labelled(t("operator.zoneKindLabel"), selectInput(ZONE_KINDS, zone.kind, set("kind"), (k) => t(`operator.zoneKind.${k}`))),
      labelled(t("operator.schedule"), textInput(zone.schedule, set("schedule"), { placeholder: "21:00-06:00", maxlength: 11 })),
      labelled(t("operator.holdS"), numberInput(zone.hold_s, set("hold_s"), { min: 0, max: 86400 })),
    ];
    if (zone.kind === "duty") {
      fields.push(labelled(t("operator.minPeople"), numberInput(zone.min_people ?? 1, set("min_people"), { min: 1, max: 20, step: 1, required: true })));
    }
    if (zone.kind === "restricted") {
      const options = [null, ...this.categories];
      fields.push(labelled(t("operator.category"), selectInput(options, zone.category, set("category"), (c) => (c ? t(`value.${c}`) : t("operator.default")))));
    }
    const remove = el("button", { type: "button", className: "btn btn-plain", "data-testid": "zone-remove", text: t("operator.removeZone") });
    remove.addEventListener("click", () => {
      this.draft.zones.splice(index, 1);
      this.changed(true);
    });
    return this.item("zone", zone.id, t(`operator.zoneKind.${zone.kind}`), fields, this.corners(zone.polygon, 3), remove);
  }

  lineItem(line, index) {
    const set = (name) => (value) => {
      line[name] = value;
      this.changed();
    };
    const fields = [
      labelled(t("operator.shapeId"), textInput(line.id, set("id"), { required: true, maxlength: 64 })),
      labelled(t("operator.outSide"), selectInput(OUT_SIDES, line.out_side ?? "either", set("out_side"), (s) => t(`operator.side.${s}`))),
      labelled(t("operator.schedule"), textInput(line.schedule, set("schedule"), { placeholder: "21:00-06:00", maxlength: 11 })),
    ];
    const remove = el("button", { type: "button", className: "btn btn-plain", "data-testid": "line-remove", text: t("operator.removeLine") });
    remove.addEventListener("click", () => {
      this.draft.lines.splice(index, 1);
      this.changed(true);
    });
    return this.item("line", line.id, t("operator.line"), fields, this.corners(line.points, 2, 2), remove);
  }

  item(what, id, kindText, fields, corners, remove) {
    return el(
      "li",
      { className: "op-shape", "data-testid": `${what}-item`, [`data-${what}-id`]: id },
      el("fieldset", {}, el("legend", { text: `${kindText} · ${id}` }), el("div", { className: "op-shape-fields" }, ...fields), corners, remove),
    );
  }

  // The corners as numbers: x and y of each, editable, with add and remove where allowed.
  corners(points, minimum, maximum = 64) {
    const rows = points.map((point, index) => {
      const axis = (axisIndex, name) =>
        labelled(
          t("operator.cornerAxis", { n: index + 1, axis: name }),
          numberInput(point[axisIndex], (value) => {
            point[axisIndex] = round(value ?? 0);
            this.changed();
          }, { min: 0, max: 1, step: 0.001, required: true, "data-testid": `corner-${name}` }),
        );
      const remove = el("button", { type: "button", className: "btn btn-plain", text: t("operator.removeCorner", { n: index + 1 }), disabled: points.length <= minimum });
      remove.addEventListener("click", () => {
        points.splice(index, 1);
        this.changed(true);
      });
      return el("li", { className: "op-corner-row" }, axis(0, "x"), axis(1, "y"), maximum > minimum ? remove : null);
    });
    const list = el("ol", { className: "op-corners", "aria-label": t("operator.corners") }, ...rows);
    if (maximum <= minimum) return list;
    const add = el("button", { type: "button", className: "btn btn-plain", text: t("operator.addCorner"), disabled: points.length >= maximum });
    add.addEventListener("click", () => {
      const [a, b] = [points.at(-1), points[0]];
      points.push([round((a[0] + b[0]) / 2), round((a[1] + b[1]) / 2)]);
      this.changed(true);
    });
    return el("div", {}, list, add);
  }
}
