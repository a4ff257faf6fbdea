// A raster PMTiles v3 reader (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md)
// and a Leaflet layer over it. Everything comes from one file on this hub, read with HTTP
// Range requests: the 127-byte header, the directories (gzip or uncompressed), the tiles.
// Written here rather than vendoring the pmtiles package: it needs only this much.

const HEADER_BYTES = 127;
const FIRST_FETCH = 16384; // the spec keeps the header and root directory in these
const COMPRESSION = { 0: "unknown", 1: "none", 2: "gzip", 3: "br", 4: "zstd" };
const TILE_TYPES = { 2: "image/png", 3: "image/jpeg", 4: "image/webp", 5: "image/avif" };

async function range(url, offset, length) {
  const response = await fetch(url, {
    headers: { Range: `bytes=${offset}-${offset + length - 1}` },
    credentials: "same-origin",
  });
  if (response.status !== 206 && response.status !== 200) {
    throw new Error(`basemap: ${response.status} for bytes ${offset}-${offset + length - 1}`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  // A server that ignores Range sends the whole file.
  return response.status === 200 ? bytes.slice(offset, offset + length) : bytes;
}

async function decompress(bytes, compression) {
  if (compression === 1 || compression === 0) return bytes;
  if (compression !== 2) throw new Error(`basemap: ${COMPRESSION[compression]} is not supported`);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The header's fields (little-endian; 64-bit offsets read as numbers below 2^53). */
export function readHeader(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = new TextDecoder().decode(bytes.subarray(0, 7));
  if (magic !== "PMTiles" || bytes[7] !== 3) throw new Error("basemap: not a PMTiles v3 file");
  const u64 = (at) => Number(view.getBigUint64(at, true));
  const e7 = (at) => view.getInt32(at, true) / 1e7;
  return {
    rootOffset: u64(8),
    rootLength: u64(16),
    metadataOffset: u64(24),
    metadataLength: u64(32),
    leafOffset: u64(40),
    tileDataOffset: u64(56),
    internalCompression: bytes[97],
    tileCompression: bytes[98],
    tileType: bytes[99],
    minZoom: bytes[100],
    maxZoom: bytes[101],
    bounds: [
      [e7(106), e7(102)],
      [e7(114), e7(110)],
    ],
  };
}

/** A directory: entries {tileId, offset, length, runLength}, sorted by tile id. */
export function readDirectory(bytes) {
  let at = 0;
  const varint = () => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[at];
      at += 1;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  };
  const count = varint();
  const entries = [];
  let tileId = 0;
  for (let i = 0; i < count; i += 1) {
    tileId += varint();
    entries.push({ tileId, offset: 0, length: 0, runLength: 0 });
  }
  for (const entry of entries) entry.runLength = varint();
  for (const entry of entries) entry.length = varint();
  entries.forEach((entry, i) => {
    const value = varint();
    entry.offset = value === 0 && i > 0 ? entries[i - 1].offset + entries[i - 1].length : value - 1;
  });
  return entries;
}

/** The spec's tile id: every tile of lower zooms first, then the Hilbert index. */
export function tileId(z, x, y) {
  let id = (4 ** z - 1) / 3;
  for (let s = 2 ** (z - 1); s >= 1; s /= 2) {
    const rx = x & s ? 1 : 0;
    const ry = y & s ? 1 : 0;
    id += s * s * ((3 * rx) ^ ry);
    if (ry === 0) {
      if (rx === 1) [x, y] = [2 ** z - 1 - x, 2 ** z - 1 - y];
      [x, y] = [y, x];
    }
  }
  return id;
}

function find(entries, id) {
  let [low, high] = [0, entries.length - 1];
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (entries[mid].tileId > id) high = mid - 1;
    else low = mid + 1;
  }
  const entry = entries[high];
  if (!entry) return null;
  if (entry.runLength === 0) return entry; // a leaf directory
  return id - entry.tileId < entry.runLength ? entry : null;
}

/** Open a PMTiles archive at `url`: {header, attribution, tile(z, x, y) -> Blob | null}. */
export async function openPmtiles(url) {
  const start = await range(url, 0, FIRST_FETCH);
  if (start.length < HEADER_BYTES) throw new Error("basemap: the file is too short");
  const header = readHeader(start);
  const directory = async (offset, length) => {
    const raw =
      offset + length <= start.length
        ? start.subarray(offset, offset + length)
        : await range(url, offset, length);
    return readDirectory(await decompress(raw, header.internalCompression));
  };
  const root = await directory(header.rootOffset, header.rootLength);
  let attribution = "";
  if (header.metadataLength > 0) {
    try {
      const raw = await range(url, header.metadataOffset, header.metadataLength);
      const text = new TextDecoder().decode(await decompress(raw, header.internalCompression));
      // Shown as text: the file's HTML (links, markup) is not trusted with the page.
      const words = String(JSON.parse(text).attribution ?? "").replace(/<[^>]*>/g, "");
      const escapes = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
      attribution = words.replace(/[&<>"]/g, (c) => escapes[c]);
    } catch {
      attribution = "";
    }
  }
  const leaves = new Map();
  async function tile(z, x, y) {
    const id = tileId(z, x, y);
    let entries = root;
    for (let depth = 0; depth < 4; depth += 1) {
      const entry = find(entries, id);
      if (!entry) return null;
      if (entry.runLength > 0) {
        const bytes = await range(url, header.tileDataOffset + entry.offset, entry.length);
        const type = TILE_TYPES[header.tileType] ?? "application/octet-stream";
        return new Blob([await decompress(bytes, header.tileCompression)], { type });
      }
      const key = entry.offset;
      if (!leaves.has(key)) leaves.set(key, directory(header.leafOffset + entry.offset, entry.length));
      entries = await leaves.get(key);
    }
    return null;
  }
  return { header, attribution, tile };
}

/** A Leaflet layer drawing the archive's tiles (scaled past its zooms), or null if unusable. */
export async function basemapLayer(L, url) {
  const archive = await openPmtiles(url);
  const { header } = archive;
  if (!TILE_TYPES[header.tileType]) return null; // vector tiles: not drawn by this reader
  const Layer = L.GridLayer.extend({
    createTile(coords, done) {
      const img = document.createElement("img");
      img.alt = "";
      img.setAttribute("role", "presentation");
      archive
        .tile(coords.z, coords.x, coords.y)
        .then((blob) => {
          if (!blob) return done(null, img);
          const src = URL.createObjectURL(blob);
          img.onload = () => {
            URL.revokeObjectURL(src);
            done(null, img);
          };
          img.onerror = () => done(new Error("basemap tile"), img);
          img.src = src;
          return undefined;
        })
        .catch((error) => done(error, img));
      return img;
    },
  });
  return new Layer({
    minNativeZoom: header.minZoom,
    maxNativeZoom: header.maxZoom,
    attribution: archive.attribution,
    className: "map-basemap",
  });
}
