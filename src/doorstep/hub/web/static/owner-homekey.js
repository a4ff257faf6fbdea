// A home's key, made and rotated in the owner's browser: a port of doorstep.owner.keys
// rotate_home_key and grant_member. A new home key is wrapped only to members whose keys
// checked here (ids, binding signatures, log proofs), in a key list this owner signs that
// names it current and names exactly the members it is wrapped to.

import { fromBase64, homeSubject, toBase64, unwrapKey } from './doorstep-crypto.js';
import { KeyRefused } from './doorstep-trust.js';
import { call, get } from './owner-api.js';
import { checkMemberRow, verifiedKeyList } from './owner-checks.js';
import { homePrivateKeys } from './owner-clips.js';
import { listedHomeKey, nextList, signList, withHomeKey, withMember } from './owner-keylist.js';
import { addKnownKeys } from './owner-store.js';
import { wrapKey } from './owner-wrap.js';

/** The identity the checks need, from an unlocked key (owner-session.js). */
export const meOf = (key) => ({ userId: key.userId, keyId: key.keyId,
  publicKey: key.publicKey, signingKey: key.signingPublic });

/** Every household member with a key, each checked; yours must be your own. */
export async function currentMembers(homeId, me) {
  const members = [];
  for (const row of (await get(`/v1/homes/${homeId}/member-keys`)).data) {
    const member = await checkMemberRow(row);
    if (!member) continue;
    if (member.userId === me.userId && member.keyId !== me.keyId) {
      throw new KeyRefused(`the hub lists key ${member.keyId} as yours, but yours is ${me.keyId}`);
    }
    members.push(member);
  }
  return members;
}

function listed(previous, member, me) {
  const before = previous?.members.find((m) => m.userId === member.userId);
  const owner = before ? before.owner : !previous && member.userId === me.userId;
  return { userId: member.userId, owner, keyId: member.keyId,
    publicKey: member.publicKey, signingKey: member.signingKey };
}

/** The list just signed, fetched back with its proof and pinned. */
export async function expectPinned(homeId, me, version) {
  const newest = await verifiedKeyList(homeId, me);
  if (!newest || newest.version !== version) {
    throw new KeyRefused(`the hub does not serve the key list version ${version} just signed `
      + `for home ${homeId}`);
  }
  return newest;
}

/**
 * Owner: a new home key (the first one too), wrapped to every member whose key checks, in
 * a list you sign. Resolves to the new list, verified and pinned.
 */
export async function rotateHomeKey(homeId, key) {
  const me = meOf(key);
  const previous = await verifiedKeyList(homeId, me);
  const members = await currentMembers(homeId, me);
  const { generateUserKey } = await import('./doorstep-keys.js');
  const fresh = await generateUserKey();
  try {
    const people = members.map((m) => listed(previous, m, me));
    let list;
    if (!previous) {
      const first = await listedHomeKey(fresh.publicRaw, 1);
      list = await nextList(null, { homeId, members: people, homeKeys: [first] });
    } else {
      const kept = new Set(people.map((m) => m.userId));
      list = await nextList(previous, {
        homeId,
        members: people,
        homeKeys: (await withHomeKey(previous, fresh.publicRaw)).homeKeys,
        removed: previous.members.filter((m) => !kept.has(m.userId))
          .map((m) => ({ userId: m.userId, keyId: m.keyId })),
      });
    }
    const signed = await signList(list, key.signingKey, key.signingPublic);
    const grants = [];
    for (const member of members) {
      const wrapped = await wrapKey(fresh.privateRaw, member.publicKey, homeSubject(fresh.keyId));
      grants.push({ user_key_id: member.keyId, wrapped_key: toBase64(wrapped) });
    }
    addKnownKeys(key.userId, fresh.keyId);
    await call('POST', `/v1/homes/${homeId}/keys`,
      { public_key: toBase64(fresh.publicRaw), grants, key_list: signed });
    return await expectPinned(homeId, me, signed.version);
  } finally {
    fresh.privateRaw.fill(0);
  }
}

/**
 * Owner: give a member the home's keys (all, or only the current one). The member's key
 * must check first; a member not yet in the list, or with a new key, is added in a list
 * you sign before anything is wrapped. Resolves to how many keys were wrapped.
 */
export async function grantMember(homeId, key, memberId, { history = true } = {}) {
  const me = meOf(key);
  const row = (await get(`/v1/homes/${homeId}/member-keys`)).data
    .find((r) => r.user_id === memberId);
  if (!row) throw new KeyRefused(`user ${memberId} is not a member of home ${homeId}`);
  const member = await checkMemberRow(row);
  if (!member) throw new KeyRefused(`member ${memberId} has no key yet; they must make one first`);
  let list = await verifiedKeyList(homeId, me);
  if (!list) throw new KeyRefused(`home ${homeId} has no owner-signed key list yet`);
  const inList = list.members.find((m) => m.userId === memberId);
  if (!inList || inList.keyId !== member.keyId) {
    const signed = await signList(await withMember(list, listed(list, member, me)),
      key.signingKey, key.signingPublic);
    await call('PUT', `/v1/homes/${homeId}/key-list`, signed);
    list = await expectPinned(homeId, me, signed.version);
  }
  const homeKeys = await homePrivateKeys(homeId, key);
  const chosen = list.homeKeys.filter((k) => homeKeys.has(k.id) && (history || !k.retired));
  for (const homeKey of chosen) {
    // Opened (and its id checked) above; its raw bytes exist only while re-wrapped.
    const raw = await rawHomeKey(homeId, homeKey.id, key);
    try {
      const wrapped = await wrapKey(raw, member.publicKey, homeSubject(homeKey.id));
      await call('PUT', `/v1/homes/${homeId}/keys/${homeKey.id}/grants/${member.keyId}`,
        { wrapped_key: toBase64(wrapped) });
    } finally {
      raw.fill(0);
    }
  }
  return chosen.length;
}

async function rawHomeKey(homeId, homeKeyId, key) {
  const listedKey = (await get(`/v1/homes/${homeId}/keys`)).keys.find((k) => k.id === homeKeyId);
  return unwrapKey(fromBase64(listedKey.wrapped_for_me, 'a wrapped home key'),
    key.x25519Private, homeSubject(homeKeyId));
}
