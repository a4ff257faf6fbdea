// Answering an agency's request on the resident's page, as doorstep.owner.sharing does:
// the agency's key is checked first (its id recomputed, its log proof, and its fingerprint
// against the one the agency publishes in the public list); only then is each chosen clip
// opened here (every part, its device signature checked with a device key in the home's
// owner-signed list), its content key wrapped to the agency key, and what was seen sealed
// under the content key (the attestation): the hub gets no plaintext digest.
//
//   import { shareClips, declineRequest } from '/static/owner-share.js';

import { PARTS, TWIN_PARTS, fingerprint, keyId, openPart, toBase64, clipSubject } from './doorstep-crypto.js';
import { KeyRefused } from './doorstep-trust.js';
import { call, download, get } from './owner-api.js';
import { checkAgencyKey } from './owner-checks.js';
import { clipAccess } from './owner-clips.js';
import { getUnlockedKey } from './owner-session.js';
import { sealAttestation, wrapKey } from './owner-wrap.js';

/** The agency key of an inbox entry, checked; KeyRefused before anything is opened. */
export async function checkedAgencyKey(agency) {
  const publicKey = await checkAgencyKey(agency);
  const computed = fingerprint(await keyId(publicKey));
  const listed = (await get('/v1/agencies')).data.find((a) => a.id === agency.id);
  if (!listed) {
    throw new KeyRefused(`agency ${agency.name} is not among the hub's participating agencies`);
  }
  if (listed.key_fingerprint !== computed) {
    throw new KeyRefused(`agency ${agency.name}'s key ${computed} is not the key it publishes `
      + `(${listed.key_fingerprint ?? 'none'}): nothing was shared`);
  }
  return publicKey;
}

/**
 * One clip of a share: every part opened and attested, the key wrapped to the agency. With
 * `twin`, the blurred twin alone: its own key, its two parts; the clip's key stays here.
 */
export async function shareChoice(clipId, agencyPublicKey, { key, twin = false } = {}) {
  const access = await clipAccess(clipId, { key, twin });
  const parts = {};
  for (const part of twin ? TWIN_PARTS : PARTS) {
    const sealed = await download(`/v1/clips/${clipId}/parts/${part}`);
    const opened = await openPart(sealed, {
      contentKey: access.contentKey, clipId, part, devicePublicKey: access.devicePublicKey,
    });
    opened.plaintext.fill(0);
    parts[part] = { sha256: opened.sha256, deviceSignature: opened.deviceSignature };
  }
  const attestation = await sealAttestation(
    { deviceKeyId: await keyId(access.devicePublicKey), parts },
    { contentKey: access.contentKey, clipId });
  const wrapped = await wrapKey(access.contentKey, agencyPublicKey, clipSubject(clipId));
  access.contentKey.fill(0);
  const choice = {
    clip_id: clipId, wrapped_key: toBase64(wrapped), sealed_attestation: toBase64(attestation),
  };
  return twin ? { ...choice, twin: true } : choice;
}

/**
 * Share `clipIds` with the agency that sent inbox entry `entryId`; resolves to the hub's
 * answer (the share). `expiresInDays`: shorter access than the agency's stated retention.
 * `twinIds`: those of `clipIds` to share as their blurred twin alone (faces blurred).
 */
export async function shareClips(entryId, clipIds, { expiresInDays = null, twinIds = [] } = {}) {
  if (!clipIds.length) throw new TypeError('choose at least one clip to share');
  if (twinIds.some((id) => !clipIds.includes(id))) {
    throw new TypeError('a clip shared as its blurred copy must be one of the clips chosen');
  }
  const key = await getUnlockedKey({ reason: 'Sharing opens each clip here, in your browser, '
    + 'and wraps its key to the agency. Your passphrase unlocks your key on this page only.' });
  const entry = await get(`/v1/inbox/${entryId}`);
  const agencyPublicKey = await checkedAgencyKey(entry.agency);
  const clips = [];
  const twins = new Set(twinIds);
  for (const clipId of clipIds) {
    clips.push(await shareChoice(clipId, agencyPublicKey, { key, twin: twins.has(clipId) }));
  }
  return call('POST', `/v1/inbox/${entryId}/share`, { clips, expires_in_days: expiresInDays });
}

/** Decline the request: silent, and to the agency the same as never answering. */
export const declineRequest = (entryId) => call('POST', `/v1/inbox/${entryId}/decline`);
