// The sealing side the owner's pages need, as doorstep.crypto.envelope.wrap_key and
// doorstep.crypto.attestation.seal_attestation write it (docs/crypto-format.md): a
// 32-byte secret wrapped to an X25519 public key for a subject, and a clip's sealed
// attestation. WebCrypto only. Callers wrap only to keys they checked (owner-checks.js).

import {
  bytes, canonicalJson, checkX25519Public, concat, fail, keyId, openAttestation, subtle,
  toBase64,
} from './doorstep-crypto.js';

const encoder = new TextEncoder();
const ATTESTATION_INFO = encoder.encode('doorstep attestation v1\0');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function hkdfKey(ikm, salt, info, usage) {
  const base = await subtle().importKey('raw', ikm, 'HKDF', false, ['deriveKey']);
  return subtle().deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info }, base,
    { name: 'AES-GCM', length: 256 }, false, [usage]);
}

/** The 81-byte wrapped key of `secret` (32 bytes) for `recipientPublic` (raw) and `subject`. */
export async function wrapKey(secret, recipientPublic, subject) {
  secret = bytes(secret, 'a wrapped secret', 32);
  const recipient = checkX25519Public(recipientPublic, "the recipient's public key");
  const ephemeral = await subtle().generateKey({ name: 'X25519' }, true, ['deriveBits']);
  const ephemeralPublic = new Uint8Array(await subtle().exportKey('raw', ephemeral.publicKey));
  const peer = await subtle().importKey('raw', recipient, { name: 'X25519' }, false, []);
  const shared = new Uint8Array(await subtle().deriveBits(
    { name: 'X25519', public: peer }, ephemeral.privateKey, 256));
  if (shared.every((b) => b === 0)) fail('the X25519 exchange gave all zeros (a low-order public key)');
  const info = encoder.encode(`doorstep key wrap v1\0${await keyId(recipient)}\0${subject}`);
  const kek = await hkdfKey(shared, concat([ephemeralPublic, recipient]), info, 'encrypt');
  shared.fill(0);
  const sealed = await subtle().encrypt(
    { name: 'AES-GCM', iv: new Uint8Array(12), additionalData: info, tagLength: 128 }, kek, secret);
  return concat([Uint8Array.of(1), ephemeralPublic, new Uint8Array(sealed)]);
}

/**
 * A clip's sealed attestation: `parts` maps part names to `{sha256: hex, deviceSignature:
 * Uint8Array}` (what openPart resolved to). Opened again here before it is returned, so
 * nothing is sealed that the agency's side would refuse.
 */
export async function sealAttestation({ deviceKeyId, parts }, { contentKey, clipId }) {
  if (typeof clipId !== 'string' || !UUID.test(clipId)) fail(`clip id is not a UUID: ${clipId}`);
  const body = encoder.encode(canonicalJson({
    device_key_id: deviceKeyId,
    parts: Object.fromEntries(Object.entries(parts).map(([name, seen]) => [name, {
      device_signature: toBase64(seen.deviceSignature), plaintext_sha256: seen.sha256,
    }])),
  }));
  const id = Uint8Array.from(clipId.replace(/-/g, '').match(/../g), (h) => parseInt(h, 16));
  const key = await hkdfKey(bytes(contentKey, 'a content key', 32), new Uint8Array(0),
    concat([ATTESTATION_INFO, id]), 'encrypt');
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const sealed = concat([nonce, new Uint8Array(
    await subtle().encrypt({ name: 'AES-GCM', iv: nonce, tagLength: 128 }, key, body))]);
  await openAttestation(sealed, { contentKey, clipId });
  return sealed;
}
