// A user's X25519 key in the browser: create one, and seal it in or open it from the
// passphrase box the hub keeps (docs/crypto-format.md, "Passphrase box"), so that a new
// browser can recover the key from the passphrase alone.
//
// WebCrypto has no Argon2id, so this module imports the vendored hash-wasm build
// (vendor/README.md says how to re-check it); everything else is WebCrypto. hash-wasm
// compiles WebAssembly, which a page's Content-Security-Policy allows only with
// script-src 'wasm-unsafe-eval'. It is kept apart from doorstep-crypto.js so that pages
// which only play clips neither load it nor need that CSP source.

import { argon2id } from './vendor/hash-wasm.esm.min.js';
import {
  bytes, concat, fail, fromBase64, importX25519Private, keyId, subtle, x25519PublicOf,
} from './doorstep-crypto.js';

const encoder = new TextEncoder();
const BOX_VERSION = 1;
const HEAD_BYTES = 1 + 4 + 4 + 4 + 16 + 12;
const BOX_BYTES = HEAD_BYTES + 32 + 16;
const BOX_INFO = 'doorstep private key v1\0';
// The same bounds as doorstep.crypto.format.box_parameters, so the hub takes every box
// sealed here and this module opens no box the hub would refuse.
const [MIN_MEMORY_KIB, MAX_MEMORY_KIB] = [19456, 4 * 1024 * 1024];
const [MIN_ITERATIONS, MAX_ITERATIONS] = [2, 64];
const MAX_LANES = 64;
const SIGNING_KEY_INFO = encoder.encode('doorstep signing key v1');
const BINDING_CONTEXT = encoder.encode('doorstep user keys v1\0');
// PKCS#8 for Ed25519 is this fixed DER prefix followed by the 32-byte seed.
const ED25519_PKCS8 = Uint8Array.of(
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);

/** RFC 9106's second recommended option: 64 MiB, three passes, four lanes. */
export const DEFAULT_BOX_PARAMETERS = Object.freeze({ memoryKib: 65536, iterations: 3, lanes: 4 });

const randomBytes = (length) => globalThis.crypto.getRandomValues(new Uint8Array(length));

function checkParameters({ memoryKib, iterations, lanes }) {
  const within = (value, min, max) => Number.isInteger(value) && value >= min && value <= max;
  if (!within(memoryKib, MIN_MEMORY_KIB, MAX_MEMORY_KIB)) {
    fail(`Argon2id memory ${memoryKib} KiB is outside ${MIN_MEMORY_KIB}..${MAX_MEMORY_KIB}`);
  }
  if (!within(iterations, MIN_ITERATIONS, MAX_ITERATIONS)) {
    fail(`Argon2id iterations ${iterations} is outside ${MIN_ITERATIONS}..${MAX_ITERATIONS}`);
  }
  if (!within(lanes, 1, MAX_LANES)) fail(`Argon2id lanes ${lanes} is outside 1..${MAX_LANES}`);
  return { memoryKib, iterations, lanes };
}

/**
 * A passphrase box's fields, after the checks of format.box_parameters (same messages):
 * `{memoryKib, iterations, lanes, salt, nonce, sealed}`.
 */
export function parsePrivateKeyBox(box) {
  box = bytes(box, 'a passphrase box');
  if (box.length !== BOX_BYTES) fail(`a passphrase box is ${BOX_BYTES} bytes, got ${box.length}`);
  const view = new DataView(box.buffer, box.byteOffset, box.byteLength);
  if (box[0] !== BOX_VERSION) fail(`passphrase box version ${box[0]} is not supported`);
  const parameters = checkParameters({
    memoryKib: view.getUint32(1), iterations: view.getUint32(5), lanes: view.getUint32(9),
  });
  return {
    ...parameters,
    salt: box.slice(13, 29),
    nonce: box.slice(29, HEAD_BYTES),
    sealed: box.slice(HEAD_BYTES),
  };
}

/** Argon2id of the NFC-normalized passphrase, as a non-extractable AES-256-GCM key. */
async function passphraseKey(passphrase, salt, { memoryKib, iterations, lanes }, usage) {
  if (typeof passphrase !== 'string') throw new TypeError('the passphrase must be a string');
  if (!passphrase) fail('the passphrase is empty');
  // NFC, so the same passphrase typed on another system derives the same key.
  const password = encoder.encode(passphrase.normalize('NFC'));
  let raw;
  try {
    raw = await argon2id({
      password, salt, iterations, parallelism: lanes, memorySize: memoryKib, hashLength: 32,
      outputType: 'binary',
    });
  } catch (error) {
    const blocked = error instanceof WebAssembly.CompileError || error?.name === 'EvalError';
    fail(blocked
      ? "Argon2id needs WebAssembly: allow script-src 'wasm-unsafe-eval' in this page's CSP"
      : `Argon2id failed: ${error?.message ?? error}`, error);
  } finally {
    password.fill(0);
  }
  try {
    return await subtle().importKey('raw', raw, { name: 'AES-GCM' }, false, [usage]);
  } finally {
    raw.fill(0);
  }
}

const boxAad = (keyIdHex) => encoder.encode(BOX_INFO + keyIdHex);

/**
 * The private key sealed in `box` as a non-extractable X25519 CryptoKey (for deriveBits).
 * Refuses a wrong passphrase, another key's box, and boxes whose Argon2id cost is out of
 * bounds, with a DoorstepCryptoError in the words of doorstep.crypto.passphrase.
 */
export async function openPrivateKeyBox(box, passphrase, expectedKeyId) {
  const raw = await openPrivateKeyBoxRaw(box, passphrase, expectedKeyId);
  try {
    return await importX25519Private(raw);
  } finally {
    raw.fill(0);
  }
}

/**
 * The 32 raw bytes of the private key sealed in `box`, checked to be `expectedKeyId`'s:
 * for a caller that derives the signing key from them too, then zeroes them (`fill(0)`).
 */
export async function openPrivateKeyBoxRaw(box, passphrase, expectedKeyId) {
  if (typeof expectedKeyId !== 'string') throw new TypeError('the key id must be a string');
  const { salt, nonce, sealed, ...parameters } = parsePrivateKeyBox(box);
  const key = await passphraseKey(passphrase, salt, parameters, 'decrypt');
  let raw;
  try {
    const params = { name: 'AES-GCM', iv: nonce, additionalData: boxAad(expectedKeyId) };
    raw = new Uint8Array(await subtle().decrypt(params, key, sealed));
  } catch (error) {
    if (error?.name !== 'OperationError') throw error;
    fail(`the passphrase does not open the private key of ${expectedKeyId}`, error);
  }
  try {
    if ((await keyId(await x25519PublicOf(await importX25519Private(raw)))) !== expectedKeyId) {
      fail(`the box holds a key other than ${expectedKeyId}`);
    }
  } catch (error) {
    raw.fill(0);
    throw error;
  }
  return raw;
}

/**
 * The 89-byte box of a raw X25519 private key under `passphrase`. `parameters` default to
 * DEFAULT_BOX_PARAMETERS and must lie within the hub's bounds; `salt` (16 bytes) and
 * `nonce` (12 bytes) are random unless given (only tests give them).
 */
export async function sealPrivateKeyBox(
  privateRaw, passphrase, parameters = DEFAULT_BOX_PARAMETERS, { salt, nonce } = {}) {
  privateRaw = bytes(privateRaw, 'an X25519 private key', 32);
  const cost = checkParameters({ ...DEFAULT_BOX_PARAMETERS, ...parameters });
  salt = salt === undefined ? randomBytes(16) : bytes(salt, 'a salt', 16);
  nonce = nonce === undefined ? randomBytes(12) : bytes(nonce, 'a nonce', 12);
  const id = await keyId(await x25519PublicOf(await importX25519Private(privateRaw)));
  const key = await passphraseKey(passphrase, salt, cost, 'encrypt');
  const params = { name: 'AES-GCM', iv: nonce, additionalData: boxAad(id) };
  const sealed = new Uint8Array(await subtle().encrypt(params, key, privateRaw));
  const box = new Uint8Array(BOX_BYTES);
  const view = new DataView(box.buffer);
  box[0] = BOX_VERSION;
  view.setUint32(1, cost.memoryKib);
  view.setUint32(5, cost.iterations);
  view.setUint32(9, cost.lanes);
  box.set(salt, 13);
  box.set(nonce, 29);
  box.set(sealed, HEAD_BYTES);
  return box;
}

/**
 * A new user key: `{privateRaw, publicRaw, keyId}`. The generated CryptoKey is extractable
 * only to export its 32 raw bytes for sealPrivateKeyBox, and is dropped here; callers should
 * `privateRaw.fill(0)` once the box is sealed, and use openPrivateKeyBox (or
 * importX25519Private) for a non-extractable key.
 */
export async function generateUserKey() {
  const pair = await subtle().generateKey({ name: 'X25519' }, true, ['deriveBits']);
  const pkcs8 = new Uint8Array(await subtle().exportKey('pkcs8', pair.privateKey));
  const publicRaw = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
  // PKCS#8 for X25519 is a fixed 16-byte DER prefix followed by the 32 raw bytes.
  const privateRaw = pkcs8.slice(pkcs8.length - 32);
  pkcs8.fill(0);
  // Re-derive the public key from the raw bytes: proof they are the key just generated.
  const derived = await x25519PublicOf(await importX25519Private(privateRaw));
  if (pkcs8.length !== 48 || !derived.every((b, i) => b === publicRaw[i])) {
    privateRaw.fill(0);
    fail('the generated X25519 key did not export as expected');
  }
  return { privateRaw, publicRaw, keyId: await keyId(publicRaw) };
}

/**
 * The Ed25519 signing key derived from a raw X25519 private key (doorstep.crypto.
 * signing_keys: the seed is HKDF-SHA256(key, no salt, "doorstep signing key v1")):
 * `{privateKey, publicRaw}`, the private key non-extractable, for `sign` only.
 */
export async function deriveSigningKey(x25519PrivateRaw) {
  const ikm = bytes(x25519PrivateRaw, 'an X25519 private key', 32);
  const hkdf = await subtle().importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  const params = { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: SIGNING_KEY_INFO };
  const der = concat([ED25519_PKCS8, new Uint8Array(await subtle().deriveBits(params, hkdf, 256))]);
  try {
    // WebCrypto derives no public key from a private one, but the JWK of an extractable
    // private key carries it as "x" (base64url); the key kept is imported again, sealed.
    const open = await subtle().importKey('pkcs8', der, { name: 'Ed25519' }, true, ['sign']);
    const { x } = await subtle().exportKey('jwk', open);
    const privateKey = await subtle().importKey('pkcs8', der, { name: 'Ed25519' }, false, ['sign']);
    const publicRaw = fromBase64(`${x.replace(/-/g, '+').replace(/_/g, '/')}=`, 'the JWK x');
    return { privateKey, publicRaw: bytes(publicRaw, 'an Ed25519 public key', 32) };
  } finally {
    der.fill(0);
  }
}

/**
 * What a user key publishes beside its X25519 key: `{signingPublic, bindingSignature}`,
 * the derived signing key's signature over both public keys (verifyBinding checks it).
 */
export async function userKeyBinding(x25519PrivateRaw) {
  const { privateKey, publicRaw } = await deriveSigningKey(x25519PrivateRaw);
  const x25519Public = await x25519PublicOf(await importX25519Private(x25519PrivateRaw));
  const message = concat([BINDING_CONTEXT, x25519Public, publicRaw]);
  const signature = await subtle().sign({ name: 'Ed25519' }, privateKey, message);
  return { signingPublic: publicRaw, bindingSignature: new Uint8Array(signature) };
}
