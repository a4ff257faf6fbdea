// What the browser checks before it trusts a key the hub serves (docs/crypto-format.md):
// a home's key list signed by an owner, a key's inclusion proof in the audit log, and
// the safety numbers people compare. The same rules, in the same order and words, as
// doorstep.crypto.keylist, doorstep.audit.keyproof, doorstep.audit.checkpoint,
// doorstep.audit.merkle and doorstep.crypto.safety. WebCrypto only.

import {
  DoorstepCryptoError, bytes, canonicalJson, checkX25519Public, concat, equal, fail, fromBase64,
  hex, importEd25519Public, keyId, parseJson, sha256, subtle, toBase64,
} from './doorstep-crypto.js';

const encoder = new TextEncoder();

/** A key without a proof, with a wrong one, or not the key the log binds. */
export class KeyRefused extends DoorstepCryptoError {
  constructor(message, options) {
    super(message, options);
    this.name = 'KeyRefused';
  }
}

/** The log the hub shows rolled back or forked: raise the alarm. */
export class KeyAlarm extends KeyRefused {
  constructor(message, options) {
    super(message, options);
    this.name = 'KeyAlarm';
  }
}

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const isInt = (value) => typeof value === 'number' && Number.isInteger(value);
const sorted = (names) => [...names].sort();

// --- Home key lists -------------------------------------------------------------------------

const FORMAT = 'doorstep home key list v1';
const LIST_CONTEXT = encoder.encode('doorstep home key list v1\0');
const MAX_BODY_BYTES = 1 << 20;
const LOWER_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY_ID = /^[0-9a-f]{32}$/;
const DIGEST = /^[0-9a-f]{64}$/;
const FIELDS = {
  body: ['devices', 'format', 'home_id', 'home_keys', 'members', 'previous', 'removed', 'version'],
  member: ['key_id', 'owner', 'public_key', 'signing_key', 'user_id'],
  homeKey: ['id', 'public_key', 'retired', 'version'],
  device: ['device_id', 'key_id', 'public_key', 'revoked'],
  removed: ['key_id', 'user_id'],
  signed: ['body', 'signature', 'signer', 'version'],
};

/** Canonical standard base64 with padding, of `size` bytes if given. */
function decode(value, what, size) {
  if (typeof value !== 'string') fail(`${what} must be base64 text`);
  const raw = fromBase64(value, what);
  if (toBase64(raw) !== value) fail(`${what} is not in canonical base64`);
  if (size !== undefined && raw.length !== size) {
    fail(`${what} must be ${size} bytes, got ${raw.length}`);
  }
  return raw;
}

function object(value, fields, what) {
  if (!isObject(value)) fail(`key list: ${what} must be an object`);
  const names = Object.keys(value);
  const unknown = sorted(names.filter((name) => !fields.includes(name)));
  const missing = fields.filter((name) => !names.includes(name));
  if (unknown.length || missing.length) {
    const said = [...unknown.map((n) => `unknown field '${n}'`),
      ...missing.map((n) => `missing field '${n}'`)];
    fail(`key list: ${what} has ${said.join(', ')}`);
  }
  return value;
}

const array = (value, what) => (Array.isArray(value) ? value
  : fail(`key list: ${what} must be an array`));
const uuid = (value, what) => (typeof value === 'string' && LOWER_UUID.test(value) ? value
  : fail(`key list: ${what} must be a UUID in lowercase hyphenated form`));
const bool = (value, what) => (typeof value === 'boolean' ? value
  : fail(`key list: ${what} must be true or false`));

async function listedKeyId(value, what, publicKey) {
  if (typeof value !== 'string' || !KEY_ID.test(value)) {
    fail(`key list: ${what} must be 32 lowercase hex digits`);
  }
  if (value !== await keyId(publicKey)) fail(`key list: ${what} does not match its public key`);
  return value;
}

const x25519 = (value, what) => checkX25519Public(
  decode(value, `key list: ${what}`, 32), `key list: ${what}`);

async function ed25519(value, what) {
  const raw = decode(value, `key list: ${what}`, 32);
  await importEd25519Public(raw);
  return raw;
}

async function member(value, at) {
  const fields = object(value, FIELDS.member, at);
  const publicKey = x25519(fields.public_key, `${at}.public_key`);
  return {
    userId: uuid(fields.user_id, `${at}.user_id`),
    owner: bool(fields.owner, `${at}.owner`),
    keyId: await listedKeyId(fields.key_id, `${at}.key_id`, publicKey),
    publicKey,
    signingKey: await ed25519(fields.signing_key, `${at}.signing_key`),
  };
}

async function homeKey(value, at) {
  const fields = object(value, FIELDS.homeKey, at);
  const publicKey = x25519(fields.public_key, `${at}.public_key`);
  if (!isInt(fields.version) || fields.version < 1) {
    fail(`key list: ${at}.version must be a whole number from 1`);
  }
  return {
    id: await listedKeyId(fields.id, `${at}.id`, publicKey),
    publicKey,
    version: fields.version,
    retired: bool(fields.retired, `${at}.retired`),
  };
}

async function device(value, at) {
  const fields = object(value, FIELDS.device, at);
  const publicKey = await ed25519(fields.public_key, `${at}.public_key`);
  return {
    deviceId: uuid(fields.device_id, `${at}.device_id`),
    keyId: await listedKeyId(fields.key_id, `${at}.key_id`, publicKey),
    publicKey,
    revoked: bool(fields.revoked, `${at}.revoked`),
  };
}

function removed(value, at) {
  const fields = object(value, FIELDS.removed, at);
  if (typeof fields.key_id !== 'string' || !KEY_ID.test(fields.key_id)) {
    fail(`key list: ${at}.key_id must be 32 lowercase hex digits`);
  }
  return { userId: uuid(fields.user_id, `${at}.user_id`), keyId: fields.key_id };
}

async function each(value, what, parse) {
  const out = [];
  for (const [i, item] of array(value, what).entries()) {
    out.push(await parse(item, `${what}[${i}]`));
  }
  return out;
}

function unique(values, what) {
  if (new Set(values).size !== values.length) fail(`key list: ${what} appears twice`);
}

const byString = (key) => (a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0);

/** The body a key list's fields encode to (KeyList.body()): lists in their fixed order. */
function bodyOf(list) {
  return encoder.encode(canonicalJson({
    format: FORMAT,
    home_id: list.homeId,
    version: list.version,
    previous: list.previous,
    members: [...list.members].sort(byString('userId')).map((m) => ({
      user_id: m.userId, owner: m.owner, key_id: m.keyId,
      public_key: toBase64(m.publicKey), signing_key: toBase64(m.signingKey),
    })),
    home_keys: [...list.homeKeys].sort((a, b) => a.version - b.version).map((k) => ({
      id: k.id, public_key: toBase64(k.publicKey), version: k.version, retired: k.retired,
    })),
    devices: [...list.devices].sort(byString('deviceId')).map((d) => ({
      device_id: d.deviceId, key_id: d.keyId, public_key: toBase64(d.publicKey),
      revoked: d.revoked,
    })),
    removed: [...list.removed].sort(byString('userId')).map((r) => ({
      user_id: r.userId, key_id: r.keyId,
    })),
  }));
}

/** The canonical body bytes of a list in the parsed form (for signing: owner-keylist.js). */
export const keyListBody = (list) => bodyOf(list);

/** A signed list as a route serves it, read with parseJson (SignedKeyList.from_json). */
export function parseSignedKeyList(record) {
  if (!isObject(record)) fail('a signed key list must be a JSON object');
  const names = Object.keys(record).filter((name) => name !== 'proof');
  if (canonicalJson(sorted(names)) !== canonicalJson(FIELDS.signed)) {
    fail(`a signed key list has the fields ${FIELDS.signed.join(', ')}`);
  }
  if (!isInt(record.version) || record.version < 1) {
    fail("a signed key list's version must be a whole number from 1");
  }
  return {
    version: record.version,
    body: decode(record.body, "the signed key list's body"),
    signer: decode(record.signer, "the signed key list's signer", 32),
    signature: decode(record.signature, "the signed key list's signature", 64),
  };
}

/**
 * The list in `signed.body`, parsed as strictly as doorstep.crypto.keylist.parse_list; the
 * signature is not checked. `{homeId, version, previous, members, homeKeys, devices,
 * removed, digest}` with each key's raw bytes and its recomputed id.
 */
export async function parseKeyList(signed) {
  if (signed.body.length > MAX_BODY_BYTES) {
    fail(`key list: the body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  let document;
  try {
    document = parseJson(signed.body);
  } catch (error) {
    if (error instanceof DoorstepCryptoError) throw error;
    fail('key list: the body is not JSON in UTF-8', error);
  }
  const fields = object(document, FIELDS.body, 'the body');
  if (fields.format !== FORMAT) fail(`key list: the format is not '${FORMAT}'`);
  const { version, previous } = fields;
  if (!isInt(version) || version < 1) fail('key list: version must be a whole number from 1');
  if (version !== signed.version) {
    fail(`key list: the body is version ${version}, not ${signed.version}`);
  }
  if (version === 1 && previous !== null) fail('key list: version 1 has no previous version');
  if (version > 1 && (typeof previous !== 'string' || !DIGEST.test(previous))) {
    fail("key list: previous must be the previous body's SHA-256, 64 hex");
  }
  const list = {
    homeId: uuid(fields.home_id, 'home_id'),
    version,
    previous,
    members: await each(fields.members, 'members', member),
    homeKeys: await each(fields.home_keys, 'home_keys', homeKey),
    devices: await each(fields.devices, 'devices', device),
    removed: await each(fields.removed, 'removed', removed),
  };
  unique(list.members.map((m) => m.userId), 'a member');
  unique(list.homeKeys.map((k) => k.version), 'a home key version');
  unique(list.homeKeys.map((k) => k.id), 'a home key');
  unique(list.devices.map((d) => d.deviceId), 'a device');
  unique(list.devices.map((d) => toBase64(d.publicKey)), 'a device key');
  unique(list.removed.map((r) => r.userId), 'a removed member');
  const current = currentHomeKey(list);
  const newest = Math.max(...list.homeKeys.map((k) => k.version));
  if (current.version !== newest) {
    fail(`key list: the current home key is version ${current.version}, not the newest`);
  }
  if (!list.members.some((m) => m.owner)) fail('key list: no member is an owner');
  if (!equal(bodyOf(list), signed.body)) {
    fail('key list: the body is not in canonical form (sorted keys and lists, no spaces)');
  }
  return { ...list, digest: hex(await sha256(signed.body)) };
}

/** The one home key of a list that isn't retired: the key to encrypt to. */
export function currentHomeKey(list) {
  const current = list.homeKeys.filter((k) => !k.retired);
  if (current.length !== 1) fail(`key list: ${current.length} current home keys, not 1`);
  return current[0];
}

const ownerKeys = (list) => list.members.filter((m) => m.owner).map((m) => toBase64(m.signingKey));

/** The rules between two consecutive versions (keylist._check_follows). */
function checkFollows(list, previous) {
  const { version } = list;
  if (version <= previous.version) {
    fail(`key list version ${version} is not newer than version ${previous.version}: `
      + 'a replay or rollback');
  }
  if (version !== previous.version + 1) {
    fail(`key list version ${version} skips versions after ${previous.version}: a gap`);
  }
  if (list.previous !== previous.digest) {
    fail(`key list version ${version} does not name version ${previous.version}'s digest `
      + 'as previous');
  }
  const newest = Math.max(...previous.homeKeys.map((k) => k.version));
  for (const old of previous.homeKeys) {
    const kept = list.homeKeys.find((k) => k.id === old.id);
    if (!kept || !equal(kept.publicKey, old.publicKey) || kept.version !== old.version) {
      fail(`key list version ${version} drops or changes home key version ${old.version}`);
    }
  }
  for (const added of list.homeKeys) {
    if (!previous.homeKeys.some((k) => k.id === added.id) && added.version <= newest) {
      fail(`key list version ${version} adds home key version ${added.version}, `
        + `not newer than version ${newest}`);
    }
  }
  for (const old of previous.devices) {
    const kept = list.devices.find((d) => equal(d.publicKey, old.publicKey));
    if (!kept || kept.deviceId !== old.deviceId) {
      fail(`key list version ${version} drops device ${old.deviceId}`);
    }
    if (old.revoked && !kept.revoked) {
      fail(`key list version ${version} un-revokes device ${old.deviceId}`);
    }
  }
  const gone = previous.members.filter((m) => !list.members.some((n) => n.userId === m.userId))
    .map((m) => `${m.userId} ${m.keyId}`);
  const named = list.removed.map((r) => `${r.userId} ${r.keyId}`);
  if (canonicalJson(sorted(gone)) !== canonicalJson(sorted(named))) {
    fail(`key list version ${version}: removed must name exactly the members of version `
      + `${previous.version} it leaves out`);
  }
}

/**
 * The list if an owner signed it and it follows `previous` (keylist.verify_list): the signer
 * must be an owner in `previous`; without one, an owner in the list itself and, if
 * `trustedOwners` (raw Ed25519 keys) is not empty, one of those.
 */
export async function verifyKeyList(signed, { homeId, previous = null, trustedOwners = [] }) {
  const list = await parseKeyList(signed);
  if (list.homeId !== homeId) fail(`key list version ${signed.version} is for another home`);
  const signer = await importEd25519Public(signed.signer);
  const message = concat([LIST_CONTEXT, signed.body]);
  if (!(await subtle().verify({ name: 'Ed25519' }, signer, signed.signature, message))) {
    fail(`key list version ${signed.version}: the signature does not verify`);
  }
  const by = toBase64(signed.signer);
  if (previous) {
    if (!ownerKeys(previous).includes(by)) {
      fail(`key list version ${signed.version} is signed by a key that is not an owner `
        + `in version ${previous.version}`);
    }
    checkFollows(list, previous);
  } else {
    if (!ownerKeys(list).includes(by)) {
      fail(`key list version ${signed.version} is signed by a key that is not an owner `
        + 'in the list');
    }
    if (trustedOwners.length && !trustedOwners.map(toBase64).includes(by)) {
      fail(`key list version ${signed.version} is signed by an owner key this client `
        + 'does not trust');
    }
  }
  return list;
}

/** The newest of `lists` (ascending, each following the one before, the first `pinned`). */
export async function verifyKeyChain(lists, { homeId, pinned = null, trustedOwners = [] }) {
  let newest = pinned;
  for (const signed of lists) {
    newest = await verifyKeyList(signed, { homeId, previous: newest, trustedOwners });
  }
  return newest ?? fail('no key list to verify: the home has none yet');
}

// --- Signed notes and checkpoints (C2SP signed-note, tlog-checkpoint) ------------------------

const SIG_PREFIX = '\u2014 ';
const MAX_SIGNATURES = 100;
const MAX_TREE_SIZE = 2n ** 63n - 1n;
// Python's str.isspace(), so that key names are read alike.
const SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const validName = (name) => name !== '' && !name.includes('+') && !SPACE.test(name)
  && ![...name].some((c) => c < ' ') && name.isWellFormed();
const keyHash = async (name, material) => new DataView(
  (await sha256(concat([encoder.encode(`${name}\n`), material]))).buffer).getUint32(0);
const hex8 = (n) => n.toString(16).padStart(8, '0');

/** A verifier key `<name>+<key ID>+<base64(0x01 ‖ key)>` (LogKey.from_vkey). */
export async function parseLogKey(text) {
  const [name, rest = ''] = splitOnce(text, '+');
  const [hash, material64 = ''] = splitOnce(rest, '+');
  const bad = (why) => fail(`verifier key '${text}': ${why}`);
  if (!validName(name)) bad('the name is empty or malformed');
  if (!/^[0-9a-fA-F]{8}$/.test(hash)) bad('the key ID is not 8 hex digits');
  const material = fromBase64(material64, `verifier key '${text}': the key`);
  if (!material.length) bad('the key is empty');
  if (parseInt(hash, 16) !== await keyHash(name, material)) {
    bad('the key ID does not match the key');
  }
  if (material[0] !== 1) bad(`unknown algorithm 0x${hex([material[0]])}, not Ed25519 (0x01)`);
  if (material.length !== 33) bad(`an Ed25519 key is 32 bytes, not ${material.length - 1}`);
  return { name, hash: parseInt(hash, 16), key: await importEd25519Public(material.slice(1)) };
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + separator.length)];
}

function checkText(text, what) {
  if (!text.isWellFormed()) fail(`${what} is not valid UTF-8`);
  if (text.includes('\r')) fail(`${what} contains a carriage return (CRLF line ends?)`);
  const control = [...text].find((c) => c < ' ' && c !== '\n');
  if (control) fail(`${what} contains the control character U+00${hex([control.charCodeAt(0)])}`);
}

/** The text of a signed note after checking it is well formed and signed by `logKey`. */
async function openNote(note, logKey) {
  checkText(note, 'note');
  if (!note.endsWith('\n')) fail('note does not end with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) fail('note has no blank line before the signatures');
  const [text, lines] = [note.slice(0, split + 1), note.slice(split + 2).split('\n').slice(0, -1)];
  if (!lines.length) fail('note has no signature lines after the blank line');
  if (lines.length > MAX_SIGNATURES) {
    fail(`note has ${lines.length} signatures, more than ${MAX_SIGNATURES}`);
  }
  const mine = new Map();
  const others = new Set();
  for (const [i, line] of lines.entries()) {
    if (!line.startsWith(SIG_PREFIX)) fail(`signature line ${i + 1} does not start with '— '`);
    const [name, signature64 = ''] = splitOnce(line.slice(SIG_PREFIX.length), ' ');
    if (!validName(name)) fail(`signature line ${i + 1}: the key name is malformed`);
    if (!signature64) fail(`signature line ${i + 1} has no signature`);
    const raw = fromBase64(signature64, `signature line ${i + 1}`);
    if (raw.length < 5) fail(`signature line ${i + 1} is too short`);
    const hash = new DataView(raw.buffer).getUint32(0);
    if (name === logKey.name && hash === logKey.hash) mine.set(line, raw.slice(4));
    else if (name === logKey.name) others.add(hex8(hash));
  }
  if (!mine.size) {
    const hint = others.size
      ? ` (only by other keys of that name: ${sorted(others).join(', ')})` : '';
    fail(`no signature by ${logKey.name}+${hex8(logKey.hash)}${hint}`);
  }
  for (const signature of mine.values()) {
    const signed = encoder.encode(text);
    if (!(await subtle().verify({ name: 'Ed25519' }, logKey.key, signature, signed))) {
      fail(`signature by ${logKey.name} does not verify`);
    }
  }
  return text;
}

/** A checkpoint's body: `{origin, size (BigInt), root}` (parse_checkpoint). */
function parseCheckpoint(text) {
  if (!text.endsWith('\n')) fail('checkpoint does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) {
    fail(`checkpoint has ${lines.length} lines, not at least 3 (origin, tree size, root hash)`);
  }
  const empty = lines.findIndex((line) => !line);
  if (empty >= 0) fail(`checkpoint line ${empty + 1} is empty`);
  const [origin, size, root64] = lines;
  if (!/^[0-9]+$/.test(size)) fail(`tree size '${size}' is not a number`);
  if (size !== '0' && size.startsWith('0')) fail(`tree size '${size}' has leading zeros`);
  if (size.length > 19 || BigInt(size) > MAX_TREE_SIZE) fail(`tree size '${size}' is too large`);
  const root = fromBase64(root64, 'root hash');
  if (toBase64(root) !== root64) fail('root hash is not in canonical base64');
  if (root.length !== 32) fail(`root hash is ${root.length} bytes, not 32`);
  return { origin, size: BigInt(size), root };
}

/**
 * A signed checkpoint note, checked against the verifier key `logKeyText`, from its
 * origin: `{origin, size (BigInt), root, note}` (for the browser's key monitor).
 */
export async function openCheckpoint(note, logKeyText) {
  const key = await parseLogKey(logKeyText);
  const body = parseCheckpoint(await openNote(note, key));
  if (body.origin !== key.name) {
    fail(`checkpoint origin '${body.origin}' is not the expected '${key.name}'`);
  }
  return { ...body, note };
}

// --- Merkle proofs (RFC 9162 §2.1.3.2 and §2.1.4.2) ----------------------------------------

const node = (left, right) => sha256(concat([Uint8Array.of(1), left, right]));
const leafHash = (entry) => sha256(concat([Uint8Array.of(0), entry]));

function checkHashes(proof, named) {
  for (const [what, value] of [...named, ...proof.map((h, i) => [`proof hash ${i}`, h])]) {
    if (value.length !== 32) fail(`${what} must be 32 bytes, not ${value.length}`);
  }
  return [...proof];
}

/** Check that `leaf` (a leaf hash) is entry `index` of the tree `root` of `size` (BigInts). */
export async function verifyInclusion({ leaf, index, size, proof, root }) {
  const path = checkHashes(proof, [['leaf hash', leaf], ['root', root]]);
  if (index >= size) fail(`index ${index} is outside the tree of size ${size}`);
  let [fn, sn, r] = [index, size - 1n, leaf];
  for (const [i, p] of path.entries()) {
    if (sn === 0n) {
      fail(`the proof is too long for index ${index} in size ${size}: hash ${i} is extra`);
    }
    if (fn & 1n || fn === sn) {
      r = await node(p, r);
      while (fn && !(fn & 1n)) [fn, sn] = [fn >> 1n, sn >> 1n];
    } else {
      r = await node(r, p);
    }
    [fn, sn] = [fn >> 1n, sn >> 1n];
  }
  if (sn !== 0n) fail(`the proof is too short for index ${index} in size ${size}`);
  if (!equal(r, root)) {
    fail(`the proof for index ${index} leads to another root than size ${size}'s`);
  }
}

/** Check that the tree `newRoot` of `newSize` extends `oldRoot` of `oldSize` (BigInts). */
export async function verifyConsistency({ oldSize, newSize, oldRoot, newRoot, proof }) {
  const path = checkHashes(proof, [['old root', oldRoot], ['new root', newRoot]]);
  if (oldSize > newSize) fail(`old_size ${oldSize} is larger than new_size ${newSize}`);
  if (oldSize === newSize || oldSize === 0n) {
    if (path.length) {
      fail(`the proof from size ${oldSize} to ${newSize} must be empty, `
        + `it has ${path.length} hashes`);
    }
    const expected = oldSize === newSize ? newRoot : await sha256(new Uint8Array(0));
    if (!equal(oldRoot, expected)) {
      const which = oldSize === newSize ? `size ${newSize}'s` : "the empty tree's";
      fail(`the root of size ${oldSize} differs from ${which} root`);
    }
    return;
  }
  if (!path.length) fail(`the proof from size ${oldSize} to ${newSize} is empty`);
  if ((oldSize & (oldSize - 1n)) === 0n) path.unshift(oldRoot);
  let [fn, sn] = [oldSize - 1n, newSize - 1n];
  while (fn & 1n) [fn, sn] = [fn >> 1n, sn >> 1n];
  let [fr, sr] = [path[0], path[0]];
  for (const [i, c] of path.slice(1).entries()) {
    if (sn === 0n) {
      fail(`the proof from size ${oldSize} to ${newSize} is too long: hash ${i + 1} is extra`);
    }
    if (fn & 1n || fn === sn) {
      [fr, sr] = [await node(c, fr), await node(c, sr)];
      while (fn && !(fn & 1n)) [fn, sn] = [fn >> 1n, sn >> 1n];
    } else {
      sr = await node(sr, c);
    }
    [fn, sn] = [fn >> 1n, sn >> 1n];
  }
  if (sn !== 0n) fail(`the proof from size ${oldSize} to ${newSize} is too short`);
  if (!equal(fr, oldRoot)) fail(`the proof does not lead to the root of size ${oldSize}`);
  if (!equal(sr, newRoot)) fail(`the proof does not lead to the root of size ${newSize}`);
}

// --- Key proofs -----------------------------------------------------------------------------

/** Run `check`, turning a refusal into `Refusal` with `prefix` before its message. */
async function as(Refusal, prefix, check) {
  try {
    return await check();
  } catch (error) {
    if (!(error instanceof DoorstepCryptoError) || error instanceof KeyRefused) throw error;
    throw new Refusal(`${prefix}${error.message}`, { cause: error });
  }
}

const refuse = (message) => {
  throw new KeyRefused(message);
};

/** A proof as a route serves it, read with parseJson (KeyProof.from_json). */
export function parseKeyProof(record) {
  if (record === null || record === undefined) refuse('the key has no inclusion proof');
  const fields = isObject(record) && canonicalJson(sorted(Object.keys(record)));
  if (fields !== '["checkpoint","entry","inclusion","index"]') {
    refuse('the key has no inclusion proof: the proof is not an object of '
      + 'index, entry, checkpoint and inclusion');
  }
  const { index, entry, checkpoint, inclusion } = record;
  if (!isInt(index) || index < 0) refuse("the key's proof has no valid index");
  if (typeof entry !== 'string' || typeof checkpoint !== 'string') {
    refuse("the key's proof: entry and checkpoint must be text");
  }
  if (!Array.isArray(inclusion)) {
    refuse("the key's proof: inclusion must be a list of base64 hashes");
  }
  const hashes = inclusion.map((h) => {
    try {
      return fromBase64(h);
    } catch (error) {
      throw new KeyRefused("the key's proof: an inclusion hash is not base64", { cause: error });
    }
  });
  return { index: BigInt(index), entry: encoder.encode(entry), checkpoint, inclusion: hashes };
}

/**
 * Check a key's proof as doorstep.audit.keyproof.check_key_proof does, and return the
 * checkpoint that proves it, `{origin, size, root, note}`, for the caller to keep as
 * its newest. The entry must be an `action` entry whose objects hold `objects`; the
 * checkpoint signed by `logKey` (the pinned verifier key, text); the entry included at
 * `index`; and the checkpoint must extend `newest` (the newest one seen, or null): older
 * or another root at the same size is a KeyAlarm, and a newer one needs
 * `consistency(oldSize, newSize)`, which resolves to the proof's hashes (Uint8Arrays).
 */
export async function checkKeyProof(
  record, { logKey, action, objects, newest = null, consistency }) {
  const proof = parseKeyProof(record);
  let entry;
  try {
    entry = parseJson(proof.entry);
  } catch (error) {
    throw new KeyRefused("the key's log entry is not JSON", { cause: error });
  }
  if (!isObject(entry)) refuse("the key's log entry is not a JSON object");
  if (entry.action !== action) {
    refuse(`the key's log entry is ${JSON.stringify(entry.action ?? null)}, not '${action}'`);
  }
  if (!isObject(entry.objects)) refuse("the key's log entry has no objects");
  for (const [name, value] of Object.entries(objects)) {
    const logged = entry.objects[name];
    if (!Object.hasOwn(entry.objects, name) || logged !== value) {
      refuse(`the key's log entry says ${name} is ${JSON.stringify(logged ?? null)}, `
        + `not ${JSON.stringify(value)}`);
    }
  }
  const checkpoint = await as(KeyRefused, "the key's checkpoint: ", async () => {
    const key = await parseLogKey(logKey);
    const body = parseCheckpoint(await openNote(proof.checkpoint, key));
    if (body.origin !== key.name) {
      fail(`checkpoint origin '${body.origin}' is not the expected '${key.name}'`);
    }
    return { ...body, note: proof.checkpoint };
  });
  await as(KeyRefused, "the key's log entry is not in the log: ", async () => verifyInclusion({
    leaf: await leafHash(proof.entry), index: proof.index, size: checkpoint.size,
    proof: proof.inclusion, root: checkpoint.root,
  }));
  if (newest) await checkExtends(checkpoint, newest, consistency);
  return checkpoint;
}

/** CheckpointMemory.observe: `checkpoint` must extend `old`, else a KeyAlarm. */
async function checkExtends(checkpoint, old, consistency) {
  if (checkpoint.size < old.size) {
    throw new KeyAlarm(
      `rollback: the log is at size ${checkpoint.size}, but it was at ${old.size}`);
  }
  if (checkpoint.size === old.size) {
    if (!equal(checkpoint.root, old.root)) {
      throw new KeyAlarm(`fork: two different roots for size ${old.size}`);
    }
    return;
  }
  if (typeof consistency !== 'function') {
    refuse(`the log grew from size ${old.size} to ${checkpoint.size}: `
      + 'a consistency proof is needed');
  }
  const proof = await consistency(old.size, checkpoint.size);
  await as(KeyAlarm, `fork: size ${checkpoint.size} does not extend size ${old.size}: `, () => (
    verifyConsistency({
      oldSize: old.size, newSize: checkpoint.size, oldRoot: old.root, newRoot: checkpoint.root,
      proof,
    })));
}

/** The public label of a key binding's log entries (doorstep.audit.entries.key_label). */
export const keyLabel = async (kind, value) => hex(
  await sha256(encoder.encode(`doorstep key label v1\0${kind}:${value}`))).slice(0, 32);

// --- Safety numbers (doorstep.crypto.safety) ------------------------------------------------

const SAFETY_CONTEXT = encoder.encode('doorstep safety number v1\0');

/** 30 digits: six 5-byte chunks of SHA-512(context ‖ keys), each mod 100000. */
export async function partyCode(signingKey, x25519Key) {
  const input = concat([SAFETY_CONTEXT, bytes(signingKey, 'a signing key', 32),
    bytes(x25519Key, 'an X25519 public key', 32)]);
  const digest = new Uint8Array(await subtle().digest('SHA-512', input));
  let code = '';
  for (let i = 0; i < 30; i += 5) {
    const chunk = digest.subarray(i, i + 5).reduce((n, b) => n * 256n + BigInt(b), 0n);
    code += (chunk % 100000n).toString().padStart(5, '0');
  }
  return code;
}

/** 60 digits, the same whichever party is `a`: both parties' codes, sorted. */
export async function safetyNumber(aSigning, aX25519, bSigning, bX25519) {
  const codes = [await partyCode(aSigning, aX25519), await partyCode(bSigning, bX25519)];
  return codes.sort().join('');
}

/** 12 groups of 5 digits, for people to read aloud. */
export const formatSafetyNumber = (number) => number.match(/.{1,5}/g).join(' ');
