// The key monitor in the browser: a port of doorstep.owner.monitor for the Keys page.
// It checks the hub's newest checkpoint against the newest this browser kept (older:
// rollback; same size, other root: fork; newer: a consistency proof), reads every log
// entry up to it and recomputes the tree's root, then raises an alarm for
//  - a key published for your account that this browser did not make,
//  - a key this browser made published under another account,
//  - a home key list in the log that is not in the chain verified here, or served but not logged.
// The scan reads the whole log on each visit (O(n), as `doorstep keys monitor` on its first run).

import {
  canonicalJson, concat, equal, fingerprint, fromBase64, keyId, sha256,
} from './doorstep-crypto.js';
import {
  KeyAlarm, keyLabel, openCheckpoint, parseKeyList, parseSignedKeyList, verifyConsistency,
  verifyKeyList,
} from './doorstep-trust.js';
import { get } from './owner-api.js';
import { logKey } from './owner-checks.js';
import { keepCheckpoint, knownKeys, newestCheckpoint, pinnedEntry } from './owner-store.js';

const PAGE = 1000;
const KEY_ACTIONS = new Set(['user_key.published', 'home_keys.signed', 'device.paired',
  'agency.key_published']);
const encoder = new TextEncoder();
const hashHex = async (data) => Array.from(await sha256(data), (b) => b.toString(16).padStart(2, '0')).join('');

/** The newest checkpoint, checked to extend the one kept (a KeyAlarm if not), then kept. */
export async function newestLogCheckpoint() {
  const served = await get('/v1/audit/checkpoint');
  const checkpoint = await openCheckpoint(served.note, await logKey());
  const old = newestCheckpoint();
  if (old && checkpoint.size < old.size) {
    throw new KeyAlarm(`rollback: the log is at size ${checkpoint.size}, but this browser saw it at ${old.size}`);
  }
  if (old && checkpoint.size === old.size && !equal(checkpoint.root, old.root)) {
    throw new KeyAlarm(`fork: two different roots for size ${old.size}`);
  }
  if (old && checkpoint.size > old.size) {
    const proof = (await get(`/v1/audit/proofs/consistency?old_size=${old.size}&new_size=${checkpoint.size}`))
      .proof.map((h) => fromBase64(h, 'a consistency proof hash'));
    try {
      await verifyConsistency({ oldSize: old.size, newSize: checkpoint.size, oldRoot: old.root,
        newRoot: checkpoint.root, proof });
    } catch (error) {
      throw new KeyAlarm(`fork: size ${checkpoint.size} does not extend size ${old.size}: ${error.message}`);
    }
  }
  keepCheckpoint(checkpoint);
  return checkpoint;
}

/** Every entry up to `size`, the root recomputed; the key entries among them. */
export async function keyEntries(checkpoint) {
  const stack = []; // [size, hash] of full subtrees, largest first (RFC 9162 §2.1.1)
  const found = [];
  for (let start = 0n; start < checkpoint.size;) {
    const page = (await get(`/v1/audit/entries?start=${start}&limit=${PAGE}`)).data;
    if (!page.length) throw new KeyAlarm(`the log serves no entry ${start} below its size ${checkpoint.size}`);
    for (const row of page) {
      if (BigInt(row.index) !== start) throw new KeyAlarm(`the log served entry ${row.index} for ${start}`);
      if (start >= checkpoint.size) break;
      let leaf = fromBase64(row.leaf_hash, 'a leaf hash');
      if (KEY_ACTIONS.has(row.entry?.action)) {
        // A key entry is bound to its leaf here (other entries may hold floats, whose text
        // this browser can't re-encode as Python does; their leaves count as served).
        leaf = await sha256(concat([Uint8Array.of(0), encoder.encode(canonicalJson(row.entry))]));
        found.push({ index: row.index, action: row.entry.action, objects: row.entry.objects ?? {} });
      }
      let merged = [1n, leaf];
      while (stack.length && stack.at(-1)[0] === merged[0]) {
        const [, left] = stack.pop();
        merged = [merged[0] * 2n, await sha256(concat([Uint8Array.of(1), left, merged[1]]))];
      }
      stack.push(merged);
      start += 1n;
    }
  }
  let root = stack.length ? stack.pop()[1] : await sha256(new Uint8Array(0));
  while (stack.length) root = await sha256(concat([Uint8Array.of(1), stack.pop()[1], root]));
  if (!equal(root, checkpoint.root)) {
    throw new KeyAlarm(`the log's entries do not add up to its checkpoint of size ${checkpoint.size}: `
      + 'an entry was changed, dropped or added');
  }
  return found;
}

async function servedChain(homeId, roots, alarms) {
  const chain = new Map();
  let previous = null;
  try {
    for (let after = 0; ;) {
      const page = (await get(`/v1/homes/${homeId}/key-lists?after=${after}`)).data;
      for (const record of page) {
        const signed = parseSignedKeyList(record);
        previous = await verifyKeyList(signed, { homeId, previous, trustedOwners: previous ? [] : roots });
        chain.set(signed.version, { digest: await hashHex(signed.body), signer: await keyId(signed.signer) });
        after = signed.version;
      }
      if (page.length < 100) break;
    }
  } catch (error) {
    alarms.push(`home ${homeId}'s key lists do not verify: ${error.message}`);
  }
  return chain;
}

/**
 * `{checked, keys: [{index, subject, key, verdict, alarm}], alarms: [text]}` for `userId`,
 * `homes` ([{id, name}]) and your signing key (raw, if you unlocked or this browser knows it).
 */
export async function monitorKeys({ userId, homes, signingKey = null }) {
  const alarms = [];
  const checkpoint = await newestLogCheckpoint();
  const entries = await keyEntries(checkpoint);
  const known = knownKeys(userId);
  const userLabel = await keyLabel('user', userId);
  const keys = [];
  for (const entry of entries.filter((e) => e.action === 'user_key.published')) {
    const id = String(entry.objects.key_id);
    if (entry.objects.label === userLabel) {
      const alarm = known.has(id) ? null : `a key for your account that this browser did not make: `
        + `${fingerprint(id)} (log entry ${entry.index})`;
      if (alarm) alarms.push(alarm);
      keys.push({ index: entry.index, subject: 'you', key: fingerprint(id),
        verdict: alarm ? 'NOT MADE HERE' : 'this browser', alarm });
    } else if (known.has(id)) {
      const alarm = `your key ${fingerprint(id)} is published for another account too (log entry `
        + `${entry.index}): the hub may be showing you another account as yours`;
      alarms.push(alarm);
      keys.push({ index: entry.index, subject: 'another account', key: fingerprint(id), verdict: 'this browser', alarm });
    }
  }
  for (const home of homes) {
    // The roots, as the CLI's: your signing key, the owner trusted on first use, and the
    // owners of the list this browser pinned.
    const pinned = pinnedEntry(home.id);
    const roots = [signingKey, pinned?.firstUseOwner && fromBase64(pinned.firstUseOwner)].filter(Boolean);
    if (pinned) {
      const list = await parseKeyList(parseSignedKeyList(pinned.list));
      roots.push(...list.members.filter((m) => m.owner).map((m) => m.signingKey));
    }
    const chain = await servedChain(home.id, roots, alarms);
    const label = await keyLabel('home', home.id);
    const logged = new Set();
    for (const entry of entries.filter((e) => e.action === 'home_keys.signed' && e.objects.label === label)) {
      const { version } = entry.objects;
      const verified = chain.get(version);
      logged.add(version);
      const ok = verified && verified.digest === entry.objects.list_sha256
        && verified.signer === entry.objects.signing_key_id;
      const alarm = ok ? null : `home ${home.name}'s key list version ${version} in the log (entry `
        + `${entry.index}) is signed by ${fingerprint(String(entry.objects.signing_key_id))}, not an owner this browser knows`;
      if (alarm) alarms.push(alarm);
      keys.push({ index: entry.index, subject: `home ${home.name}`, key: `list v${version}`,
        verdict: alarm ? 'NOT MADE HERE' : `owner ${fingerprint(String(entry.objects.signing_key_id))}`, alarm });
    }
    for (const version of chain.keys()) {
      if (!logged.has(version)) alarms.push(`home ${home.name}'s key list version ${version} is served but not in the log`);
    }
  }
  return { checked: Number(checkpoint.size), keys: keys.sort((a, b) => a.index - b.index), alarms };
}
