// Making and signing a home's next key list in the browser, as doorstep.crypto.keylist
// does (next_list, with_home_key, with_member, with_device, sign_list). Lists are in the
// form parseKeyList gives: {homeId, version, previous, members, homeKeys, devices, removed}
// with raw key bytes. What is signed is parsed again here first, so a list this module
// signs is one that doorstep-trust.js and the Python verifier read the same way.

import { checkX25519Public, hex, keyId, sha256, subtle, toBase64, concat } from './doorstep-crypto.js';
import { keyListBody, parseKeyList } from './doorstep-trust.js';

const CONTEXT = new TextEncoder().encode('doorstep home key list v1\0');

/** The SHA-256 (hex) of a list's canonical body: the next version's `previous`. */
export const listDigest = async (list) => list.digest ?? hex(await sha256(keyListBody(list)));

/** The version after `previous` (version 1 without one); fields not given are kept. */
export async function nextList(previous, { homeId, members, homeKeys, devices, removed = [] }) {
  if (previous && previous.homeId !== homeId) {
    throw new Error('the next key list must be for the same home as the previous one');
  }
  if (!previous && (!members || !homeKeys)) {
    throw new Error('the first key list needs its members and home keys');
  }
  return {
    homeId,
    version: previous ? previous.version + 1 : 1,
    previous: previous ? await listDigest(previous) : null,
    members: [...(members ?? previous.members)],
    homeKeys: [...(homeKeys ?? previous.homeKeys)],
    devices: [...(devices ?? previous?.devices ?? [])],
    removed: [...removed],
  };
}

/** A home key entry for the list: `{id, publicKey, version, retired}`. */
export const listedHomeKey = async (publicKey, version, retired = false) => ({
  id: await keyId(checkX25519Public(publicKey, 'the new home key')), publicKey, version, retired,
});

/** The next version with `publicKey` current and every older home key retired. */
export async function withHomeKey(previous, publicKey) {
  const version = Math.max(0, ...previous.homeKeys.map((k) => k.version)) + 1;
  const homeKeys = previous.homeKeys.map((k) => ({ ...k, retired: true }));
  homeKeys.push(await listedHomeKey(publicKey, version));
  return nextList(previous, { homeId: previous.homeId, homeKeys });
}

/** The next version with `member` ({userId, owner, keyId, publicKey, signingKey}) in it. */
export async function withMember(previous, member) {
  const others = previous.members.filter((m) => m.userId !== member.userId);
  return nextList(previous, { homeId: previous.homeId, members: [...others, member] });
}

/** The next version with `device` ({deviceId, keyId, publicKey, revoked}) in it. */
export async function withDevice(previous, device) {
  const others = previous.devices.filter((d) => d.deviceId !== device.deviceId);
  return nextList(previous, { homeId: previous.homeId, devices: [...others, device] });
}

/**
 * `list` signed with `signingKey` (an Ed25519 CryptoKey) whose public key is `signer`,
 * as the JSON the hub takes: {version, body, signer, signature}, all base64.
 */
export async function signList(list, signingKey, signer) {
  const body = keyListBody(list);
  const signature = new Uint8Array(
    await subtle().sign({ name: 'Ed25519' }, signingKey, concat([CONTEXT, body])));
  const signed = { version: list.version, body, signer, signature };
  await parseKeyList(signed); // never sign what a verifier would refuse
  return {
    version: list.version,
    body: toBase64(body),
    signer: toBase64(signer),
    signature: toBase64(signature),
  };
}
