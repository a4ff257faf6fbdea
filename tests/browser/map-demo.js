// The test page's script: map.js sets up #shown from its data attributes; the tests call
// window.maps.showMap / drawArea with their own options. onChange calls are kept in
// window.changes for the tests to read.
import * as maps from "/static/map.js";

window.maps = maps;
window.changes = [];
window.record = (location, info) => window.changes.push({ location, info });
