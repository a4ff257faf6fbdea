// One request in the resident's inbox: the area on the map, previews of the resident's own
// clips in the window (decrypted here: owner-clips.js opens the clip key with the unlocked
// key, doorstep-crypto.js checks the camera's signature), and sharing the chosen clips
// (owner-share.js re-wraps each clip key to the agency's checked key). Declining is a
// plain form on the page: it needs no key.

const status = document.getElementById('inbox-status');
const form = document.getElementById('share-form');
const previewButton = document.getElementById('preview-button');

function say(text, kind = 'ok') {
  status.textContent = text;
  status.dataset.kind = kind;
}

const reason = (error) => (error && error.message) || String(error);

async function showArea() {
  const element = document.getElementById('request-map');
  if (!element || !element.dataset.geometry) return;
  try {
    const { showMap } = await import('./map.js');
    await showMap(element, {
      geometry: JSON.parse(element.dataset.geometry),
      label: element.dataset.label,
    });
  } catch (error) {
    // The area stays described in words above the map.
    element.hidden = true;
  }
}

async function showPreviews() {
  const images = [...document.querySelectorAll('img.snapshot-preview[data-clip-id]')];
  if (!images.length) return;
  previewButton.disabled = true;
  try {
    const [{ getUnlockedKey }, { clipAccess }, { showSnapshot }, { download }] = await Promise.all([
      import('./owner-session.js'), import('./owner-clips.js'),
      import('./doorstep-crypto.js'), import('./owner-api.js'),
    ]);
    const key = await getUnlockedKey({ reason: 'Previews are decrypted here, in your browser.' });
    let shown = 0;
    for (const img of images) {
      const clipId = img.dataset.clipId;
      try {
        const access = await clipAccess(clipId, { key });
        const sealed = await download(`/v1/clips/${clipId}/parts/snapshot`);
        await showSnapshot(img, sealed, {
          contentKey: access.contentKey, clipId, devicePublicKey: access.devicePublicKey,
        });
        access.contentKey.fill(0);
        img.hidden = false;
        shown += 1;
      } catch (error) {
        img.insertAdjacentText('afterend', ` Preview refused: ${reason(error)}`);
      }
    }
    say(`${shown} of ${images.length} previews decrypted and verified in your browser.`);
  } catch (error) {
    say(`Previews not shown: ${reason(error)}`, 'error');
  } finally {
    previewButton.disabled = false;
  }
}

async function share(event) {
  event.preventDefault();
  const checked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)]
    .map((box) => box.value);
  const clipIds = checked('clip');
  if (!clipIds.length) {
    say('Choose at least one clip to share.', 'error');
    return;
  }
  // "Only the blurred copy" ticked on a clip not chosen shares nothing of that clip.
  const twinIds = checked('twin').filter((id) => clipIds.includes(id));
  const button = document.getElementById('share-button');
  button.disabled = true;
  say(`Opening and re-wrapping ${clipIds.length} clip(s) in your browser…`);
  try {
    const { shareClips } = await import('./owner-share.js');
    const shared = await shareClips(form.dataset.entryId, clipIds, { twinIds });
    document.getElementById('entry-answer').textContent = 'You shared clips';
    document.getElementById('decline-section')?.remove();
    for (const box of form.querySelectorAll('input[type="checkbox"]')) box.disabled = true;
    const until = new Date(shared.expires_at).toISOString().slice(0, 16).replace('T', ' ');
    const blurred = shared.clips.filter((clip) => clip.twin).length;
    const only = blurred ? ` (${blurred} as the blurred copy only)` : '';
    say(`Shared ${shared.clips.length} clip(s)${only} with ${shared.agency} until ${until} UTC. `
      + 'Your signed receipt is on the Receipts page.');
    const link = document.getElementById('receipts-link');
    if (link) link.hidden = false;
  } catch (error) {
    button.disabled = false;
    say(`Nothing was shared: ${reason(error)}`, 'error');
  }
}

showArea();
// The button comes disabled and works from here on: a press before this script ran would
// have done nothing.
if (previewButton) {
  previewButton.addEventListener('click', showPreviews);
  previewButton.disabled = false;
}
if (form) form.addEventListener('submit', share);
