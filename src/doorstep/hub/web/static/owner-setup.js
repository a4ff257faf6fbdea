// Making and publishing your keys in the browser: a port of doorstep.owner.keys
// publish_user_key. The X25519 key and the signing key derived from it are made here,
// the private key is sealed under the passphrase here, and the hub's answer must prove
// that its log holds exactly these keys before the page says they are set up.

import { fingerprint, importX25519Private, keyId, toBase64 } from './doorstep-crypto.js';
import {
  deriveSigningKey, generateUserKey, sealPrivateKeyBox, userKeyBinding,
} from './doorstep-keys.js';
import { call, get } from './owner-api.js';
import { checkOwnKey } from './owner-checks.js';
import { adopt } from './owner-session.js';
import { addKnownKeys } from './owner-store.js';

/**
 * Make your keys, seal the private key under `passphrase` (checked by the caller with
 * owner-strength.js) and publish them. Resolves to the unlocked key (owner-session.js).
 */
export async function publishKey(passphrase, { parameters } = {}) {
  const { id: userId } = await get('/v1/me');
  const fresh = await generateUserKey();
  try {
    const box = await sealPrivateKeyBox(fresh.privateRaw, passphrase, parameters);
    const { signingPublic, bindingSignature } = await userKeyBinding(fresh.privateRaw);
    const me = {
      userId, keyId: fresh.keyId, publicKey: fresh.publicRaw, signingKey: signingPublic,
      signingKeyId: await keyId(signingPublic),
    };
    addKnownKeys(userId, me.keyId, me.signingKeyId);
    const record = await call('PUT', '/v1/me/key', {
      public_key: toBase64(fresh.publicRaw),
      private_key_box: toBase64(box),
      signing_key: toBase64(signingPublic),
      binding_signature: toBase64(bindingSignature),
    });
    await checkOwnKey(me, record);
    const signing = await deriveSigningKey(fresh.privateRaw);
    return adopt({
      userId,
      keyId: me.keyId,
      fingerprint: fingerprint(me.keyId),
      publicKey: fresh.publicRaw,
      signingPublic,
      signingKeyId: me.signingKeyId,
      x25519Private: await importX25519Private(fresh.privateRaw),
      signingKey: signing.privateKey,
    });
  } finally {
    fresh.privateRaw.fill(0);
  }
}
