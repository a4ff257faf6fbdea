// The clip page: opens the clip's content key with the resident's own key (owner-clips.js,
// which asks for the passphrase when the key is locked), then decrypts the snapshot and
// details at once and plays the clip chunk by chunk on request (player.js). A clip with a
// blurred twin gets the same for the twin's snapshot and clip, opened with the twin's own
// content key (GET /v1/clips/{id}/keys?scope=twin); one unlock serves both keys.

import { DoorstepCryptoError, openPart, showSnapshot } from './doorstep-crypto.js';
import { clipAccess } from './owner-clips.js';
import { play } from './player.js';

const app = document.getElementById('clip-app');
const clipId = app.dataset.clipId;
const parts = new Set(app.dataset.parts.split(' ').filter(Boolean));
const partUrl = (part) => `/v1/clips/${clipId}/parts/${part}`;
const $ = (id) => document.getElementById(id);

// {contentKey, devicePublicKey} of the clip and of its twin, each opened once for this page
// (one passphrase prompt in all: owner-session.js asks once however many wait for the key);
// forgotten after a failure, so that pressing Play asks again.
const opened = new Map();
const accessTo = (scope) => () => {
  if (!opened.has(scope)) {
    opened.set(scope, clipAccess(clipId, { twin: scope === 'twin' }).catch((error) => {
      opened.delete(scope);
      throw error;
    }));
  }
  return opened.get(scope);
};
const openAccess = accessTo('clip');
const openTwinAccess = accessTo('twin');

const why = (error) => (error instanceof DoorstepCryptoError
  ? `it failed verification: ${error.message}` : `it could not be opened: ${error.message}`);

async function fetchBody(url) {
  const response = await fetch(url, { cache: 'no-store', credentials: 'same-origin' });
  if (!response.ok) throw new Error(`fetching it failed: HTTP ${response.status}`);
  return response.body;
}

const SNAPSHOTS = {
  snapshot: { img: 'clip-snapshot', status: 'snapshot-status', access: openAccess,
    name: 'The snapshot' },
  twin_snapshot: { img: 'twin-snapshot', status: 'twin-snapshot-status', access: openTwinAccess,
    name: "The blurred copy's snapshot" },
};

async function showSnapshotPart(part) {
  const { access, name } = SNAPSHOTS[part];
  const [img, status] = [$(SNAPSHOTS[part].img), $(SNAPSHOTS[part].status)];
  try {
    const { contentKey, devicePublicKey } = await access();
    await showSnapshot(img, await fetchBody(partUrl(part)),
      { part, contentKey, clipId, devicePublicKey });
    img.hidden = false;
    status.textContent = 'Verified: signed by the camera and unaltered.';
  } catch (error) {
    status.textContent = `${name} is not shown because ${why(error)}`;
  }
}

async function showDetailsPart() {
  const status = $('details-status');
  const unknown = 'not shown';
  try {
    const { contentKey, devicePublicKey } = await openAccess();
    const opened = await openPart(await fetchBody(partUrl('details')),
      { contentKey, clipId, part: 'details', devicePublicKey });
    const details = JSON.parse(new TextDecoder().decode(opened.plaintext)); // padded: JSON allows
    $('detail-label').textContent = String(details.label ?? 'unknown');
    $('detail-score').textContent = typeof details.score === 'number'
      ? `${Math.round(details.score * 100)} %` : 'unknown';
    $('detail-zones').textContent = Array.isArray(details.zones) && details.zones.length
      ? details.zones.join(', ') : 'none';
    status.textContent = 'Details decrypted in your browser and verified.';
  } catch (error) {
    for (const id of ['detail-label', 'detail-score', 'detail-zones']) $(id).textContent = unknown;
    status.textContent = `The details are not shown because ${why(error)}`;
  }
}

const megabytes = (n) => `${(n / 1e6).toFixed(1)} MB`;

const VIDEOS = {
  clip: { prefix: 'clip', access: openAccess, name: 'clip' },
  twin_clip: { prefix: 'twin', access: openTwinAccess, name: 'blurred copy' },
};

async function playPart(part) {
  const { prefix, access, name } = VIDEOS[part];
  const [button, meter, progress, alert, video] = ['play', 'meter', 'progress', 'error', 'video']
    .map((what) => $(`${prefix}-${what}`));
  button.disabled = true;
  alert.hidden = true;
  let spoken = -1; // the live region speaks at each quarter, not at every chunk
  const onProgress = ({ received, total, playing }) => {
    const percent = total ? Math.floor((received / total) * 100) : 0;
    meter.value = percent;
    const quarter = Math.floor(percent / 25);
    if (quarter === spoken && percent < 100) return;
    spoken = quarter;
    const of = total ? ` of ${megabytes(total)} (${percent} %)` : '';
    progress.textContent = `Decrypting: ${megabytes(received)}${of} verified and `
      + `decrypted${playing ? '; playing' : ''}.`;
  };
  try {
    const { contentKey, devicePublicKey } = await access();
    await play(video,
      { url: partUrl(part), part, contentKey, clipId, devicePublicKey, onProgress });
    meter.value = 100;
    progress.textContent = `The whole ${name} is verified: signed by the camera and unaltered.`;
  } catch (error) {
    progress.textContent = 'Playback stopped.';
    alert.textContent = `The ${name} is not shown because ${why(error)}`;
    alert.hidden = false;
    button.disabled = false;
  }
}

if (parts.has('clip')) $('clip-play').addEventListener('click', () => playPart('clip'));
if (parts.has('twin_clip')) $('twin-play').addEventListener('click', () => playPart('twin_clip'));
for (const part of ['snapshot', 'twin_snapshot']) {
  if (parts.has(part) && $(SNAPSHOTS[part].img)) showSnapshotPart(part);
}
if (parts.has('details')) showDetailsPart();
