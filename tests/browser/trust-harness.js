// Test-side helpers for the key checks (doorstep-trust.js, signing keys, attestations,
// header parity), served at /trust-harness.js: they report plain JSON back to pytest.

import * as dc from '/static/doorstep-crypto.js';
import * as dk from '/static/doorstep-keys.js';
import * as dt from '/static/doorstep-trust.js';

const b64 = dc.fromBase64;
const { hex } = dc;
const fromHex = (text) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));

/** {ok: value} or {refused: {name, message}}, so pytest sees errors as data. */
async function outcome(run) {
  try {
    return { ok: await run() };
  } catch (error) {
    return { refused: { name: error.name, message: error.message } };
  }
}

export const checkX25519Public = (publicHex) => outcome(
  () => hex(dc.checkX25519Public(fromHex(publicHex))));

/** A signing_keys vector: the derived key, the binding made here and its check. */
export const signingKey = (c) => outcome(async () => {
  const { privateKey, publicRaw } = await dk.deriveSigningKey(b64(c.x25519_private));
  const binding = await dk.userKeyBinding(b64(c.x25519_private));
  await dc.verifyBinding(b64(c.x25519_public), b64(c.signing_public), b64(c.binding_signature));
  return {
    extractable: privateKey.extractable,
    usages: privateKey.usages,
    signingPublic: hex(publicRaw),
    bindingPublic: hex(binding.signingPublic),
    bindingSignature: hex(binding.bindingSignature),
  };
});

export const verifyBinding = (x25519Public, signingPublic, signature) => outcome(async () => {
  await dc.verifyBinding(b64(x25519Public), b64(signingPublic), b64(signature));
  return true;
});

const listSummary = (list) => ({
  version: list.version,
  digest: list.digest,
  currentHomeKeyId: dt.currentHomeKey(list).id,
  owners: list.members.filter((m) => m.owner).map((m) => dc.toBase64(m.signingKey)),
  devices: list.devices.map((d) => d.keyId),
});

/**
 * Verify `records` (signed lists as JSON) one after the other, the first against the list
 * `before` (records verified first, with `trusted`) or nothing; the summary of each.
 */
export function keyLists(homeId, records, { before = [], trusted = [] } = {}) {
  const trustedOwners = trusted.map(b64);
  const verify = (record, previous) => dt.verifyKeyList(dt.parseSignedKeyList(record),
    { homeId, previous, trustedOwners });
  return outcome(async () => {
    let previous = null;
    for (const record of before) previous = await verify(record, previous);
    const out = [];
    for (const record of records) {
      previous = await verify(record, previous);
      out.push(listSummary(previous));
    }
    return out;
  });
}

export const safetyNumber = (c) => outcome(async () => {
  const [aSign, aX, bSign, bX] = [c.a_signing_key, c.a_x25519_key, c.b_signing_key,
    c.b_x25519_key].map(b64);
  const number = await dt.safetyNumber(aSign, aX, bSign, bX);
  return {
    aCode: await dt.partyCode(aSign, aX),
    bCode: await dt.partyCode(bSign, bX),
    number,
    swapped: await dt.safetyNumber(bSign, bX, aSign, aX),
    formatted: dt.formatSafetyNumber(number),
  };
});

export const attestation = (c, sealed = c.sealed) => outcome(async () => {
  const opened = await dc.openAttestation(b64(sealed),
    { contentKey: b64(c.content_key), clipId: c.clip_id });
  const parts = Object.fromEntries(Object.entries(opened.parts).map(([name, part]) => [name,
    { plaintext_sha256: part.plaintextSha256,
      device_signature: dc.toBase64(part.deviceSignature) }]));
  return { device_key_id: opened.deviceKeyId, parts };
});

/** checkKeyProof with `newest` as {size (decimal text), root (base64)} and a canned proof. */
export const keyProof = (proof, a) => outcome(async () => {
  const newest = a.newest && { size: BigInt(a.newest.size), root: b64(a.newest.root) };
  const asked = [];
  const consistency = a.consistency && (async (oldSize, newSize) => {
    asked.push([Number(oldSize), Number(newSize)]);
    return a.consistency.map(b64);
  });
  const checkpoint = await dt.checkKeyProof(proof, {
    logKey: a.log_key, action: a.action, objects: a.objects, newest, consistency,
  });
  return { size: Number(checkpoint.size), root: dc.toBase64(checkpoint.root), asked };
});

export const keyLabel = (kind, value) => outcome(() => dt.keyLabel(kind, value));

/** A signed list as the route's JSON text, read with parseJson as a page should. */
export const signedKeyList = (text) => outcome(() => {
  const signed = dt.parseSignedKeyList(dc.parseJson(text));
  return { version: signed.version, body: hex(signed.body), signer: hex(signed.signer) };
});
