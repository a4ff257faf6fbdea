// The /pair page: make the home key if the home has none, show a pairing code that binds
// your signing key, wait for the device, check its tag and sign it into the key list.

import { fingerprint, keyId } from './doorstep-crypto.js';
import { verifiedKeyList } from './owner-checks.js';
import { meOf, rotateHomeKey } from './owner-homekey.js';
import { acceptDevice, issuePairingCode, pairedDevice } from './owner-pair.js';
import { getUnlockedKey } from './owner-session.js';

const $ = (id) => document.getElementById(id);
const POLL_MS = 2000;
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

function say(text) {
  $('pair-status').textContent = text;
}

function fail(error) {
  $('pair-error').textContent = `Not paired: ${error.message}`;
  $('pair-error').hidden = false;
  say('');
}

async function waitForDevice(key, code) {
  const until = Date.parse(code.expiresAt);
  while (Date.now() < until) {
    const device = await pairedDevice(code);
    if (device) {
      say(`Device ${device.name} answered: checking its pairing tag…`);
      const listed = await acceptDevice(key, code, device);
      say(`Paired: ${device.name}, device key ${fingerprint(await keyId(listed.publicKey))}, `
        + 'is in your home\'s key list, signed by you.');
      return;
    }
    await sleep(POLL_MS);
  }
  throw new Error('the code expired before a device paired with it; make a new one');
}

$('pair-form')?.addEventListener('submit', async (event) => {
  event.preventDefault();
  $('pair-error').hidden = true;
  $('make-code').disabled = true;
  try {
    const key = await getUnlockedKey({ reason: 'Pairing signs the device into your home with '
      + 'your key. Your passphrase unlocks it on this page only.' });
    const homeId = $('home').value;
    if (!(await verifiedKeyList(homeId, meOf(key)))) {
      say('This home has no home key yet: making one here and signing its first key list…');
      await rotateHomeKey(homeId, key);
    }
    const code = await issuePairingCode(homeId, key);
    $('code').textContent = code.code;
    $('command').textContent = `doorstep edge pair ${code.code} --hub ${location.origin}`;
    $('expires').textContent = new Date(code.expiresAt).toLocaleString();
    $('pair-code').hidden = false;
    $('code-title').focus();
    say('Waiting for the device to pair…');
    await waitForDevice(key, code);
  } catch (error) {
    fail(error);
  } finally {
    $('make-code').disabled = false;
  }
});
