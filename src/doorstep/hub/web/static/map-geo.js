// Geometry for the maps: circles as the hub draws them (64 vertices), areas, crossings,
// and the words a screen reader hears. Request areas are small (a radius of at most
// 5 km), so distances and areas use the WGS84 ellipsoid's radii of curvature where the
// shape lies: within a small fraction of a per cent of the hub's geodesic figures.

const A = 6378137; // WGS84 semi-major axis, m
const E2 = 0.00669437999014; // WGS84 first eccentricity squared
export const CIRCLE_VERTICES = 64;
const rad = (degrees) => (degrees * Math.PI) / 180;
const deg = (radians) => (radians * 180) / Math.PI;

/** The ellipsoid's meridional and prime-vertical radii of curvature at `lat`: [M, N]. */
function radii(lat) {
  const w = 1 - E2 * Math.sin(rad(lat)) ** 2;
  return [(A * (1 - E2)) / (w * Math.sqrt(w)), A / Math.sqrt(w)];
}

/** The point `distanceM` from (lat, lon) on `bearing` degrees: [lat, lon]. */
export function destination(lat, lon, bearing, distanceM) {
  const [m, n] = radii(lat);
  const north = distanceM * Math.cos(rad(bearing));
  const east = distanceM * Math.sin(rad(bearing));
  return [lat + deg(north / m), lon + deg(east / (n * Math.cos(rad(lat))))];
}

/** The distance in metres between two nearby [lat, lon] points. */
export function distance([lat1, lon1], [lat2, lon2]) {
  const [m, n] = radii((lat1 + lat2) / 2);
  const north = rad(lat2 - lat1) * m;
  const east = rad(lon2 - lon1) * n * Math.cos(rad((lat1 + lat2) / 2));
  return Math.hypot(north, east);
}

/** A closed GeoJSON ring ([lon, lat] pairs) of a circle, as the hub makes it. */
export function circleRing(lat, lon, radiusM) {
  const ring = [];
  for (let index = 0; index < CIRCLE_VERTICES; index += 1) {
    const [y, x] = destination(lat, lon, (index * 360) / CIRCLE_VERTICES, radiusM);
    ring.push([x, y]);
  }
  ring.push(ring[0]);
  return ring;
}

/** The area of a closed [lon, lat] ring in m² (orientation ignored): its area on the
 * sphere, scaled by the ellipsoid's curvature at the ring's middle latitude. */
export function ringArea(ring) {
  const [meridional, vertical] = radii(ring.reduce((sum, [, lat]) => sum + lat, 0) / ring.length);
  let total = 0;
  const n = ring.length - 1; // the last position repeats the first
  for (let i = 0; i < n; i += 1) {
    const [before, here, after] = [ring[i], ring[(i + 1) % n], ring[(i + 2) % n]];
    total += (rad(after[0]) - rad(before[0])) * Math.sin(rad(here[1]));
  }
  return Math.abs((total * meridional * vertical) / 2);
}

/** The area of a GeoJSON Polygon or MultiPolygon in m² (holes taken out). */
export function geometryArea(geometry) {
  const polygons = geometry.type === "MultiPolygon" ? geometry.coordinates : [geometry.coordinates];
  let total = 0;
  for (const [outer, ...holes] of polygons) {
    total += ringArea(outer) - holes.reduce((sum, hole) => sum + ringArea(hole), 0);
  }
  return total;
}

/** Whether two edges of a closed ring cross (a shape the hub refuses as invalid). */
export function selfIntersects(ring) {
  const n = ring.length - 1;
  const side = (a, b, c) => Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
  for (let i = 0; i < n; i += 1) {
    for (let j = i + 1; j < n; j += 1) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue; // neighbours share a vertex
      const [a, b, c, d] = [ring[i], ring[i + 1], ring[j], ring[j + 1]];
      if (side(a, b, c) * side(a, b, d) <= 0 && side(c, d, a) * side(c, d, b) <= 0) return true;
    }
  }
  return false;
}

/** An area in km² to 3 significant figures, as the hub writes it: 500000 -> "0.5 km²". */
export function km2Text(areaM2) {
  const km2 = areaM2 / 1e6;
  if (km2 === 0 || !Number.isFinite(km2)) return `${km2} km²`;
  const decimals = 2 - Math.floor(Math.log10(Math.abs(km2)));
  if (decimals <= 0) return `${Math.round(km2 / 10 ** -decimals) * 10 ** -decimals} km²`;
  return `${Number(km2.toFixed(decimals))} km²`;
}

const coordinate = (value) => Number(value.toFixed(5)).toString();
const point = (lat, lon) => `latitude ${coordinate(lat)}, longitude ${coordinate(lon)}`;

/** The centre of a ring's vertices: [lat, lon]. */
function middle(ring) {
  const positions = ring.slice(0, -1);
  const sum = positions.reduce(([x, y], [lon, lat]) => [x + lon, y + lat], [0, 0]);
  return [sum[1] / positions.length, sum[0] / positions.length];
}

/** A shape in words: what a screen reader says instead of the picture. */
export function describe(shape) {
  if (!shape) return "No area drawn yet.";
  if (shape.type === "Circle") {
    const [lat, lon] = shape.center;
    const area = ringArea(circleRing(lat, lon, shape.radius_m));
    return (
      `A circle of radius ${Math.round(shape.radius_m)} m centred at ${point(lat, lon)}; ` +
      `area about ${km2Text(area)}.`
    );
  }
  const polygons = shape.type === "MultiPolygon" ? shape.coordinates : [shape.coordinates];
  const outer = polygons[0][0];
  const [lat, lon] = middle(outer);
  const area = km2Text(geometryArea(shape));
  if (polygons.length > 1) {
    return `${polygons.length} shapes around ${point(lat, lon)}; area about ${area}.`;
  }
  const corners = outer.length - 1;
  const list =
    corners <= 8
      ? `: ${outer.slice(0, -1).map(([x, y]) => `(${coordinate(y)}, ${coordinate(x)})`).join(", ")}`
      : ` around ${point(lat, lon)}`;
  return `A polygon of ${corners} corners${list}; area about ${area}.`;
}

/** Map cells (GeoJSON polygons) in words. */
export function describeCells(cells, label = "map cells") {
  const polygons = cellPolygons(cells);
  if (polygons.length === 0) return `No ${label}.`;
  const area = polygons.reduce((sum, polygon) => sum + geometryArea(polygon), 0);
  const [lat, lon] = middle(polygons[0].coordinates[0]);
  return `${polygons.length} ${label} around ${point(lat, lon)}, about ${km2Text(area)} in all.`;
}

/** GeoJSON Polygons out of a FeatureCollection, Feature, MultiPolygon, Polygon or list. */
export function cellPolygons(cells) {
  if (!cells) return [];
  if (Array.isArray(cells)) return cells.flatMap(cellPolygons);
  if (cells.type === "FeatureCollection") return cells.features.flatMap(cellPolygons);
  if (cells.type === "Feature") return cellPolygons(cells.geometry);
  if (cells.type === "MultiPolygon") {
    return cells.coordinates.map((coordinates) => ({ type: "Polygon", coordinates }));
  }
  return cells.type === "Polygon" ? [cells] : [];
}
