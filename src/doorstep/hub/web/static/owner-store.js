// What this browser trusts, kept in localStorage (per origin, so per hub), as the Python
// client keeps config_dir()/trust/: the pinned log key, the newest checkpoint seen, the
// newest key list verified per home (and the owner key trusted on first use), and the
// ids of the keys this browser made (the key monitor's "made here"). Nothing here is
// secret; a change to it by a script on the page is a change the page could make anyway.

import { fromBase64, toBase64 } from './doorstep-crypto.js';
import { KeyAlarm, KeyRefused, parseLogKey } from './doorstep-trust.js';

const PREFIX = 'doorstep.trust.';

function read(name, fallback) {
  const text = globalThis.localStorage.getItem(PREFIX + name);
  if (text === null) return fallback;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new KeyRefused(`this browser's kept ${name} is damaged: it can't be trusted`,
      { cause: error });
  }
}

const write = (name, value) => globalThis.localStorage.setItem(PREFIX + name, JSON.stringify(value));

/** The served verifier key, pinned the first time; a KeyAlarm if it ever changes. */
export async function pinLogKey(served) {
  const pinned = read('logKey', null);
  if (pinned === null) {
    await parseLogKey(served);
    write('logKey', served);
    return served;
  }
  if (served !== pinned) {
    throw new KeyAlarm(`the log key changed: the hub serves ${served}, pinned ${pinned}`);
  }
  return pinned;
}

/** The newest checkpoint this browser saw: `{size: BigInt, root: Uint8Array, note}` or null. */
export function newestCheckpoint() {
  const kept = read('checkpoint', null);
  return kept && { size: BigInt(kept.size), root: fromBase64(kept.root), note: kept.note };
}

/** Keep `checkpoint` if it is newer than the one kept (the caller checked it extends it). */
export function keepCheckpoint(checkpoint) {
  const old = newestCheckpoint();
  if (old && old.size >= checkpoint.size) return;
  write('checkpoint', {
    size: checkpoint.size.toString(), root: toBase64(checkpoint.root), note: checkpoint.note,
  });
}

/** The ids of the keys (X25519, signing, home) this browser made for `userId`. */
export const knownKeys = (userId) => new Set(read(`known.${userId}`, []));

export function addKnownKeys(userId, ...ids) {
  write(`known.${userId}`, [...new Set([...knownKeys(userId), ...ids])].sort());
}

/** `{list: signed JSON, firstUseOwner: base64 | null}` pinned for `homeId`, or null. */
export const pinnedEntry = (homeId) => read(`list.${homeId}`, null);

export function pinList(homeId, signedJson, firstUseOwner = null) {
  const before = pinnedEntry(homeId);
  write(`list.${homeId}`, {
    list: signedJson,
    firstUseOwner: firstUseOwner ? toBase64(firstUseOwner) : before?.firstUseOwner ?? null,
  });
}

/** Forget everything kept (tests, and "forget this browser"). */
export function forgetAll() {
  for (const key of Object.keys(globalThis.localStorage)) {
    if (key.startsWith(PREFIX)) globalThis.localStorage.removeItem(key);
  }
}
