// drawArea: draw a request area (a circle or a polygon) with the mouse, touch or the
// keyboard alone. The crosshair is the map's centre: arrow keys move it, Enter sets the
// circle's centre or adds a corner there. Every value is mirrored in form fields that can
// be edited. onChange gets the location as POST /v1/agency/requests takes it:
// {circle: {latitude, longitude, radius_m}} or {polygon: {type: "Polygon", coordinates}}.

import { AREA, L, baseMap, el, shapeLayer, toShape, uid } from "./map.js";
import { circleRing, describe, distance, destination, km2Text, ringArea, selfIntersects } from "./map-geo.js";

const RADIUS_STEP_M = 25;
const round6 = (value) => Math.round(value * 1e6) / 1e6;

function field(label, attributes = {}) {
  const id = uid("map-field");
  const input = el("input", { id, type: "text", inputmode: "decimal", autocomplete: "off", ...attributes });
  return { input, box: el("div", { class: "field" }, el("label", { for: id }, label), input) };
}

const button = (text, attributes = {}) => el("button", { type: "button", class: "button", ...attributes }, text);

/** A coordinate typed in a field: a number within ±bound, or an error sentence. */
function parse(text, name, bound) {
  const value = Number(String(text).trim());
  if (String(text).trim() === "" || !Number.isFinite(value)) return { error: `${name}: "${text}" is not a number.` };
  if (Math.abs(value) > bound) return { error: `${name}: ${value} is outside -${bound} to ${bound}.` };
  return { value };
}

export async function drawArea(element, options = {}) {
  const maxRadius = options.maxRadiusM ?? 5000;
  const maxVertices = options.maxVertices ?? 199;
  const modes = options.modes ?? ["circle", "polygon"];
  const onChange = options.onChange ?? (() => {});
  const state = { mode: modes[0], centre: null, radius: Math.min(200, maxRadius), vertices: [], closed: false };

  // The page: mode choice, the map with its crosshair, key help, fields, buttons, area.
  const help = el(
    "p",
    { class: "map-help", id: uid("map-help") },
    "On the map: arrow keys move the crosshair (with Shift, finer), + and − zoom, Enter sets the " +
      "centre or adds a corner at the crosshair, Backspace removes the last corner, [ and ] change the radius.",
  );
  const canvas = el("div", { "aria-describedby": help.id });
  const stage = el("div", { class: "map-stage" }, canvas, el("div", { class: "map-crosshair", "aria-hidden": "true" }));
  const crosshairText = el("p", { class: "map-crosshair-text", "aria-live": "polite" });
  const lat = field("Centre latitude", { "data-field": "latitude" });
  const lon = field("Centre longitude", { "data-field": "longitude" });
  const radius = field("Radius (metres)", { inputmode: "numeric", "data-field": "radius_m" });
  const buttons = {
    centre: button("Centre at crosshair", { "data-action": "centre" }),
    smaller: button("Smaller radius", { "data-action": "smaller" }),
    larger: button("Larger radius", { "data-action": "larger" }),
    add: button("Add corner at crosshair", { "data-action": "add" }),
    undo: button("Remove last corner", { "data-action": "undo" }),
    close: button("Close shape", { "data-action": "close" }),
    clear: button("Clear", { class: "button button-quiet", "data-action": "clear" }),
  };
  const circleBox = el(
    "div",
    { class: "map-circle" },
    el("div", { class: "map-fields" }, lat.box, lon.box, radius.box),
    el("div", { class: "cluster" }, buttons.centre, buttons.smaller, buttons.larger),
  );
  const vertexList = el("ol", { class: "map-vertices", "aria-label": "Corners" });
  const polygonBox = el(
    "div",
    { class: "map-polygon" },
    vertexList,
    el("div", { class: "cluster" }, buttons.add, buttons.undo, buttons.close),
  );
  const areaText = el("p", { class: "map-area", role: "status" });
  const errorText = el("p", { class: "map-error", id: uid("map-error"), role: "alert" });
  const hidden = options.name ? el("input", { type: "hidden", name: options.name, value: "" }) : null;
  const modeName = uid("map-mode");
  const radios = modes.map((mode) =>
    el("input", { type: "radio", name: modeName, value: mode, checked: mode === state.mode }),
  );
  const modeBox =
    modes.length > 1
      ? el(
          "fieldset",
          { class: "map-modes cluster" },
          el("legend", {}, "Shape"),
          ...radios.map((radio) => el("label", {}, radio, radio.value === "circle" ? " Circle" : " Polygon")),
        )
      : "";
  element.classList.add("map", "map-draw");
  const clearBox = el("div", { class: "cluster" }, buttons.clear);
  element.replaceChildren(modeBox, stage, help, crosshairText, circleBox, polygonBox, clearBox, areaText, errorText, hidden ?? "");

  const map = await baseMap(canvas, { label: options.label ?? "Map to draw the area on", basemap: options.basemap, keys });
  const drawn = L.layerGroup().addTo(map);
  const handle = (className) =>
    L.marker([0, 0], {
      draggable: true,
      keyboard: false,
      icon: L.divIcon({ className: `map-handle ${className}`, iconSize: [24, 24] }),
    });
  const centreHandle = handle("map-handle-centre");
  const radiusHandle = handle("map-handle-radius");
  let fieldError = "";
  let settle = 0;

  function location() {
    if (fieldError) return null; // a field says something else than the shape: nothing to send
    if (state.mode === "circle") {
      if (!state.centre) return null;
      const [latitude, longitude] = state.centre.map(round6);
      return { circle: { latitude, longitude, radius_m: state.radius } };
    }
    if (!state.closed || state.vertices.length < 3) return null;
    const ring = state.vertices.map(([y, x]) => [round6(x), round6(y)]);
    ring.push(ring[0]);
    if (selfIntersects(ring)) return null;
    return { polygon: { type: "Polygon", coordinates: [ring] } };
  }

  function problem(current, areaM2) {
    if (fieldError) return fieldError;
    if (state.mode === "circle") {
      if (!state.centre) return "";
      if (!(state.radius > 0)) return "Radius: give a number of metres above 0.";
      if (state.radius > maxRadius) return `Radius: ${state.radius} m is over the limit of ${maxRadius} m.`;
    } else if (state.vertices.length >= 3 && state.closed && !current) {
      return "The edges cross: move or remove a corner.";
    }
    const limit = options.maxAreaKm2;
    if (current && limit && areaM2 / 1e6 > limit) {
      return `The area is about ${km2Text(areaM2)}, over the limit of ${limit} km².`;
    }
    return "";
  }

  function renderVertices() {
    if (vertexList.children.length !== state.vertices.length) {
      vertexList.replaceChildren(
        ...state.vertices.map((_, index) => {
          const y = field(`Corner ${index + 1} latitude`, { "data-index": index, "data-axis": "0" });
          const x = field(`Corner ${index + 1} longitude`, { "data-index": index, "data-axis": "1" });
          return el("li", { class: "map-vertex" }, y.box, x.box);
        }),
      );
    }
    for (const input of vertexList.querySelectorAll("input")) {
      const value = state.vertices[input.dataset.index][input.dataset.axis];
      if (document.activeElement !== input) input.value = String(round6(value));
    }
  }

  function render() {
    drawn.clearLayers();
    const circle = state.mode === "circle";
    circleBox.hidden = !circle;
    polygonBox.hidden = circle;
    if (circle && state.centre) {
      shapeLayer({ type: "Circle", center: state.centre, radius_m: state.radius }).addTo(drawn);
      centreHandle.setLatLng(state.centre).addTo(drawn);
      radiusHandle.setLatLng(destination(...state.centre, 90, state.radius)).addTo(drawn);
    } else if (!circle && state.vertices.length) {
      const line = state.closed ? L.polygon : L.polyline;
      line(state.vertices, { ...AREA, interactive: false }).addTo(drawn);
      for (const vertex of state.vertices) L.circleMarker(vertex, { ...AREA, radius: 5, interactive: false }).addTo(drawn);
    }
    // While a field is wrong (or half typed) its text stays as typed.
    const typing = fieldError || (!state.centre && (lat.input.value || lon.input.value));
    for (const [input, value] of [
      [lat.input, state.centre?.[0]],
      [lon.input, state.centre?.[1]],
      [radius.input, state.radius],
    ]) {
      if (!typing) input.value = value === undefined ? "" : String(round6(value));
    }
    renderVertices();
    buttons.close.disabled = state.closed || state.vertices.length < 3;
    buttons.undo.disabled = state.vertices.length === 0;
  }

  function update({ pan = false } = {}) {
    const current = location();
    const shape = toShape(current);
    const areaM2 = shape ? (shape.type === "Circle" ? ringArea(circleRing(...shape.center, shape.radius_m)) : ringArea(shape.coordinates[0])) : 0;
    const error = problem(current, areaM2);
    render();
    if (pan && state.mode === "circle" && state.centre) map.panTo(state.centre, { animate: false });
    const limit = options.maxAreaKm2 ? ` (limit ${options.maxAreaKm2} km²)` : "";
    areaText.textContent = shape ? `Area: about ${km2Text(areaM2)}${limit}.` : incomplete();
    errorText.textContent = error;
    if (hidden) {
      const value = current ? JSON.stringify(current) : "";
      if (hidden.value !== value) {
        hidden.value = value;
        // Once the shape rests (a drag changes it many times a second): a form that checks
        // on "change" (htmx) asks the hub once.
        clearTimeout(settle);
        settle = setTimeout(() => hidden.dispatchEvent(new Event("change", { bubbles: true })), 250);
      }
    }
    const info = { areaM2, error: error || null, description: shape ? describe(shape) : null };
    element.dispatchEvent(new CustomEvent("map-change", { bubbles: true, detail: { location: current, ...info } }));
    onChange(current, info);
  }

  function incomplete() {
    if (state.mode === "circle") return "No centre yet: press Enter on the map, click it, or type the centre.";
    const n = state.vertices.length;
    if (n < 3) return `${n} of at least 3 corners: press Enter on the map or click it to add one.`;
    return `${n} corners: close the shape to finish.`;
  }

  const crosshair = () => {
    const centre = map.getCenter();
    return [centre.lat, centre.lng];
  };
  function setCentre(point) {
    state.centre = point;
    fieldError = "";
    update();
  }
  function setRadius(value) {
    state.radius = Math.max(1, Math.min(maxRadius, Math.round(value)));
    fieldError = "";
    update();
  }
  function addVertex(point) {
    if (state.vertices.length >= maxVertices) {
      errorText.textContent = `A shape may have at most ${maxVertices} corners.`;
      return;
    }
    state.vertices.push(point);
    state.closed = false;
    update();
  }
  function removeVertex() {
    state.vertices.pop();
    state.closed = false;
    update();
  }
  function keys(event) {
    const circle = state.mode === "circle";
    if (event.key === "Enter") circle ? setCentre(crosshair()) : addVertex(crosshair());
    else if ((event.key === "Backspace" || event.key === "Delete") && !circle) removeVertex();
    else if (event.key === "[" && circle) setRadius(state.radius - RADIUS_STEP_M);
    else if (event.key === "]" && circle) setRadius(state.radius + RADIUS_STEP_M);
    else return false;
    return true;
  }

  // Mouse and touch: a click sets the centre or adds a corner; the handles drag.
  map.on("click", (event) => {
    const point = [event.latlng.lat, event.latlng.lng];
    if (state.mode === "circle") setCentre(point);
    else if (!state.closed) addVertex(point);
  });
  centreHandle.on("drag", () => {
    const { lat: y, lng: x } = centreHandle.getLatLng();
    state.centre = [y, x];
    update();
  });
  radiusHandle.on("drag", () => {
    const { lat: y, lng: x } = radiusHandle.getLatLng();
    setRadius(distance(state.centre, [y, x]));
  });
  map.on("moveend", () => {
    const [y, x] = crosshair();
    crosshairText.textContent = `Crosshair at latitude ${y.toFixed(5)}, longitude ${x.toFixed(5)}.`;
  });

  // Fields: typed values move the shape, and the map to it.
  function centreFromFields() {
    if (!lat.input.value.trim() || !lon.input.value.trim()) {
      state.centre = null; // half typed: no centre yet, and nothing wrong
      fieldError = "";
      return update();
    }
    const y = parse(lat.input.value, "Centre latitude", 90);
    const x = parse(lon.input.value, "Centre longitude", 180);
    const bad = y.error || x.error;
    lat.input.setAttribute("aria-invalid", String(Boolean(y.error)));
    lon.input.setAttribute("aria-invalid", String(Boolean(x.error)));
    fieldError = bad ?? "";
    if (bad) return update();
    state.centre = [y.value, x.value];
    return update({ pan: true });
  }
  lat.input.addEventListener("change", centreFromFields);
  lon.input.addEventListener("change", centreFromFields);
  radius.input.addEventListener("change", () => {
    const value = Number(radius.input.value.trim());
    const bad = !Number.isFinite(value) || value <= 0 || value > maxRadius || radius.input.value.trim() === "";
    radius.input.setAttribute("aria-invalid", String(bad));
    if (bad) {
      fieldError = `Radius: give a whole number of metres from 1 to ${maxRadius}.`;
      return update();
    }
    return setRadius(value);
  });
  vertexList.addEventListener("change", (event) => {
    const input = event.target;
    const axis = Number(input.dataset.axis);
    const parsed = parse(input.value, input.labels[0].textContent, axis === 0 ? 90 : 180);
    input.setAttribute("aria-invalid", String(Boolean(parsed.error)));
    fieldError = parsed.error ?? "";
    if (!parsed.error) state.vertices[Number(input.dataset.index)][axis] = parsed.value;
    update();
  });
  for (const input of [lat.input, lon.input, radius.input]) input.setAttribute("aria-describedby", errorText.id);
  // Enter in a field applies it, and doesn't submit the form the map sits in.
  for (const box of [circleBox, polygonBox]) {
    box.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.target.tagName !== "INPUT") return;
      event.preventDefault();
      event.target.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  // Buttons and the mode.
  buttons.centre.addEventListener("click", () => setCentre(crosshair()));
  buttons.smaller.addEventListener("click", () => setRadius(state.radius - RADIUS_STEP_M));
  buttons.larger.addEventListener("click", () => setRadius(state.radius + RADIUS_STEP_M));
  buttons.add.addEventListener("click", () => addVertex(crosshair()));
  buttons.undo.addEventListener("click", removeVertex);
  buttons.close.addEventListener("click", () => {
    state.closed = true;
    update();
  });
  buttons.clear.addEventListener("click", () => {
    Object.assign(state, { centre: null, vertices: [], closed: false });
    fieldError = "";
    lat.input.value = "";
    lon.input.value = "";
    update();
  });
  for (const radio of radios) {
    radio.addEventListener("change", () => {
      state.mode = radio.value;
      fieldError = "";
      update();
    });
  }

  // The starting shape and view.
  const start = toShape(options.initial);
  if (start?.type === "Circle" && modes.includes("circle")) {
    Object.assign(state, { mode: "circle", centre: [...start.center], radius: start.radius_m });
  } else if (start?.type === "Polygon" && modes.includes("polygon")) {
    const ring = start.coordinates[0].slice(0, -1);
    Object.assign(state, { mode: "polygon", vertices: ring.map(([x, y]) => [y, x]), closed: true });
  }
  for (const radio of radios) radio.checked = radio.value === state.mode;
  if (options.center) map.setView(options.center, options.zoom ?? 15, { animate: false });
  update();
  if (!options.center && location()) {
    const bounds = state.mode === "circle" ? drawn.getLayers()[0].getBounds() : L.latLngBounds(state.vertices);
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17, animate: false });
  }
  map.fire("moveend");

  return {
    map,
    get location() {
      return location();
    },
    setView: (center, zoom) => map.setView(center, zoom ?? map.getZoom(), { animate: false }),
  };
}
