// The clip viewer: fetches a sealed clip or snapshot, opens it with doorstep-crypto.js and
// shows it. Whoever imports this passes the keys in (the content key from the
// household chain, the device's public key from pairing); they are never in a URL.

import { DoorstepCryptoError, playClip, showSnapshot } from './doorstep-crypto.js';

const status = document.getElementById('status');
const video = document.getElementById('clip');
const snapshot = document.getElementById('snapshot');

function say(text, failed = false) {
  status.textContent = text;
  status.classList.toggle('error', failed);
}

async function fetchBody(url) {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`fetching ${url} failed: HTTP ${response.status}`);
  return response.body;
}

async function show(what, url, options, open) {
  let chunks = 0;
  const onChunk = async (plaintext, index) => {
    chunks = index + 1;
    say(`Decrypting the ${what}: ${chunks} chunks authenticated…`);
    if (options.onChunk) await options.onChunk(plaintext, index);
  };
  try {
    const blobUrl = await open(await fetchBody(url), { ...options, onChunk });
    say(`The ${what} is verified: signed by the camera and unaltered.`);
    return { blobUrl, chunks };
  } catch (error) {
    const why = error instanceof DoorstepCryptoError ? 'it failed verification' : 'it did not load';
    say(`The ${what} is not shown because ${why}: ${error.message}`, true);
    throw error;
  }
}

/** Fetch, verify and play a sealed clip: {contentKey, clipId, devicePublicKey[, onChunk]}. */
export function viewClip(url, options) {
  return show('clip', url, options, (body, opts) => playClip(video, body, opts));
}

/** Fetch, verify and show a sealed snapshot. */
export function viewSnapshot(url, options) {
  return show('snapshot', url, options, (body, opts) => showSnapshot(snapshot, body, opts));
}

if (globalThis.crypto?.subtle) say('Ready.');
else say('This page needs https or localhost: WebCrypto is unavailable.', true);
