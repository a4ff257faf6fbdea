// Doorstep maps: Leaflet over the Natural Earth outlines shipped in /static/vendor, and the
// operator's PMTiles basemap when the hub has one (GET /v1/map). Nothing is fetched from
// anywhere but this hub. Two entry points:
//   showMap(element, {geometry, cells, bounds, label})   a read-only map with its words
//   drawArea(element, {initial, maxAreaKm2, onChange})    draw a circle or polygon
// drawArea is in map-draw.js. Elements with data-map="show" or data-map="draw" are set up
// on import from their data attributes (docs/web.md, Maps), so a page needs no script of its own.

import * as L from "./vendor/leaflet.esm.min.js";
import { cellPolygons, circleRing, describe, describeCells } from "./map-geo.js";

export { L };
const here = (path) => new URL(path, import.meta.url).href;
const LAND = { stroke: false, fillColor: "#ece8dc", fillOpacity: 1 };
const BORDERS = { color: "#7b8088", weight: 1, fill: false };
export const AREA = { className: "map-shape", color: "#1f5f99", weight: 3, fillColor: "#1f5f99", fillOpacity: 0.15 };
const CELLS = { className: "map-cell", color: "#8a1c1c", weight: 2, dashArray: "4 4", fillColor: "#8a1c1c", fillOpacity: 0.1 };
const PAN_PX = 80;

let styles = null;
let outlines = null;
let configured = null;
let counter = 0;

/** A fresh id for an element of this page. */
export const uid = (prefix) => `${prefix}-${(counter += 1)}`;

/** An element: el("p", {class: "x", id: "y"}, "text", child...). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

function loadStyles() {
  styles ??= Promise.all(
    [here("./vendor/leaflet.css"), here("./map.css")].map((href) => {
      const present = [...document.querySelectorAll('link[rel="stylesheet"]')].some(
        (link) => link.href === href,
      );
      if (present) return Promise.resolve();
      const link = el("link", { rel: "stylesheet", href });
      const loaded = new Promise((resolve) => {
        link.addEventListener("load", resolve, { once: true });
        link.addEventListener("error", resolve, { once: true });
      });
      document.head.append(link);
      return loaded;
    }),
  );
  return styles;
}

function naturalEarth() {
  outlines ??= fetch(here("./vendor/natural-earth-110m.json"), { credentials: "same-origin" }).then(
    (response) => response.json(),
  );
  return outlines;
}

/** The basemap's URL: the option when given (null: none), else what GET /v1/map says. */
function basemapUrl(option) {
  if (option !== undefined) return Promise.resolve(option || null);
  configured ??= fetch("/v1/map", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : { basemap: null }))
    .then((body) => body.basemap || null)
    .catch(() => null);
  return configured;
}

/** Arrow keys pan (Shift: finer), + and - zoom; `more(event)` handles the rest. */
function keyboard(map, canvas, more) {
  canvas.addEventListener("keydown", (event) => {
    if (event.target !== canvas || event.altKey || event.ctrlKey || event.metaKey) return;
    const step = event.shiftKey ? PAN_PX / 8 : PAN_PX;
    const pan = { ArrowUp: [0, -step], ArrowDown: [0, step], ArrowLeft: [-step, 0], ArrowRight: [step, 0] };
    let handled = true;
    if (pan[event.key]) map.panBy(pan[event.key], { animate: false });
    else if (event.key === "+" || event.key === "=") map.setZoom(map.getZoom() + 1, { animate: false });
    else if (event.key === "-" || event.key === "_") map.setZoom(map.getZoom() - 1, { animate: false });
    else handled = more ? more(event) : false;
    if (handled) event.preventDefault();
  });
}

/**
 * A Leaflet map in `canvas` (focusable, keyboard-operable) with the Natural Earth outlines
 * and, when configured, the basemap. Resolves once the outlines are drawn.
 */
export async function baseMap(canvas, { label = "Map", basemap, keys } = {}) {
  await loadStyles();
  canvas.classList.add("map-canvas");
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "application");
  canvas.setAttribute("aria-roledescription", "map");
  canvas.setAttribute("aria-label", label);
  const map = L.map(canvas, { keyboard: false, minZoom: 1, maxZoom: 19, zoomSnap: 1 });
  map.attributionControl.setPrefix("Leaflet");
  map.setView([20, 0], 2, { animate: false });
  keyboard(map, canvas, keys);
  const data = await naturalEarth();
  const world = L.geoJSON(data, {
    interactive: false,
    style: (feature) => (feature.properties.kind === "land" ? LAND : BORDERS),
    attribution: "Natural Earth",
  }).addTo(map);
  const url = await basemapUrl(basemap);
  if (url) {
    try {
      const { basemapLayer } = await import("./map-pmtiles.js");
      const layer = await basemapLayer(L, url);
      if (layer) {
        layer.addTo(map);
        world.setStyle((feature) => (feature.properties.kind === "land" ? { fillOpacity: 0 } : BORDERS));
      }
    } catch (error) {
      console.warn(`Doorstep map: no basemap (${error.message})`);
    }
  }
  return map;
}

/**
 * A shape from what the API and pages hold: {type: "Circle", center: [lat, lon], radius_m},
 * a request location ({circle: {latitude, longitude, radius_m}} or {polygon}), or GeoJSON
 * (Polygon, MultiPolygon, Feature). Returns {type: "Circle", ...}, a GeoJSON geometry or null.
 */
export function toShape(geometry) {
  if (!geometry) return null;
  if (geometry.type === "Feature") return toShape(geometry.geometry);
  if (geometry.type === "Circle") return geometry;
  if (geometry.circle) {
    const { latitude, longitude, radius_m } = geometry.circle;
    return { type: "Circle", center: [latitude, longitude], radius_m };
  }
  if (geometry.polygon) return toShape(geometry.polygon);
  return geometry.type === "Polygon" || geometry.type === "MultiPolygon" ? geometry : null;
}

/** A Leaflet layer for a shape; a circle is the hub's own 64-vertex polygon. */
export function shapeLayer(shape, style = AREA) {
  if (shape.type === "Circle") {
    const ring = circleRing(shape.center[0], shape.center[1], shape.radius_m);
    return L.polygon(
      ring.map(([lon, lat]) => [lat, lon]),
      { ...style, interactive: false },
    );
  }
  return L.geoJSON(shape, { style, interactive: false });
}

/**
 * A read-only map of a request area and/or map cells (GeoJSON polygons, e.g. from
 * doorstep.hub.web.maps.cells_geojson), with the area in words under it.
 * Resolves to {map, description}.
 */
export async function showMap(element, options = {}) {
  const { geometry, cells, bounds, label = "Map of the area", basemap } = options;
  const shape = toShape(geometry);
  const words = [shape ? describe(shape) : "", cells ? describeCells(cells, options.cellsLabel) : ""];
  const description = el("p", { class: "map-description", id: uid("map-description") });
  description.textContent = words.filter(Boolean).join(" ") || "No area to show.";
  const canvas = el("div", { "aria-describedby": description.id });
  element.classList.add("map");
  element.replaceChildren(canvas, description);
  const map = await baseMap(canvas, { label, basemap });
  const group = L.featureGroup().addTo(map);
  const polygons = cellPolygons(cells);
  if (polygons.length) L.geoJSON({ type: "GeometryCollection", geometries: polygons }, { style: CELLS, interactive: false }).addTo(group);
  if (shape) shapeLayer(shape).addTo(group);
  const fit = bounds ? L.latLngBounds(bounds) : group.getLayers().length ? group.getBounds() : null;
  if (fit && fit.isValid()) map.fitBounds(fit, { padding: [16, 16], maxZoom: 17, animate: false });
  return { map, description: description.textContent };
}

export async function drawArea(element, options = {}) {
  const { drawArea: draw } = await import("./map-draw.js");
  return draw(element, options);
}

/** Set up elements with data-map="show" / "draw" from their JSON data attributes. */
export function setUpMaps(root = document) {
  const json = (value) => (value ? JSON.parse(value) : undefined);
  const number = (value) => (value ? Number(value) : undefined);
  for (const element of root.querySelectorAll("[data-map]:not([data-map-ready])")) {
    element.setAttribute("data-map-ready", "");
    const data = element.dataset;
    const common = { label: data.label, basemap: data.basemap === "none" ? null : undefined };
    if (data.map === "show") {
      showMap(element, { ...common, geometry: json(data.geometry), cells: json(data.cells), bounds: json(data.bounds) });
    } else if (data.map === "draw") {
      drawArea(element, {
        ...common,
        initial: json(data.initial),
        name: data.name,
        maxAreaKm2: number(data.maxAreaKm2),
        maxRadiusM: number(data.maxRadiusM),
        maxVertices: number(data.maxVertices),
        modes: data.modes ? data.modes.split(" ") : undefined,
        center: json(data.center),
        zoom: number(data.zoom),
      });
    }
  }
}

setUpMaps();
