// Making and publishing your keys in the browser, and sealing them under a new passphrase:
// ports of doorstep.owner.keys publish_user_key and change_passphrase. The X25519 key and
// the signing key derived from it are made here, the private key is sealed under the
// passphrase here, and the hub's answer must prove that its log holds exactly these keys
// before the page says they are set up.

import {
  DoorstepCryptoError, fingerprint, fromBase64, importX25519Private, keyId, toBase64,
  x25519PublicOf,
} from './doorstep-crypto.js';
import {
  deriveSigningKey, generateUserKey, openPrivateKeyBoxRaw, sealPrivateKeyBox, userKeyBinding,
} from './doorstep-keys.js';
import { call, get } from './owner-api.js';
import { checkOwnKey } from './owner-checks.js';
import { adopt } from './owner-session.js';
import { addKnownKeys } from './owner-store.js';

/** The current passphrase did not open your key's box: nothing was sent. */
export class WrongPassphrase extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'WrongPassphrase';
  }
}

/**
 * Seal `privateRaw` under `passphrase` and publish it with its public keys (PUT
 * /v1/me/key); the hub's answer must prove that its log holds exactly these keys. The
 * binding signature is made here: Ed25519 signs deterministically, so the same key gives
 * the same signature as published before. Resolves to `{userId, keyId, publicKey,
 * signingKey, signingKeyId}`.
 */
async function sealAndPublish(userId, privateRaw, passphrase, parameters) {
  const box = await sealPrivateKeyBox(privateRaw, passphrase, parameters);
  const binding = await userKeyBinding(privateRaw);
  const publicKey = await x25519PublicOf(await importX25519Private(privateRaw));
  const me = {
    userId, keyId: await keyId(publicKey), publicKey, signingKey: binding.signingPublic,
    signingKeyId: await keyId(binding.signingPublic),
  };
  addKnownKeys(userId, me.keyId, me.signingKeyId);
  const record = await call('PUT', '/v1/me/key', {
    public_key: toBase64(publicKey),
    private_key_box: toBase64(box),
    signing_key: toBase64(binding.signingPublic),
    binding_signature: toBase64(binding.bindingSignature),
  });
  await checkOwnKey(me, record);
  return me;
}

/**
 * Make your keys, seal the private key under `passphrase` (checked by the caller with
 * owner-strength.js) and publish them. Resolves to the unlocked key (owner-session.js).
 */
export async function publishKey(passphrase, { parameters } = {}) {
  const { id: userId } = await get('/v1/me');
  const fresh = await generateUserKey();
  try {
    const me = await sealAndPublish(userId, fresh.privateRaw, passphrase, parameters);
    const signing = await deriveSigningKey(fresh.privateRaw);
    return adopt({
      userId,
      keyId: me.keyId,
      fingerprint: fingerprint(me.keyId),
      publicKey: me.publicKey,
      signingPublic: me.signingKey,
      signingKeyId: me.signingKeyId,
      x25519Private: await importX25519Private(fresh.privateRaw),
      signingKey: signing.privateKey,
    });
  } finally {
    fresh.privateRaw.fill(0);
  }
}

/**
 * Seal your private key under `next` in place of `current` (a port of doorstep.owner.keys
 * change_passphrase): the box the hub keeps is opened here with `current`, its key checked
 * to be the one the hub's record and log name, sealed again under `next` (checked by the
 * caller with owner-strength.js) and published with the same public keys and binding
 * signature (made again, the same bytes: GET /v1/me/key does not serve it). Rejects with
 * WrongPassphrase, having sent nothing, when `current` does not open the box. Resolves to
 * `{keyId, fingerprint}`: the key, unchanged.
 */
export async function changePassphrase(current, next, { parameters } = {}) {
  const { id: userId } = await get('/v1/me');
  const record = await get('/v1/me/key');
  const box = fromBase64(record.private_key_box, 'your passphrase box');
  let raw;
  try {
    raw = await openPrivateKeyBoxRaw(box, current, record.id);
  } catch (error) {
    if (error instanceof DoorstepCryptoError && error.cause?.name === 'OperationError') {
      throw new WrongPassphrase('your current passphrase does not open your key', { cause: error });
    }
    throw error;
  }
  try {
    const signing = await deriveSigningKey(raw);
    const publicKey = await x25519PublicOf(await importX25519Private(raw));
    await checkOwnKey({
      userId, keyId: await keyId(publicKey), publicKey, signingKey: signing.publicRaw,
      signingKeyId: await keyId(signing.publicRaw),
    }, record);
    const me = await sealAndPublish(userId, raw, next, parameters);
    return { keyId: me.keyId, fingerprint: fingerprint(me.keyId) };
  } finally {
    raw.fill(0);
  }
}
