// Test-side helpers for doorstep-keys.js, served at /keys-harness.js: they seal and open
// passphrase boxes in the page and report plain JSON (hex for bytes) back to pytest.

import * as dc from '/static/doorstep-crypto.js';
import * as dk from '/static/doorstep-keys.js';

const b64 = dc.fromBase64;
const hex = (data) => Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('');

/** {ok: value} or {refused: {name, message}}, so pytest sees errors as data. */
async function outcome(run) {
  try {
    return { ok: await run() };
  } catch (error) {
    return { refused: { name: error.name, message: error.message } };
  }
}

const parameters = (c) => ({ memoryKib: c.memory_kib, iterations: c.iterations, lanes: c.lanes });

/** Open a box (base64) as a passphrase_boxes vector describes it. */
export const openBox = (c) => outcome(async () => {
  const key = await dk.openPrivateKeyBox(b64(c.box), c.passphrase, c.key_id);
  const publicRaw = await dc.x25519PublicOf(key);
  return {
    publicKey: hex(publicRaw),
    keyId: await dc.keyId(publicRaw),
    extractable: key.extractable,
    usages: key.usages,
  };
});

/** Seal a raw private key (base64); with the case's salt and nonce when it has them. */
export const sealBox = (c) => outcome(async () => {
  const fixed = c.salt ? { salt: b64(c.salt), nonce: b64(c.nonce) } : {};
  return hex(await dk.sealPrivateKeyBox(b64(c.private_key), c.passphrase, parameters(c), fixed));
});

export const parseBox = (box) => outcome(() => {
  const { salt, nonce, sealed, ...cost } = dk.parsePrivateKeyBox(b64(box));
  return { ...cost, salt: hex(salt), nonce: hex(nonce), sealed: hex(sealed) };
});

/** A new key, sealed under `passphrase` with cost `c`, then opened again from the box. */
export const newSealedKey = (passphrase, c) => outcome(async () => {
  const { privateRaw, publicRaw, keyId } = await dk.generateUserKey();
  const box = await dk.sealPrivateKeyBox(privateRaw, passphrase, parameters(c));
  const opened = await dk.openPrivateKeyBox(box, passphrase, keyId);
  const reopenedId = await dc.keyId(await dc.x25519PublicOf(opened));
  return { privateRaw: hex(privateRaw), publicRaw: hex(publicRaw), keyId, box: hex(box),
    reopenedId };
});

/** Milliseconds that opening `c.box` takes (Argon2id dominates), for measuring. */
export const timeOpen = (c) => outcome(async () => {
  const start = performance.now();
  await dk.openPrivateKeyBox(b64(c.box), c.passphrase, c.key_id);
  return performance.now() - start;
});
