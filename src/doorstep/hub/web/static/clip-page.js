// The clip page: opens the clip's content key with the resident's own key (owner-clips.js,
// which asks for the passphrase when the key is locked), then decrypts the snapshot and
// details at once and plays the clip chunk by chunk on request (player.js).

import { DoorstepCryptoError, openPart, showSnapshot } from './doorstep-crypto.js';
import { clipAccess } from './owner-clips.js';
import { play } from './player.js';

const app = document.getElementById('clip-app');
const clipId = app.dataset.clipId;
const parts = new Set(app.dataset.parts.split(' ').filter(Boolean));
const partUrl = (part) => `/v1/clips/${clipId}/parts/${part}`;
const $ = (id) => document.getElementById(id);

// {contentKey, devicePublicKey}, opened once for this page (one passphrase prompt, not three);
// forgotten after a failure, so that pressing Play asks again.
let access = null;
const openAccess = () => {
  access ??= clipAccess(clipId).catch((error) => {
    access = null;
    throw error;
  });
  return access;
};

const why = (error) => (error instanceof DoorstepCryptoError
  ? `it failed verification: ${error.message}` : `it could not be opened: ${error.message}`);

async function fetchBody(url) {
  const response = await fetch(url, { cache: 'no-store', credentials: 'same-origin' });
  if (!response.ok) throw new Error(`fetching it failed: HTTP ${response.status}`);
  return response.body;
}

async function showSnapshotPart() {
  const [img, status] = [$('clip-snapshot'), $('snapshot-status')];
  try {
    const { contentKey, devicePublicKey } = await openAccess();
    await showSnapshot(img, await fetchBody(partUrl('snapshot')),
      { contentKey, clipId, devicePublicKey });
    img.hidden = false;
    status.textContent = 'Verified: signed by the camera and unaltered.';
  } catch (error) {
    status.textContent = `The snapshot is not shown because ${why(error)}`;
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

async function playClip() {
  const [button, meter, progress, alert] = [$('clip-play'), $('clip-meter'), $('clip-progress'),
    $('clip-error')];
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
    const { contentKey, devicePublicKey } = await openAccess();
    const video = $('clip-video');
    await play(video, { url: partUrl('clip'), contentKey, clipId, devicePublicKey, onProgress });
    meter.value = 100;
    progress.textContent = 'The whole clip is verified: signed by the camera and unaltered.';
  } catch (error) {
    progress.textContent = 'Playback stopped.';
    alert.textContent = `The clip is not shown because ${why(error)}`;
    alert.hidden = false;
    button.disabled = false;
  }
}

if (parts.has('clip')) $('clip-play').addEventListener('click', playClip);
if (parts.has('snapshot')) showSnapshotPart();
if (parts.has('details')) showDetailsPart();
