// Pairing an edge from the owner's page, as doorstep.owner.pairing does: this page makes
// the code's secret part and gives the hub only a tag of the owner's signing key made with
// it; the device typed the whole code, so its pairing tag proves it saw the secret, and
// only then does the owner sign the next key list with the device in it.

import {
  concat, fromBase64, importEd25519Public, keyId, subtle, toBase64,
} from './doorstep-crypto.js';
import { KeyAlarm } from './doorstep-trust.js';
import { call, get } from './owner-api.js';
import { signedList } from './owner-clips.js';
import { expectPinned, meOf } from './owner-homekey.js';
import { signList, withDevice } from './owner-keylist.js';

export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SECRET_LENGTH = 12;
const encoder = new TextEncoder();
const OWNER_CONTEXT = encoder.encode('doorstep pairing owner v1\0');
const DEVICE_CONTEXT = encoder.encode('doorstep pairing device v1\0');

/** The code as people type it: any case, dashes or spaces, O for 0, I/L for 1. */
export const normalizeCode = (code) => code.toUpperCase().replace(/[- ]/g, '')
  .replace(/O/g, '0').replace(/[IL]/g, '1');

/** XXXXX-XXXXX, then -SSSS-SSSS-SSSS for the secret part. */
export function formatCode(code) {
  const groups = [code.slice(0, 5), code.slice(5, 10)];
  for (let i = 10; i < code.length; i += 4) groups.push(code.slice(i, i + 4));
  return groups.filter(Boolean).join('-');
}

/** 12 characters of the code alphabet (32 letters: one random byte & 31 each, unbiased). */
export function newSecret() {
  const random = globalThis.crypto.getRandomValues(new Uint8Array(SECRET_LENGTH));
  return Array.from(random, (b) => CODE_ALPHABET[b & 31]).join('');
}

const uuidBytes = (id) => Uint8Array.from(id.replace(/-/g, '').match(/../g), (h) => parseInt(h, 16));

async function tag(secret, context, homeId, publicKey) {
  const key = await subtle().importKey('raw', encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', key,
    concat([context, uuidBytes(homeId), publicKey])));
}

/** HMAC-SHA256(secret, "doorstep pairing owner v1\0" ‖ home id ‖ owner signing key). */
export const ownerTag = (secret, homeId, signingKey) => tag(secret, OWNER_CONTEXT, homeId, signingKey);
/** HMAC-SHA256(secret, "doorstep pairing device v1\0" ‖ home id ‖ device key). */
export const deviceTag = (secret, homeId, deviceKey) => tag(secret, DEVICE_CONTEXT, homeId, deviceKey);

/** A new code for `homeId`: `{id, homeId, code, secret, expiresAt}`; the hub keeps the tag only. */
export async function issuePairingCode(homeId, key) {
  const secret = newSecret();
  const record = await call('POST', `/v1/homes/${homeId}/pairing-codes`, {
    owner_tag: toBase64(await ownerTag(secret, homeId, key.signingPublic)),
  });
  return {
    id: record.id, homeId, code: formatCode(normalizeCode(record.code) + secret), secret,
    expiresAt: record.expires_at,
  };
}

/** The device the hub says paired with `code`, or null yet. */
export async function pairedDevice(code) {
  const devices = (await get(`/v1/homes/${code.homeId}/devices`)).data;
  return devices.find((d) => d.pairing_code_id === code.id) ?? null;
}

/**
 * Sign the next key list with `device` in it, once its pairing tag checks; a KeyAlarm and
 * nothing signed when it does not (the device shown is not the one the code was typed on).
 */
export async function acceptDevice(key, code, device) {
  const publicKey = fromBase64(device.public_key, "the device's key");
  await importEd25519Public(publicKey);
  const id = await keyId(publicKey);
  const given = device.pairing_tag ? fromBase64(device.pairing_tag, 'the pairing tag') : new Uint8Array(0);
  const expected = await deviceTag(code.secret, code.homeId, publicKey);
  let same = given.length === expected.length;
  for (let i = 0; i < expected.length; i += 1) same = same && given[i] === expected[i];
  if (!same) {
    throw new KeyAlarm(`device ${device.id} paired with this code, but its pairing tag does not `
      + 'match the code: it is not the device the code was typed on; nothing was signed');
  }
  const me = meOf(key);
  const listed = { deviceId: device.id, keyId: id, publicKey, revoked: false };
  const signed = await signList(await withDevice(await signedList(code.homeId, key), listed),
    key.signingKey, key.signingPublic);
  await call('PUT', `/v1/homes/${code.homeId}/key-list`, signed);
  await expectPinned(code.homeId, me, signed.version);
  return listed;
}
