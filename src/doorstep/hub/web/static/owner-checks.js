// The checks the owner's pages make before they use a key the hub serves (a port of
// doorstep.owner.trust.KeyChecker): every id recomputed from the key's bytes, X25519 keys
// range-checked, binding signatures verified, and every key's log proof checked against
// a checkpoint no older than the newest this browser saw. Home key lists are verified
// from the pinned one (or from an owner key this browser trusts) and pinned.

import {
  checkX25519Public, fromBase64, keyId, toBase64, verifyBinding, DoorstepCryptoError,
} from './doorstep-crypto.js';
import {
  KeyAlarm, KeyRefused, checkKeyProof, keyLabel, parseKeyList, parseSignedKeyList,
  verifyKeyChain,
} from './doorstep-trust.js';
import { get } from './owner-api.js';
import {
  keepCheckpoint, newestCheckpoint, pinLogKey, pinList, pinnedEntry,
} from './owner-store.js';

const PAGE = 100;

function b64(value, what) {
  try {
    return fromBase64(value, what);
  } catch (error) {
    throw new KeyRefused(`${what} is not base64`, { cause: error });
  }
}

async function consistency(oldSize, newSize) {
  const answer = await get(`/v1/audit/proofs/consistency?old_size=${oldSize}&new_size=${newSize}`);
  return answer.proof.map((h) => b64(h, 'a consistency proof hash'));
}

let logKeyText = null;

/** The hub's log key, pinned the first time (a KeyAlarm if it ever changes). */
export async function logKey() {
  logKeyText ??= await pinLogKey((await get('/v1/audit/key')).vkey);
  return logKeyText;
}

/** KeyRefused unless `record.proof` shows `action` with `objects` in the log. */
export async function checkProof(record, action, objects) {
  const checkpoint = await checkKeyProof(record.proof ?? null, {
    logKey: await logKey(), action, objects, newest: newestCheckpoint(), consistency,
  });
  keepCheckpoint(checkpoint);
  return checkpoint;
}

/** A resident's keys as checked here: `{userId, keyId, publicKey, signingKey, signingKeyId}`. */
export async function checkUserKey(userId, record, who, { binding = true } = {}) {
  if (record.public_key == null || record.signing_key == null) {
    throw new KeyRefused(`${who} is missing: its owner must make one first`);
  }
  const publicKey = b64(record.public_key, `${who} (public key)`);
  const signingKey = b64(record.signing_key, `${who} (signing key)`);
  const computed = await keyId(publicKey);
  const served = record.key_id ?? record.id;
  if (served !== computed) {
    throw new KeyRefused(`${who} does not match its id: the hub serves id ${served} `
      + `with a key whose id is ${computed}`);
  }
  const signingKeyId = await keyId(signingKey);
  if ('signing_key_id' in record && record.signing_key_id !== signingKeyId) {
    throw new KeyRefused(`${who}: the signing key does not match its id`);
  }
  try {
    checkX25519Public(publicKey, who);
    if (binding || record.binding_signature != null) {
      if (record.binding_signature == null) throw new DoorstepCryptoError('it has no binding signature');
      await verifyBinding(publicKey, signingKey, b64(record.binding_signature, `${who} (binding)`));
    }
  } catch (error) {
    if (error instanceof KeyRefused || !(error instanceof DoorstepCryptoError)) throw error;
    throw new KeyRefused(`${who} is refused: ${error.message}`, { cause: error });
  }
  await checkProof(record, 'user_key.published', {
    label: await keyLabel('user', userId), key_id: computed, signing_key_id: signingKeyId,
  });
  return { userId, keyId: computed, publicKey, signingKey, signingKeyId };
}

/** KeyRefused unless the hub serves, and its log holds, exactly your keys (`me`). */
export async function checkOwnKey(me, record) {
  const served = [record.id, record.public_key, record.signing_key];
  const mine = [me.keyId, toBase64(me.publicKey), toBase64(me.signingKey)];
  if (served.some((value, i) => value !== mine[i])) {
    throw new KeyRefused(`the hub serves a key for you other than yours (${me.keyId}): `
      + 'open the Keys page and read its alarms');
  }
  await checkProof(record, 'user_key.published', {
    label: await keyLabel('user', me.userId), key_id: me.keyId, signing_key_id: me.signingKeyId,
  });
}

/** A member-keys row's key, checked; null while the member has no key. */
export async function checkMemberRow(row) {
  if (row.key_id == null) return null;
  const who = `the key of member ${row.display_name ?? ''} (${row.user_id})`;
  return checkUserKey(row.user_id, row, who);
}

async function listsAfter(homeId, after) {
  const lists = [];
  for (;;) {
    const page = (await get(`/v1/homes/${homeId}/key-lists?after=${after}`)).data;
    for (const record of page) {
      let signed;
      try {
        signed = parseSignedKeyList(record);
      } catch (error) {
        throw new KeyRefused(`a key list the hub served is malformed: ${error.message}`,
          { cause: error });
      }
      const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', signed.body)),
        (b) => b.toString(16).padStart(2, '0')).join('');
      await checkProof(record, 'home_keys.signed', {
        label: await keyLabel('home', homeId), version: signed.version, list_sha256: digest,
        signing_key_id: await keyId(signed.signer),
      });
      lists.push({ signed, record });
    }
    if (page.length < PAGE) return lists;
    after = lists.at(-1).signed.version;
  }
}

const withoutProof = ({ proof, ...rest }) => rest; // eslint-disable-line no-unused-vars

/** The list pinned for `homeId`, parsed, or null. */
export async function pinnedList(homeId) {
  const entry = pinnedEntry(homeId);
  return entry && parseKeyList(parseSignedKeyList(entry.list));
}

/**
 * The home's newest owner-signed key list, verified from the pinned one and pinned; null
 * when it has none yet. With nothing pinned, the first list must be signed by your own
 * signing key when you own the home (or it names you an owner), else by the owner key it
 * names, trusted on first use (compare safety numbers with the owner).
 */
export async function verifiedKeyList(homeId, me) {
  const pinned = await pinnedList(homeId);
  const served = await listsAfter(homeId, pinned ? pinned.version : 0);
  if (!served.length) return pinned;
  let trusted = [];
  let firstUse = null;
  if (!pinned) {
    if (await ownFirstList(homeId, served[0].signed, me)) trusted = [me.signingKey];
    else trusted = [firstUse = served[0].signed.signer];
  }
  let newest;
  try {
    newest = await verifyKeyChain(served.map((s) => s.signed),
      { homeId, pinned, trustedOwners: trusted });
  } catch (error) {
    if (!(error instanceof DoorstepCryptoError) || error instanceof KeyRefused) throw error;
    throw new KeyRefused(`home ${homeId}'s key list is refused: ${error.message}`, { cause: error });
  }
  pinList(homeId, withoutProof(served.at(-1).record), firstUse);
  return newest;
}

async function ownFirstList(homeId, first, me) {
  if ((await get(`/v1/homes/${homeId}`)).role === 'owner') return true;
  const listed = (await parseKeyList(first)).members.find((m) => m.userId === me.userId);
  return Boolean(listed?.owner);
}

/**
 * An agency's X25519 key from an agency record the hub serves (`id`, `public_key`, `proof`,
 * maybe `key_id`), once its id and log proof check; KeyRefused otherwise.
 */
export async function checkAgencyKey(agency) {
  const name = agency.name ?? agency.id;
  if (agency.public_key == null) throw new KeyRefused(`agency ${name} has published no key yet`);
  const publicKey = b64(agency.public_key, `agency ${name}'s key`);
  const computed = await keyId(publicKey);
  if (agency.key_id != null && agency.key_id !== computed) {
    throw new KeyRefused(`agency ${name}'s key does not match its id: the hub serves id `
      + `${agency.key_id} with a key whose id is ${computed}`);
  }
  try {
    checkX25519Public(publicKey, `agency ${name}'s key`);
  } catch (error) {
    throw new KeyRefused(error.message, { cause: error });
  }
  await checkProof(agency, 'agency.key_published', { agency_id: agency.id, key_id: computed });
  return publicKey;
}

export { KeyAlarm, KeyRefused };
