// The browser's reader for Doorstep's clip encryption format v1 (docs/crypto-format.md).
//
// No dependencies and no hand-written primitives: AES-256-GCM, X25519, HKDF-SHA256,
// Ed25519 and SHA-256 all come from WebCrypto, which exists only in a secure context
// (https, or http://localhost). Passphrase boxes are not here: WebCrypto has no Argon2id.
// doorstep-keys.js opens and seals them, with a vendored Argon2id (vendor/README.md).
// Written here: encodings, the X25519 public key range check, and JSON read exactly as
// the Python reader reads it, so that both refuse the same headers (same words too).
// doorstep-trust.js checks key lists and key proofs with these.

const encoder = new TextEncoder();

/** Every refusal: a part, key or signature that did not open or verify. */
export class DoorstepCryptoError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'DoorstepCryptoError';
  }
}

export const PARTS = Object.freeze(['clip', 'snapshot', 'details']);
// The blurred twin, sealed under a content key of its own (docs/crypto-format.md).
export const TWIN_PARTS = Object.freeze(['twin_clip', 'twin_snapshot']);
const SEALED_PARTS = Object.freeze([...PARTS, ...TWIN_PARTS]);
const MAGIC = encoder.encode('DOORSTEP');
const PREAMBLE_BYTES = 12;
const MAX_HEADER_BYTES = 4096;
const TAG_BYTES = 16;
const DIGEST_BYTES = 32;
const SIGNATURE_BLOCK_BYTES = DIGEST_BYTES + 64 + TAG_BYTES;
const SIGNATURE_COUNTER = 0xffffffff;
const [FLAG_CHUNK, FLAG_LAST, FLAG_SIGNATURE] = [0, 1, 2];
const [MIN_CHUNK_SIZE, MAX_CHUNK_SIZE] = [1024, 1 << 24];
const WRAPPED_KEY_BYTES = 1 + 32 + 32 + TAG_BYTES;
// WebCrypto imports private keys as PKCS#8 or JWK, never raw; PKCS#8 for X25519 is this
// fixed DER prefix followed by the 32 raw bytes.
const X25519_PKCS8 = Uint8Array.of(
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20);
const X25519_BASE_POINT = Uint8Array.of(9, ...new Uint8Array(31));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const INTEGER = /^-?(0|[1-9]\d*)$/;
const MAX_HEADER_DEPTH = 16;
// X25519 public keys: u below p = 2^255 - 19, and not one of the points of low order.
const X25519_P = 2n ** 255n - 19n;
const X25519_LOW_ORDER = new Set([0n, 1n, X25519_P - 1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n]);
const BINDING_CONTEXT = encoder.encode('doorstep user keys v1\0');
const ATTESTATION_INFO = encoder.encode('doorstep attestation v1\0');

// fail, subtle and bytes are shared with doorstep-keys.js.
export function fail(message, cause) {
  throw new DoorstepCryptoError(message, cause ? { cause } : undefined);
}

export const subtle = () => globalThis.crypto?.subtle
  ?? fail('WebCrypto is unavailable: open this page over https or from localhost');

export function bytes(data, what, length) {
  const out = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  if (!(out instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
  if (length && out.length !== length) fail(`${what} must be ${length} bytes, got ${out.length}`);
  return out;
}

export function concat(parts) {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  parts.reduce((offset, part) => (out.set(part, offset), offset + part.length), 0);
  return out;
}

export const equal = (a, b) => a.length === b.length && a.every((value, i) => value === b[i]);
export const hex = (data) => Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('');
export const sha256 = async (data) => new Uint8Array(await subtle().digest('SHA-256', data));

function canonicalUuid(value, what) {
  if (typeof value !== 'string' || !UUID.test(value)) fail(`${what} is not a UUID: ${value}`);
  return value.toLowerCase();
}

/** Strict standard base64 with padding (the format's b64) to bytes. */
export function fromBase64(text, what = 'the text') {
  if (typeof text !== 'string' || text.length % 4 || !BASE64.test(text)) {
    fail(`${what} is not base64`);
  }
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export function toBase64(data) {
  let text = ''; // in slices: a spread of a large array overflows the call stack
  for (let i = 0; i < data.length; i += 0x8000) {
    text += String.fromCharCode(...data.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/** A number written with a fraction or an exponent: Python's json reads it as a float. */
export class JsonFloat {
  constructor(source) {
    this.source = source;
  }
}

/**
 * JSON.parse of text or UTF-8 bytes as Python's json reads them: a number not written as
 * an integer comes back as a JsonFloat, so that 1024.0 is not taken for the integer 1024.
 * (A BOM stays in the text, so the parse refuses it, as Python's does.) Read what a
 * route serves with this, not with response.json(), before handing it to the checks.
 */
export function parseJson(data) {
  const text = typeof data === 'string' ? data
    : new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data);
  return JSON.parse(text, (key, value, context) => {
    if (typeof value !== 'number') return value;
    if (typeof context?.source !== 'string') {
      fail('this browser cannot read JSON numbers exactly (JSON.parse source text access)');
    }
    return INTEGER.test(context.source) ? value : new JsonFloat(context.source);
  });
}

/** Canonical JSON as doorstep.audit.entries.canonical_json writes it, for the values here. */
export function canonicalJson(value) {
  if (value instanceof JsonFloat) fail(`canonical JSON has no number ${value.source}`);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    // Code point order, as Python sorts keys (UTF-16 order differs above U+FFFF).
    const keys = Object.keys(value).sort((a, b) => compareCodePoints(a, b));
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)}}`;
  }
  return JSON.stringify(value);
}

function compareCodePoints(a, b) {
  const [x, y] = [[...a].map((c) => c.codePointAt(0)), [...b].map((c) => c.codePointAt(0))];
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** Whether objects and arrays in `value` nest more than `levels` deep. */
function deeper(value, levels) {
  if (value === null || typeof value !== 'object' || value instanceof JsonFloat) return false;
  return levels === 0 || Object.values(value).some((item) => deeper(item, levels - 1));
}

// --- Keys -----------------------------------------------------------------------------------

/** A non-extractable X25519 private key from its 32 raw bytes. */
export async function importX25519Private(raw32) {
  const der = concat([X25519_PKCS8, bytes(raw32, 'an X25519 private key', 32)]);
  try {
    return await subtle().importKey('pkcs8', der, { name: 'X25519' }, false, ['deriveBits']);
  } catch (error) {
    return fail('not a usable X25519 private key', error);
  } finally {
    der.fill(0);
  }
}

/**
 * `raw` if it is a canonical X25519 public key not of low order (doorstep.crypto.keys.
 * check_x25519_public, same messages): the top bit clear, u below p, u not a low-order point.
 */
export function checkX25519Public(raw, what = 'an X25519 public key') {
  raw = bytes(raw, what, 32);
  if (raw[31] & 0x80) fail(`${what} has the top bit set: not a canonical encoding`);
  const u = raw.reduceRight((total, byte) => (total << 8n) | BigInt(byte), 0n);
  if (u >= X25519_P) fail(`${what} is not below 2^255 - 19: not a canonical encoding`);
  if (X25519_LOW_ORDER.has(u)) fail(`${what} is a point of low order`);
  return raw;
}

export async function importX25519Public(raw32) {
  const raw = checkX25519Public(raw32);
  return subtle().importKey('raw', raw, { name: 'X25519' }, true, []);
}

export async function importEd25519Public(raw32) {
  const raw = bytes(raw32, 'an Ed25519 public key', 32);
  try {
    return await subtle().importKey('raw', raw, { name: 'Ed25519' }, true, ['verify']);
  } catch (error) {
    return fail('not a valid Ed25519 public key', error);
  }
}

async function x25519(privateKey, peerRaw) {
  const peer = await importX25519Public(peerRaw);
  const bits = await subtle().deriveBits({ name: 'X25519', public: peer }, privateKey, 256);
  return new Uint8Array(bits);
}

/** The raw public key of an X25519 private key, which may stay non-extractable. */
export async function x25519PublicOf(privateKey) {
  try {
    return await x25519(privateKey, X25519_BASE_POINT); // X25519(k, 9) is k's public key
  } catch (error) {
    return fail('not an X25519 private key usable for deriveBits', error);
  }
}

/** hex(SHA-256(raw public key)[0:16]), from the raw bytes or a public CryptoKey. */
export async function keyId(publicKey) {
  const raw = publicKey instanceof CryptoKey
    ? await subtle().exportKey('raw', publicKey)
    : bytes(publicKey, 'a public key', 32);
  return hex(new Uint8Array(await subtle().digest('SHA-256', raw)).subarray(0, 16));
}

/**
 * Check a binding signature (doorstep.crypto.signing_keys.verify_binding): the signing key
 * signed both public keys, so whoever holds the X25519 key made that signing key.
 */
export async function verifyBinding(x25519Public, signingPublic, signature) {
  checkX25519Public(x25519Public);
  const key = await importEd25519Public(signingPublic);
  if (bytes(signature, 'a binding signature').length !== 64) {
    fail(`a binding signature is 64 bytes, got ${signature.length}`);
  }
  const message = concat([BINDING_CONTEXT, x25519Public, signingPublic]);
  if (!(await subtle().verify({ name: 'Ed25519' }, key, signature, message))) {
    fail('the binding signature does not verify for these keys');
  }
}

/** The key id in eight groups of four digits, for people to compare. */
export const fingerprint = (keyIdHex) => keyIdHex.match(/.{1,4}/g).join(' ');
export const clipSubject = (clipId) => canonicalUuid(clipId, 'clip id');
export const homeSubject = (homeKeyId) => `home:${homeKeyId}`;

// --- HKDF and AES-GCM -----------------------------------------------------------------------

async function hkdf(ikm, salt, info, as) {
  const key = await subtle().importKey('raw', ikm, 'HKDF', false, ['deriveBits', 'deriveKey']);
  const params = { name: 'HKDF', hash: 'SHA-256', salt, info };
  if (as === 'bytes') return new Uint8Array(await subtle().deriveBits(params, key, 256));
  // Derived straight into an AES key: its bytes never reach JavaScript.
  return subtle().deriveKey(params, key, { name: 'AES-GCM', length: 256 }, false, ['decrypt']);
}

/** AES-256-GCM open; null when the tag fails, so that callers say what failed. */
async function aeadOpen(key, iv, additionalData, sealed) {
  try {
    const params = { name: 'AES-GCM', iv, additionalData, tagLength: 128 };
    return new Uint8Array(await subtle().decrypt(params, key, sealed));
  } catch (error) {
    if (error?.name === 'OperationError') return null;
    throw error;
  }
}

function nonce(prefix, counter, flag) {
  const out = new Uint8Array(12);
  out.set(prefix);
  new DataView(out.buffer).setUint32(7, counter);
  out[11] = flag;
  return out;
}

function partKeyInfo(clipId, part) {
  if (!SEALED_PARTS.includes(part)) fail(`part ${part} is not one of ${SEALED_PARTS.join(', ')}`);
  return encoder.encode(`doorstep part key v1\0${canonicalUuid(clipId, 'clip id')}\0${part}`);
}

/** The 32 bytes of one part's key (openPart derives it as a non-extractable key). */
export async function partKey(contentKey, clipId, part) {
  const ikm = bytes(contentKey, 'a content key', 32);
  return hkdf(ikm, new Uint8Array(0), partKeyInfo(clipId, part), 'bytes');
}

// --- Wrapped keys ---------------------------------------------------------------------------

/** The 32-byte secret inside an 81-byte wrapped key, for this private key and subject. */
export async function unwrapKey(wrapped, recipientPrivate, subject) {
  wrapped = bytes(wrapped, 'a wrapped key', WRAPPED_KEY_BYTES);
  if (wrapped[0] !== 1) fail(`wrapped key version ${wrapped[0]} is not supported`);
  const ephemeralPublic = checkX25519Public(wrapped.subarray(1, 33));
  const recipientPublic = await x25519PublicOf(recipientPrivate);
  let shared;
  try {
    shared = await x25519(recipientPrivate, ephemeralPublic);
  } catch (error) {
    // Chromium refuses an all-zero X25519 output itself, with an OperationError.
    fail("the wrapped key's ephemeral public key is not usable (a low-order point)", error);
  }
  if (shared.every((b) => b === 0)) fail('the X25519 exchange gave all zeros (a low-order point)');
  const recipientId = await keyId(recipientPublic);
  const info = encoder.encode(`doorstep key wrap v1\0${recipientId}\0${subject}`);
  const kek = await hkdf(shared, concat([ephemeralPublic, recipientPublic]), info, 'key');
  const secret = await aeadOpen(kek, new Uint8Array(12), info, wrapped.subarray(33));
  return secret ?? fail(`the wrapped key does not open with key ${recipientId} for ${subject}: `
    + 'it was wrapped for another recipient or subject, or altered');
}

/** A clip's content key from a member's user key: user key → home key → content key. */
export async function openContentKey(
  { userPrivate, homeKeyId, wrappedHomeKey, clipId, wrappedContentKey }) {
  const homeRaw = await unwrapKey(wrappedHomeKey, userPrivate, homeSubject(homeKeyId));
  let homePrivate;
  try {
    homePrivate = await importX25519Private(homeRaw);
  } finally {
    homeRaw.fill(0);
  }
  const actual = await keyId(await x25519PublicOf(homePrivate));
  if (actual !== homeKeyId) fail(`the unwrapped home key is ${actual}, not ${homeKeyId}`);
  return unwrapKey(wrappedContentKey, homePrivate, clipSubject(clipId));
}

// --- Sealed parts ---------------------------------------------------------------------------

/** A valid RFC 3339 time, as Python's datetime.fromisoformat reads it (no leap second). */
function isTime(text) {
  const match = TIME.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return year >= 1 && day >= 1 && day <= days && hour < 24 && minute < 60 && second < 60;
}

// The checks and messages of doorstep.crypto.format.parse_header, in the same order.
function parseHeader(json) {
  let fields;
  try {
    fields = parseJson(json);
  } catch (error) {
    if (error instanceof DoorstepCryptoError) throw error;
    fail('the header is not UTF-8 JSON', error);
  }
  if (deeper(fields, MAX_HEADER_DEPTH)) {
    fail(`the header nests deeper than ${MAX_HEADER_DEPTH} levels`);
  }
  if (typeof fields !== 'object' || !fields || Array.isArray(fields)) {
    fail('the header is not a JSON object');
  }
  const field = (name, type) => (typeof fields[name] === type ? fields[name]
    : fail(`header field '${name}' is missing or not ${type === 'string' ? 'a str' : 'an int'}`));
  const uuid = (name) => (UUID.test(field(name, 'string')) ? fields[name].toLowerCase()
    : fail(`header field '${name}' is not a UUID: ${fields[name]}`));
  const time = (name) => (isTime(field(name, 'string')) ? fields[name]
    : fail(`header field '${name}' is not an RFC 3339 time: ${fields[name]}`));
  const header = {
    clip_id: uuid('clip_id'),
    camera_id: uuid('camera_id'),
    started_at: time('started_at'),
    ended_at: time('ended_at'),
    part: field('part', 'string'),
  };
  if (!SEALED_PARTS.includes(header.part)) {
    fail(`header part '${header.part}' is not one of ${SEALED_PARTS.join(', ')}`);
  }
  const size = field('chunk_size', 'number');
  if (size < MIN_CHUNK_SIZE || size > MAX_CHUNK_SIZE) {
    fail(`chunk_size ${size} is outside ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE}`);
  }
  const prefix = fromBase64(field('nonce_prefix', 'string'), 'nonce_prefix');
  if (prefix.length !== 7) fail(`nonce_prefix must be 7 bytes, got ${prefix.length}`);
  return {
    ...header,
    chunk_size: size,
    nonce_prefix: prefix,
    device_key_id: field('device_key_id', 'string'),
  };
}

/** Check the preamble, header and signature block; null until enough bytes arrived. */
async function openHead(buffer, want) {
  if (buffer.length < PREAMBLE_BYTES) return null;
  if (!equal(buffer.subarray(0, 8), MAGIC)) {
    fail("not a Doorstep sealed part (the preamble's magic is wrong)");
  }
  if (buffer[8] !== 1 || buffer[9] !== 0) {
    fail(`sealed part version ${buffer[8]} is not supported (this reads 1)`);
  }
  const length = (buffer[10] << 8) | buffer[11];
  if (length < 1 || length > MAX_HEADER_BYTES) {
    fail(`header length ${length} is outside 1..${MAX_HEADER_BYTES}`);
  }
  const end = PREAMBLE_BYTES + length;
  if (buffer.length < end + SIGNATURE_BLOCK_BYTES) return null;
  const aad = buffer.slice(0, end); // every AEAD call authenticates preamble and header
  const header = parseHeader(aad.subarray(PREAMBLE_BYTES));
  if (header.clip_id !== want.clipId) {
    fail(`the part belongs to clip ${header.clip_id}, not ${want.clipId}`);
  }
  if (header.part !== want.part) fail(`the part is a ${header.part}, not a ${want.part}`);
  if (header.device_key_id !== want.deviceId) {
    fail(`the part was signed by device key ${header.device_key_id}, not ${want.deviceId}`);
  }
  const info = partKeyInfo(want.clipId, want.part);
  const key = await hkdf(want.contentKey, new Uint8Array(0), info, 'key');
  const blockNonce = nonce(header.nonce_prefix, SIGNATURE_COUNTER, FLAG_SIGNATURE);
  const sealedBlock = buffer.subarray(end, end + SIGNATURE_BLOCK_BYTES);
  const block = await aeadOpen(key, blockNonce, aad, sealedBlock) ?? fail(
    'the signature block does not authenticate: the header was edited or the content key is wrong');
  const [digest, signature] = [block.slice(0, DIGEST_BYTES), block.slice(DIGEST_BYTES)];
  // The device signature is checked before a single byte of the body is decrypted.
  const message = concat([encoder.encode('doorstep part signature v1\0'), aad, digest]);
  if (!(await subtle().verify({ name: 'Ed25519' }, want.deviceKey, signature, message))) {
    fail(`the device signature does not verify with device key ${want.deviceId}`);
  }
  return { header, aad, key, digest, signature, bodyOffset: end + SIGNATURE_BLOCK_BYTES };
}

async function* pieces(source) {
  if (source instanceof Response) source = source.body;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    yield bytes(source, 'the sealed part');
    return;
  }
  if (typeof source?.getReader !== 'function') throw new TypeError('not a ReadableStream or bytes');
  const reader = source.getReader();
  let done = false;
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) yield read.value;
    done = true;
  } finally {
    if (!done) await reader.cancel().catch(() => {}); // refused early: stop the download
    reader.releaseLock();
  }
}

/**
 * Open a sealed part from a ReadableStream (e.g. fetch().body), a Response or bytes.
 *
 * Chunks are decrypted as bytes arrive and handed to `onChunk(plaintext, index)`, so that
 * playback can start early; but until the promise resolves they are unverified, and when it
 * rejects, callers must throw away what they were given. Resolves to
 * `{header, plaintext, sha256, deviceSignature}` once every check has passed.
 */
export async function openPart(source, { contentKey, clipId, part, devicePublicKey, onChunk }) {
  if (!SEALED_PARTS.includes(part)) fail(`part ${part} is not one of ${SEALED_PARTS.join(', ')}`);
  const deviceKey = devicePublicKey instanceof CryptoKey
    ? devicePublicKey : await importEd25519Public(devicePublicKey);
  const want = {
    contentKey: bytes(contentKey, 'a content key', 32),
    clipId: canonicalUuid(clipId, 'clip id'),
    part,
    deviceKey,
    deviceId: await keyId(deviceKey),
  };
  let [buffer, head, index] = [new Uint8Array(0), null, 0];
  const plain = []; // WebCrypto's SHA-256 is one-shot: the plaintext is hashed at the end
  // Chunk `at` decrypted, or a refusal naming it. WebCrypto opens several at once.
  const decrypt = async (sealed, at, last) => {
    if (at >= SIGNATURE_COUNTER) fail('too many chunks');
    const iv = (flag) => nonce(head.header.nonce_prefix, at, flag);
    const opened = await aeadOpen(head.key, iv(last ? FLAG_LAST : FLAG_CHUNK), head.aad, sealed);
    if (opened) return opened;
    // Opening with the other flag tells truncation and trailing data apart from edits.
    const other = await aeadOpen(head.key, iv(last ? FLAG_CHUNK : FLAG_LAST), head.aad, sealed);
    if (other && last) fail(`truncated: the file ends after chunk ${at}, which is not the last`);
    if (other) fail(`trailing data: bytes follow the last chunk (${at})`);
    return fail(`chunk ${at} does not authenticate: it was edited, reordered, dropped `
      + 'or spliced from another part');
  };
  const deliver = async (opened) => {
    plain.push(opened);
    index += 1;
    if (onChunk) await onChunk(opened, index - 1);
  };
  for await (const piece of pieces(source)) {
    buffer = buffer.length ? concat([buffer, piece]) : piece;
    if (!head) {
      head = await openHead(buffer, want);
      if (!head) continue;
      buffer = buffer.subarray(head.bodyOffset);
    }
    // A chunk is surely not the last one while more bytes follow it. The chunks that
    // arrived together are decrypted side by side, then handed on in order: none after
    // one that fails.
    const step = head.header.chunk_size + TAG_BYTES;
    const count = Math.max(0, Math.floor((buffer.length - 1) / step));
    const opening = Array.from({ length: count },
      (_, i) => decrypt(buffer.subarray(i * step, (i + 1) * step), index + i, false));
    opening.forEach((promise) => promise.catch(() => {})); // only the first refusal counts
    for (const chunk of opening) await deliver(await chunk);
    buffer = buffer.subarray(count * step);
  }
  if (!head) fail(`truncated: the file ends within the header or signature block`);
  if (buffer.length === 0) fail('truncated: the file ends before the first chunk');
  if (buffer.length < TAG_BYTES) fail(`truncated: chunk ${index} is shorter than its tag`);
  await deliver(await decrypt(buffer, index, true));
  const plaintext = concat(plain);
  const digest = new Uint8Array(await subtle().digest('SHA-256', plaintext));
  if (!equal(digest, head.digest)) {
    fail('the decrypted part differs from the digest the device signed');
  }
  return { header: head.header, plaintext, sha256: hex(digest), deviceSignature: head.signature };
}

/** The verified plaintext of a part as a Blob of `type`. */
export async function decryptToBlob(source, options, type = 'application/octet-stream') {
  return new Blob([(await openPart(source, options)).plaintext], { type });
}

function show(element, blob) {
  const [url, previous] = [URL.createObjectURL(blob), element.src];
  element.src = url;
  if (previous.startsWith('blob:')) URL.revokeObjectURL(previous);
  return url;
}

/**
 * Verify a whole sealed clip, then play it in `video` from a Blob URL, which is returned.
 * The element gets nothing before every check passed: a clip refused at its last chunk or
 * digest is never shown. (With fragmented MP4, onChunk could feed a MediaSource sooner.)
 */
export async function playClip(video, source, options) {
  return show(video, await decryptToBlob(source, { ...options, part: 'clip' }, 'video/mp4'));
}

/**
 * Verify a sealed JPEG snapshot, then show it in `img`; returns the Blob URL. `part` is
 * 'snapshot', or 'twin_snapshot' for the blurred twin's (opened with the twin's key).
 */
export async function showSnapshot(img, source, { part = 'snapshot', ...options } = {}) {
  if (part !== 'snapshot' && part !== 'twin_snapshot') fail(`part ${part} is not a snapshot`);
  return show(img, await decryptToBlob(source, { ...options, part }, 'image/jpeg'));
}

// --- Sealed attestations --------------------------------------------------------------------

const isHex = (value, length) => typeof value === 'string'
  && new RegExp(`^[0-9a-f]{${length}}$`).test(value);
const sameFields = (value, names) => value !== null && typeof value === 'object'
  && !Array.isArray(value) && canonicalJson(Object.keys(value).sort()) === canonicalJson(names);

/**
 * Open a clip's sealed attestation (doorstep.crypto.attestation, same checks and messages):
 * `{deviceKeyId, parts: {part: {plaintextSha256: hex, deviceSignature: bytes}}}`.
 */
export async function openAttestation(sealed, { contentKey, clipId }) {
  sealed = bytes(sealed, 'a sealed attestation');
  if (sealed.length < 12 + TAG_BYTES || sealed.length > 4096) {
    fail(`the sealed attestation is ${sealed.length} bytes, outside ${12 + TAG_BYTES}..4096`);
  }
  const id = canonicalUuid(clipId, 'clip id');
  const info = concat([ATTESTATION_INFO, Uint8Array.from(id.replace(/-/g, '').match(/../g),
    (pair) => parseInt(pair, 16))]);
  const ikm = bytes(contentKey, 'a content key', 32);
  const key = await hkdf(ikm, new Uint8Array(0), info, 'key');
  const body = await aeadOpen(key, sealed.subarray(0, 12), new Uint8Array(0), sealed.subarray(12))
    ?? fail(`the sealed attestation does not open with clip ${id}'s content key: `
      + 'altered, or sealed for another clip');
  let value;
  try {
    value = parseJson(body);
  } catch (error) {
    if (error instanceof DoorstepCryptoError) throw error;
    fail('the attestation is not UTF-8 JSON', error);
  }
  if (!sameFields(value, ['device_key_id', 'parts'])) {
    fail('the attestation must hold exactly device_key_id and parts');
  }
  if (!isHex(value.device_key_id, 32)) {
    fail("the attestation's device_key_id is not a key id (32 hex digits)");
  }
  const names = value.parts !== null && typeof value.parts === 'object'
    && !Array.isArray(value.parts) ? Object.keys(value.parts) : [];
  const oneKey = (set) => names.every((name) => set.includes(name));
  if (!names.length || !(oneKey(PARTS) || oneKey(TWIN_PARTS))) {
    fail("the attestation's parts must be some of clip, snapshot, details, "
      + 'or of twin_clip, twin_snapshot');
  }
  const [parts, written] = [{}, {}];
  for (const name of names) {
    const seen = value.parts[name];
    if (!sameFields(seen, ['device_signature', 'plaintext_sha256'])) {
      fail(`the attestation of part ${name} must hold exactly plaintext_sha256 and `
        + 'device_signature');
    }
    if (!isHex(seen.plaintext_sha256, 64)) {
      fail(`the attestation of part ${name}: plaintext_sha256 is not SHA-256 hex`);
    }
    const what = `the attestation of part ${name}: device_signature`;
    const signature = typeof seen.device_signature === 'string'
      ? fromBase64(seen.device_signature, what) : new Uint8Array(0);
    if (signature.length !== 64) fail(`${what} is not 64 bytes`);
    parts[name] = { plaintextSha256: seen.plaintext_sha256, deviceSignature: signature };
    written[name] = {
      device_signature: toBase64(signature), plaintext_sha256: seen.plaintext_sha256,
    };
  }
  const canonical = canonicalJson({ device_key_id: value.device_key_id, parts: written });
  if (!equal(encoder.encode(canonical), body)) {
    fail('the attestation is not in canonical JSON');
  }
  return { deviceKeyId: value.device_key_id, parts };
}
