// Maps of geometry the page already holds: every element with data-show-map draws its
// data-geometry (GeoJSON) and data-cells (H3 cell ids, JSON) with map.js's showMap.

import { showMap } from './map.js';

for (const element of document.querySelectorAll('[data-show-map]')) {
  const read = (name) => (element.dataset[name] ? JSON.parse(element.dataset[name]) : undefined);
  showMap(element, { geometry: read('geometry'), cells: read('cells') });
}
