// A clip's content key and the device key to check it with, on the resident's page: a
// port of doorstep.owner.keys.clip_access. The device key the hub serves is used only if
// the home's owner-signed key list (verified here, with log proofs) holds it; the home
// keys are opened with the unlocked user key and must be the keys their ids name.

import {
  DoorstepCryptoError, clipSubject, equal, fail, fingerprint, fromBase64, homeSubject,
  importX25519Private, keyId, unwrapKey, x25519PublicOf,
} from './doorstep-crypto.js';
import { get } from './owner-api.js';
import { verifiedKeyList } from './owner-checks.js';
import { getUnlockedKey, onLockChange } from './owner-session.js';

/** Every home key granted to you, opened with your key: Map of home key id → CryptoKey. */
export async function homePrivateKeys(homeId, key) {
  const opened = new Map();
  for (const listed of (await get(`/v1/homes/${homeId}/keys`)).keys) {
    if (listed.wrapped_for_me == null) continue;
    const raw = await unwrapKey(fromBase64(listed.wrapped_for_me, 'a wrapped home key'),
      key.x25519Private, homeSubject(listed.id));
    let privateKey;
    try {
      privateKey = await importX25519Private(raw);
    } finally {
      raw.fill(0);
    }
    const actual = await keyId(await x25519PublicOf(privateKey));
    if (actual !== listed.id) {
      fail(`home key ${listed.id}: the private key wrapped to you is another key's (${actual})`);
    }
    opened.set(listed.id, privateKey);
  }
  return opened;
}

/** The home's newest owner-signed key list, verified here; refuses when it has none. */
export async function signedList(homeId, key) {
  const list = await verifiedKeyList(homeId, {
    userId: key.userId, signingKey: key.signingPublic, keyId: key.keyId,
  });
  if (!list) {
    fail(`home ${homeId} has no owner-signed key list yet: its owner sets it up on the Pair page`);
  }
  return list;
}

// A page that opens many clips (the timeline) checks each home's list and opens its home
// keys once a minute, not once a clip; the cache goes with the key (lock) and is
// refreshed once when a clip names a device or home key it doesn't hold yet.
const CACHE_MS = 60_000;
const homes = new Map(); // homeId -> {at, keyId, state: Promise<{list, homeKeys}>}
onLockChange((isUnlocked) => {
  if (!isUnlocked) homes.clear();
});

function homeState(homeId, key, { fresh = false } = {}) {
  const hit = homes.get(homeId);
  if (!fresh && hit && hit.keyId === key.keyId && Date.now() - hit.at < CACHE_MS) return hit;
  const entry = { at: Date.now(), keyId: key.keyId, cached: false };
  entry.state = (async () => ({
    list: await signedList(homeId, key), homeKeys: await homePrivateKeys(homeId, key),
  }))();
  entry.state.catch(() => homes.delete(homeId));
  homes.set(homeId, { ...entry, cached: true });
  return entry;
}

function recipientOf(record, key, homeKeys) {
  for (const wrapped of record.keys) {
    const recipient = wrapped.recipient_key_id === key.keyId ? key.x25519Private
      : homeKeys.get(wrapped.recipient_key_id);
    if (recipient) return { wrapped, recipient };
  }
  return null;
}

/**
 * `{clipId, homeId, contentKey, devicePublicKey}` for a clip you may open (with `twin`, the
 * content key of its blurred twin). Asks to unlock your key when it is locked
 * (owner-session.js).
 */
export async function clipAccess(clipId, { key, twin = false } = {}) {
  key ??= await getUnlockedKey();
  const record = await get(`/v1/clips/${clipId}/keys${twin ? '?scope=twin' : ''}`);
  if (record.device_public_key == null) {
    fail(`clip ${clipId}'s device is gone; its signature can't be checked`);
  }
  const devicePublicKey = fromBase64(record.device_public_key, "the clip's device key");
  let entry = homeState(record.home_id, key);
  let { list, homeKeys } = await entry.state;
  const listed = (l) => l.devices.some((d) => equal(d.publicKey, devicePublicKey));
  if (entry.cached && (!listed(list) || !recipientOf(record, key, homeKeys))) {
    entry = homeState(record.home_id, key, { fresh: true });
    ({ list, homeKeys } = await entry.state);
  }
  if (!listed(list)) {
    throw new DoorstepCryptoError(`clip ${clipId} is signed by device key `
      + `${fingerprint(await keyId(devicePublicKey))}, which is not in home ${record.home_id}'s `
      + 'owner-signed key list: refused');
  }
  const found = recipientOf(record, key, homeKeys);
  if (!found) fail(`none of clip ${clipId}'s keys is wrapped to a key you hold`);
  const contentKey = await unwrapKey(fromBase64(found.wrapped.wrapped_key, 'a wrapped clip key'),
    found.recipient, clipSubject(clipId));
  return { clipId, homeId: record.home_id, contentKey, devicePublicKey };
}
