// Test-side helpers for the owner's modules (owner-keylist.js, owner-pair.js,
// owner-wrap.js), served at /owner-harness.js: they take and give base64 so that pytest
// checks what the browser signs, tags and wraps with the Python code.

import * as dc from '/static/doorstep-crypto.js';
import * as dk from '/static/doorstep-keys.js';
import * as kl from '/static/owner-keylist.js';
import * as op from '/static/owner-pair.js';
import * as ow from '/static/owner-wrap.js';

const b64 = dc.fromBase64;
const enc = dc.toBase64;

async function outcome(run) {
  try {
    return { ok: await run() };
  } catch (error) {
    return { refused: { name: error.name, message: error.message } };
  }
}

const member = (m) => ({ userId: m.user_id, owner: m.owner, keyId: m.key_id,
  publicKey: b64(m.public_key), signingKey: b64(m.signing_key) });
const device = (d) => ({ deviceId: d.device_id, keyId: d.key_id, publicKey: b64(d.public_key),
  revoked: d.revoked });

/**
 * Sign, with the signing key derived from `ownerPrivate` (base64 X25519), version 1 of a
 * home's list (`members`, a first home key), then version 2 with `addDevice` in it, and
 * version 3 with the home key rotated to `nextHomeKey`. The three signed JSON records.
 */
export const signChain = ({ ownerPrivate, homeId, members, homeKey, addDevice, nextHomeKey }) =>
  outcome(async () => {
    const { privateKey, publicRaw } = await dk.deriveSigningKey(b64(ownerPrivate));
    const first = await kl.nextList(null, {
      homeId, members: members.map(member),
      homeKeys: [await kl.listedHomeKey(b64(homeKey), 1)],
    });
    const second = await kl.withDevice(first, device(addDevice));
    const third = await kl.withHomeKey(second, b64(nextHomeKey));
    const out = [];
    for (const list of [first, second, third]) out.push(await kl.signList(list, privateKey, publicRaw));
    return out;
  });

export const tags = (secret, homeId, ownerKey, deviceKey) => outcome(async () => ({
  owner: enc(await op.ownerTag(secret, homeId, b64(ownerKey))),
  device: enc(await op.deviceTag(secret, homeId, b64(deviceKey))),
  secret: op.newSecret(),
  code: op.formatCode(op.normalizeCode('abcde-fghij') + 'SSSSSSSSSSSS'),
}));

export const wrap = (secret, recipient, subject) => outcome(
  async () => enc(await ow.wrapKey(b64(secret), b64(recipient), subject)));

export const seal = (attestation, contentKey, clipId) => outcome(async () => enc(
  await ow.sealAttestation({
    deviceKeyId: attestation.device_key_id,
    parts: Object.fromEntries(Object.entries(attestation.parts).map(([name, p]) => [name,
      { sha256: p.plaintext_sha256, deviceSignature: b64(p.device_signature) }])),
  }, { contentKey: b64(contentKey), clipId })));

export const strength = async (passphrases, options) => {
  const { checkPassphrase } = await import('/static/owner-strength.js');
  const out = [];
  for (const passphrase of passphrases) out.push(await checkPassphrase(passphrase, options));
  return out;
};

export const suggestions = async (count) => {
  const { suggestPassphrase } = await import('/static/owner-strength.js');
  const out = [];
  for (let i = 0; i < count; i += 1) out.push(await suggestPassphrase());
  return out;
};
