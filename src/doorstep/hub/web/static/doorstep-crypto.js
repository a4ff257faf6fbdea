// The browser's reader for Doorstep's clip encryption format v1 (docs/crypto-format.md).
//
// No dependencies and no hand-written primitives: AES-256-GCM, X25519, HKDF-SHA256,
// Ed25519 and SHA-256 all come from WebCrypto, which exists only in a secure context
// (https, or http://localhost). Passphrase boxes are not here: WebCrypto has no Argon2id.
// doorstep-keys.js opens and seals them, with a vendored Argon2id (vendor/README.md).

const encoder = new TextEncoder();

/** Every refusal: a part, key or signature that did not open or verify. */
export class DoorstepCryptoError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'DoorstepCryptoError';
  }
}

export const PARTS = Object.freeze(['clip', 'snapshot', 'details']);
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
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

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

function concat(parts) {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  parts.reduce((offset, part) => (out.set(part, offset), offset + part.length), 0);
  return out;
}

const equal = (a, b) => a.length === b.length && a.every((value, i) => value === b[i]);
const hex = (data) => Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('');

function canonicalUuid(value, what) {
  if (typeof value !== 'string' || !UUID.test(value)) fail(`${what} is not a UUID: ${value}`);
  return value.toLowerCase();
}

/** Strict standard base64 with padding (the format's b64) to bytes. */
export function fromBase64(text) {
  if (typeof text !== 'string' || text.length % 4 || !BASE64.test(text)) fail('not base64');
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
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

export async function importX25519Public(raw32) {
  const raw = bytes(raw32, 'an X25519 public key', 32);
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
  if (!PARTS.includes(part)) fail(`part ${part} is not one of ${PARTS.join(', ')}`);
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
  const ephemeralPublic = wrapped.subarray(1, 33);
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

function parseHeader(json) {
  let fields;
  try {
    // ignoreBOM keeps a BOM in the text, so JSON.parse refuses it as the Python reader does.
    fields = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(json));
  } catch (error) {
    fail('the header is not UTF-8 JSON', error);
  }
  if (typeof fields !== 'object' || !fields || Array.isArray(fields)) {
    fail('the header is not a JSON object');
  }
  const field = (name, type) => (typeof fields[name] === type ? fields[name]
    : fail(`header field '${name}' is missing or not a ${type}`));
  for (const name of ['clip_id', 'camera_id']) canonicalUuid(field(name, 'string'), name);
  for (const name of ['started_at', 'ended_at']) {
    if (!RFC3339.test(field(name, 'string'))) fail(`header field '${name}' is not RFC 3339`);
  }
  if (!PARTS.includes(field('part', 'string'))) fail(`header part ${fields.part} is unknown`);
  const size = field('chunk_size', 'number');
  if (!Number.isInteger(size) || size < MIN_CHUNK_SIZE || size > MAX_CHUNK_SIZE) {
    fail(`chunk_size ${size} is outside ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE}`);
  }
  const prefix = fromBase64(field('nonce_prefix', 'string'));
  if (prefix.length !== 7) fail(`nonce_prefix must be 7 bytes, got ${prefix.length}`);
  field('device_key_id', 'string');
  return { ...fields, clip_id: fields.clip_id.toLowerCase(), nonce_prefix: prefix };
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
  if (length < 1 || length > MAX_HEADER_BYTES) fail(`header length ${length} is out of range`);
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
  if (!PARTS.includes(part)) fail(`part ${part} is not one of ${PARTS.join(', ')}`);
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
  const openChunk = async (sealed, last) => {
    if (index >= SIGNATURE_COUNTER) fail('too many chunks');
    const at = (flag) => nonce(head.header.nonce_prefix, index, flag);
    const opened = await aeadOpen(head.key, at(last ? FLAG_LAST : FLAG_CHUNK), head.aad, sealed);
    if (!opened) {
      // Opening with the other flag tells truncation and trailing data apart from edits.
      const other = await aeadOpen(head.key, at(last ? FLAG_CHUNK : FLAG_LAST), head.aad, sealed);
      if (other && last) {
        fail(`truncated: the file ends after chunk ${index}, which is not the last`);
      }
      if (other) fail(`trailing data: bytes follow the last chunk (${index})`);
      fail(`chunk ${index} does not authenticate: it was edited, reordered, dropped `
        + 'or spliced from another part');
    }
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
    // A chunk is surely not the last one while more bytes follow it.
    const step = head.header.chunk_size + TAG_BYTES;
    const count = Math.max(0, Math.floor((buffer.length - 1) / step));
    for (let i = 0; i < count; i += 1) await openChunk(buffer.subarray(i * step, (i + 1) * step));
    buffer = buffer.subarray(count * step);
  }
  if (!head) fail(`truncated: the file ends within the header or signature block`);
  if (buffer.length === 0) fail('truncated: the file ends before the first chunk');
  if (buffer.length < TAG_BYTES) fail(`truncated: chunk ${index} is shorter than its tag`);
  await openChunk(buffer, true);
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

/** Verify a sealed JPEG snapshot, then show it in `img`; returns the Blob URL. */
export async function showSnapshot(img, source, options) {
  return show(img, await decryptToBlob(source, { ...options, part: 'snapshot' }, 'image/jpeg'));
}
