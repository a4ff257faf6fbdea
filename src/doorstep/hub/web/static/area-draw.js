// The request composer: the area drawn with map.js's drawArea goes into the form's
// hidden "location" field (a circle or a GeoJSON polygon, as POST /v1/agency/requests
// takes it), and each change triggers the live check (htmx, on the form's change event).
// The admin's agency form uses the same for a jurisdiction (data-draw-area).

import { drawArea } from './map.js';

/** drawArea's answer as a request location: {circle: {...}} or {polygon: GeoJSON}, or null. */
export function toLocation(area) {
  if (!area) return null;
  if (area.circle || area.polygon) return area;
  if (area.type === 'Polygon') return { polygon: area };
  if (area.type === 'circle' || area.radiusM !== undefined || area.radius_m !== undefined) {
    const center = area.center ?? area;
    const latitude = center.latitude ?? center.lat ?? center[0];
    const longitude = center.longitude ?? center.lng ?? center.lon ?? center[1];
    return { circle: { latitude, longitude, radius_m: area.radius_m ?? area.radiusM ?? area.radius } };
  }
  if (area.geometry) return toLocation(area.geometry);
  return null;
}

function attach(mapElement, input, maxRadiusM) {
  let initial;
  try {
    initial = input.value ? JSON.parse(input.value) : undefined;
  } catch {
    initial = undefined;
  }
  drawArea(mapElement, {
    initial,
    maxRadiusM,
    onChange(area) {
      const location = toLocation(area);
      input.value = location ? JSON.stringify(location) : '';
      input.dispatchEvent(new Event('change', { bubbles: true }));
    },
  });
}

const composer = document.getElementById('area-map');
if (composer) {
  attach(composer, document.getElementById('location'), Number(composer.dataset.maxRadiusM));
}
for (const element of document.querySelectorAll('[data-draw-area]')) {
  attach(element, document.getElementById(element.dataset.target), undefined);
}
