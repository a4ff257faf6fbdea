// The confirm page for removing a household member: what `doorstep keys remove-member`
// does, in the owner's browser. Unlock first (nothing is removed without the key), remove
// the member, then make a new home key wrapped to everyone left, in a key list this owner
// signs that names the member removed (owner-homekey.js rotateHomeKey).

import { fingerprint } from './doorstep-crypto.js';
import { call } from './owner-api.js';
import { rotateHomeKey } from './owner-homekey.js';
import { getUnlockedKey } from './owner-session.js';

const $ = (id) => document.getElementById(id);
const button = $('confirm-remove');
const { homeId, userId, name } = button.dataset;

function say(text) {
  $('remove-status').textContent = text;
}

function fail(text) {
  $('remove-error').textContent = text;
  $('remove-error').hidden = false;
  say('');
}

/** The outcome is final: the buttons go, and focus goes to the way back to the settings. */
function finish() {
  $('remove-actions').hidden = true;
  $('remove-done').hidden = false;
  $('remove-done').querySelector('a').focus();
}

button.addEventListener('click', async () => {
  button.disabled = true;
  $('remove-error').hidden = true;
  let key;
  try {
    key = await getUnlockedKey();
    say(`Removing ${name}…`);
    await call('DELETE', `/v1/homes/${homeId}/members/${userId}`);
  } catch (error) {
    fail(`Nothing was removed: ${error.message}`);
    button.disabled = false;
    return;
  }
  say(`Removed ${name}. Making a new home key…`);
  try {
    const list = await rotateHomeKey(homeId, key);
    const current = list.homeKeys.find((k) => !k.retired);
    say(`Removed ${name}. New home key ${fingerprint(current.id)}, in key list version `
      + `${list.version} signed by you, without ${name}: clips from now on are closed to them.`);
  } catch (error) {
    fail(`${name} is removed, but the new home key was not made: ${error.message}. `
      + `Make one on Keys ("Make a new home key") so ${name} can't open new clips.`);
  }
  finish();
});

// The button works once this script runs: enabled only now, so no press is lost.
button.disabled = false;
