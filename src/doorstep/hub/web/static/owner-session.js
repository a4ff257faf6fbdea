// The resident's unlocked keys on a page. Where they live (docs/security.md, "Keys in the
// browser"): in this page's memory only, as non-extractable CryptoKeys, never in
// localStorage, sessionStorage or IndexedDB (a browser writes those to disk, where a
// non-extractable key is still the key). Each page asks for the passphrase once; the keys
// are dropped after IDLE_MS without use, on lock(), and when the page is hidden for good.
//
//   import { getUnlockedKey, unlock, lock } from '/static/owner-session.js';
//   const key = await getUnlockedKey();   // asks with the Unlock dialog when locked
//
// The key: {userId, keyId, fingerprint, publicKey (raw), signingPublic (raw), signingKeyId,
// x25519Private (CryptoKey, deriveBits), signingKey (CryptoKey, sign)}.

import {
  fingerprint, fromBase64, importX25519Private, keyId, x25519PublicOf,
} from './doorstep-crypto.js';
import { HubError, get } from './owner-api.js';
import { checkOwnKey } from './owner-checks.js';
import { addKnownKeys } from './owner-store.js';

export const IDLE_MS = 15 * 60 * 1000;

/** The key is locked (or not set up): the message says what to do. */
export class KeyLocked extends Error {
  constructor(message) {
    super(message);
    this.name = 'KeyLocked';
  }
}

let unlocked = null;
let timer = null;
const listeners = new Set();

function touch() {
  clearTimeout(timer);
  timer = setTimeout(lock, IDLE_MS);
}

const notify = () => listeners.forEach((listener) => listener(Boolean(unlocked)));

/** Drop the unlocked keys now. */
export function lock() {
  clearTimeout(timer);
  const was = unlocked;
  unlocked = null;
  if (was) notify();
}

export const isUnlocked = () => unlocked !== null;

/** `listener(isUnlocked)` after every unlock and lock; returns a function to stop. */
export function onLockChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Open your key with `passphrase`: fetch your passphrase box (GET /v1/me/key), open it
 * here, derive the signing key, and check that the hub serves and its log proves exactly
 * these keys. Rejects with the reason (wrong passphrase, no key yet, a refused proof).
 */
export async function unlock(passphrase) {
  const { id: userId } = await get('/v1/me');
  let record;
  try {
    record = await get('/v1/me/key');
  } catch (error) {
    if (error instanceof HubError && error.status === 404) {
      throw new KeyLocked('you have no key yet: set it up on the Keys set-up page (/keys/setup)');
    }
    throw error;
  }
  // Loaded when needed: it brings Argon2id (hash-wasm, 80 KB), which only unlocking uses.
  const { deriveSigningKey, openPrivateKeyBoxRaw } = await import('./doorstep-keys.js');
  const raw = await openPrivateKeyBoxRaw(
    fromBase64(record.private_key_box, 'your passphrase box'), passphrase, record.id);
  let x25519Private;
  let signing;
  try {
    x25519Private = await importX25519Private(raw);
    signing = await deriveSigningKey(raw);
  } finally {
    raw.fill(0);
  }
  const publicKey = await x25519PublicOf(x25519Private);
  const me = {
    userId,
    keyId: await keyId(publicKey),
    publicKey,
    signingKey: signing.publicRaw,
    signingKeyId: await keyId(signing.publicRaw),
  };
  await checkOwnKey(me, record);
  addKnownKeys(userId, me.keyId, me.signingKeyId);
  unlocked = Object.freeze({
    userId,
    keyId: me.keyId,
    fingerprint: fingerprint(me.keyId),
    publicKey,
    signingPublic: signing.publicRaw,
    signingKeyId: me.signingKeyId,
    x25519Private,
    signingKey: signing.privateKey,
  });
  touch();
  notify();
  return unlocked;
}

/** Keys made on this page (key set-up) count as unlocked without asking again. */
export function adopt(key) {
  unlocked = Object.freeze({ ...key });
  touch();
  notify();
  return unlocked;
}

/**
 * Your unlocked keys; when locked, the Unlock dialog asks for the passphrase (unless
 * `prompt` is false). Rejects with KeyLocked when there is no key or the person cancels.
 */
export async function getUnlockedKey({ prompt = true, reason } = {}) {
  if (unlocked) {
    touch();
    return unlocked;
  }
  if (!prompt || typeof document === 'undefined') {
    throw new KeyLocked('unlock your key first: your passphrase opens it on this page');
  }
  const { askToUnlock } = await import('./owner-unlock.js');
  const key = await askToUnlock({ unlock, reason });
  if (!key) throw new KeyLocked('unlock your key to go on: this page needs your passphrase');
  return key;
}

// A page put away for good drops its keys (bfcache would otherwise keep them).
globalThis.addEventListener?.('pagehide', () => lock());
