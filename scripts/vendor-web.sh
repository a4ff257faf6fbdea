#!/usr/bin/env bash
# Rebuild every vendored browser file in src/doorstep/hub/web/static/vendor/ from the npm
# registry: the one place that says how each one was made (package, version, command).
# Nothing here runs when the hub runs; the outputs are committed, and the hub logs their
# SHA-256 in its web manifest. Needs node + npm. Deterministic: a rerun with the same
# versions gives byte-identical files (check with `git diff --stat`).
#   scripts/vendor-web.sh            rebuild everything
#   scripts/vendor-web.sh leaflet    one section (leaflet, natural-earth, ...)
# Add a section for each new vendored package (name it, pin the version, copy its licence).
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR="$PWD/src/doorstep/hub/web/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
only="${1:-}"

log() { printf '\033[1m[vendor]\033[0m %s\n' "$*" >&2; }
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }
# npm_install PACKAGE@VERSION...: into $WORK/node_modules (build-time tools and sources).
npm_install() {
  [ -f "$WORK/package.json" ] || (cd "$WORK" && npm init -y >/dev/null)
  (cd "$WORK" && npm install --no-audit --no-fund --silent "$@")
}

# --- Leaflet 1.9.4 (BSD-2-Clause): the map library map.js drives. -------------------------
# leaflet.esm.min.js: package/dist/leaflet-src.esm.js minified by esbuild (npm ships only
# an unminified ES module; its minified leaflet.js is a UMD script, which would need a
# classic <script> before each map module). 149 KB, 43 KB gzipped.
# leaflet.css: package/dist/leaflet.css without the rules that point at images/ (map.js
# draws no default markers and no layer switcher, so no image is shipped) nor IE's VML
# behaviour, minified by esbuild.
LEAFLET=1.9.4
ESBUILD=0.28.2
if want leaflet; then
  log "leaflet $LEAFLET (esbuild $ESBUILD)"
  npm_install "leaflet@$LEAFLET" "esbuild@$ESBUILD"
  dist="$WORK/node_modules/leaflet/dist"
  "$WORK/node_modules/.bin/esbuild" "$dist/leaflet-src.esm.js" --minify --format=esm \
    --legal-comments=inline --log-level=warning --outfile="$VENDOR/leaflet.esm.min.js"
  grep -v -e 'url(images/' -e 'url(#default#VML)' "$dist/leaflet.css" > "$WORK/leaflet.css"
  "$WORK/node_modules/.bin/esbuild" "$WORK/leaflet.css" --minify --log-level=warning \
    --outfile="$VENDOR/leaflet.css"
  cp "$WORK/node_modules/leaflet/LICENSE" "$VENDOR/leaflet.LICENSE"
fi

# --- Natural Earth 4.1.0 (public domain), from world-atlas 2.0.2 (ISC). ------------------
# natural-earth-110m.json: one GeoJSON FeatureCollection of two features, the land
# (MultiPolygon, properties.kind "land") and the borders between countries
# (MultiLineString, "borders", each shared border once), converted from world-atlas's
# countries-110m.json TopoJSON with topojson-client 3.1.0 and rounded to 3 decimals
# (about 110 m; the 1:110m source's own grid is about 0.0036°). 132 KB, 52 KB gzipped.
# The 1:50m countries would be 1.3 MB (450 KB gzipped) for little more detail at the
# zooms a request is drawn at, so they are not shipped; an operator who wants detail
# configures a PMTiles basemap (DOORSTEP_MAP_PMTILES, docs/web.md).
WORLD_ATLAS=2.0.2
TOPOJSON_CLIENT=3.1.0
if want natural-earth; then
  log "natural earth via world-atlas $WORLD_ATLAS (topojson-client $TOPOJSON_CLIENT)"
  npm_install "world-atlas@$WORLD_ATLAS" "topojson-client@$TOPOJSON_CLIENT"
  cat > "$WORK/natural-earth.mjs" <<'EOF'
import { readFileSync, writeFileSync } from "node:fs";
import { feature, mesh } from "topojson-client";

const [source, target] = process.argv.slice(2);
const topology = JSON.parse(readFileSync(source, "utf8"));
const round = (value) =>
  Array.isArray(value) ? value.map(round) : Math.round(value * 1000) / 1000;
const land = feature(topology, topology.objects.land).features[0].geometry;
const borders = mesh(topology, topology.objects.countries, (a, b) => a !== b);
const collection = {
  type: "FeatureCollection",
  features: [
    { type: "Feature", properties: { kind: "land" }, geometry: { type: land.type, coordinates: round(land.coordinates) } },
    { type: "Feature", properties: { kind: "borders" }, geometry: { type: borders.type, coordinates: round(borders.coordinates) } },
  ],
};
writeFileSync(target, JSON.stringify(collection));
EOF
  (cd "$WORK" && node natural-earth.mjs node_modules/world-atlas/countries-110m.json \
    "$VENDOR/natural-earth-110m.json")
  cp "$WORK/node_modules/world-atlas/LICENSE" "$VENDOR/world-atlas.LICENSE"
fi

# --- htmx 2.0.11 (0BSD): base.html loads it (classic script, defer) on every page. -------
# htmx.min.js as npm ships it (package/dist/htmx.min.js, 52 KB, 17 KB gzipped); its
# settings are base.html's <meta name="htmx-config"> (static/vendor/README.md).
HTMX=2.0.11
if want htmx; then
  log "htmx $HTMX"
  npm_install "htmx.org@$HTMX"
  cp "$WORK/node_modules/htmx.org/dist/htmx.min.js" "$VENDOR/htmx.min.js"
  cp "$WORK/node_modules/htmx.org/LICENSE" "$VENDOR/htmx.LICENSE.txt"
fi

# --- axe-core 4.14.1 (MPL-2.0), for TESTS ONLY: tests/web/vendor/, never served. --------
# axe.min.js as npm ships it; tests/web/test_accessibility.py runs it in Chromium.
AXE_CORE=4.14.1
if want axe-core; then
  log "axe-core $AXE_CORE (tests only)"
  npm_install "axe-core@$AXE_CORE"
  mkdir -p tests/web/vendor
  cp "$WORK/node_modules/axe-core/axe.min.js" tests/web/vendor/axe.min.js
  cp "$WORK/node_modules/axe-core/LICENSE" tests/web/vendor/axe-core.LICENSE
fi

# --- hash-wasm 4.13.0 (MIT): Argon2id for doorstep-keys.js (WebCrypto has none). ---------
# hash-wasm.esm.min.js as npm ships it (package/dist/index.esm.min.js, 216 KB); the
# SHA-256 sums are in static/vendor/README.md.
HASH_WASM=4.13.0
if want hash-wasm; then
  log "hash-wasm $HASH_WASM"
  npm_install "hash-wasm@$HASH_WASM"
  cp "$WORK/node_modules/hash-wasm/dist/index.esm.min.js" "$VENDOR/hash-wasm.esm.min.js"
  cp "$WORK/node_modules/hash-wasm/LICENSE" "$VENDOR/hash-wasm-LICENSE"
fi

# --- The EFF long word list, from @zxcvbn-ts/language-common 4.1.3 (MIT package). -------
# eff-wordlist.txt: package/src/diceware.json written one word a line (owner-strength.js
# suggests passphrases from it). The list's own licence (CC BY 3.0 US) is in
# eff-wordlist.LICENSE.txt, written by hand (static/vendor/README.md), not copied here.
ZXCVBN_COMMON=4.1.3
if want eff-wordlist; then
  log "eff word list from @zxcvbn-ts/language-common $ZXCVBN_COMMON"
  npm_install "@zxcvbn-ts/language-common@$ZXCVBN_COMMON"
  node -e 'const fs = require("fs");
    const words = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    fs.writeFileSync(process.argv[2], words.join("\n") + "\n");' \
    "$WORK/node_modules/@zxcvbn-ts/language-common/src/diceware.json" "$VENDOR/eff-wordlist.txt"
fi

log "done: $(cd "$VENDOR" && ls | tr '\n' ' ')"
