// Test-side helpers, served at /harness.js beside the viewer: they run the vectors and the
// media cases in the page and report plain JSON back to pytest, which does the asserting.

import * as dc from '/static/doorstep-crypto.js';
import { viewClip, viewSnapshot } from '/static/clip-viewer.js';

const b64 = dc.fromBase64;
const hex = (data) => Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('');

// Every Blob URL the page creates, to prove a refused clip never reached the <video>.
export const blobUrls = [];
const createObjectURL = URL.createObjectURL.bind(URL);
URL.createObjectURL = (blob) => {
  const url = createObjectURL(blob);
  blobUrls.push(url);
  return url;
};

/** {ok: value} or {refused: {name, message}}, so pytest sees errors as data. */
async function outcome(run) {
  try {
    return { ok: await run() };
  } catch (error) {
    return { refused: { name: error.name, message: error.message } };
  }
}

const sealedOptions = (c) => ({
  contentKey: b64(c.content_key),
  clipId: c.clip_id,
  part: c.part,
  devicePublicKey: b64(c.device_public),
});

export const partKey = (c) => outcome(async () => {
  return hex(await dc.partKey(b64(c.content_key), c.clip_id, c.part));
});

export const wrappedKey = (c) => outcome(async () => {
  const recipient = await dc.importX25519Private(b64(c.recipient_private));
  const publicRaw = await dc.x25519PublicOf(recipient);
  const keyId = await dc.keyId(publicRaw);
  const secret = await dc.unwrapKey(b64(c.wrapped_key), recipient, c.subject);
  const fingerprint = dc.fingerprint(keyId);
  return { secret: hex(secret), publicKey: hex(publicRaw), keyId, fingerprint };
});

/** Open a sealed part as a stream of small pieces, as fetch() would deliver it. */
export const sealedPart = (c, pieceBytes = 700) => outcome(async () => {
  const sealed = b64(c.sealed);
  const stream = new ReadableStream({
    start(controller) {
      for (let i = 0; i < sealed.length; i += pieceBytes) {
        controller.enqueue(sealed.slice(i, i + pieceBytes));
      }
      controller.close();
    },
  });
  const chunks = [];
  const onChunk = (plain) => chunks.push(plain.length);
  const opened = await dc.openPart(stream, { ...sealedOptions(c), onChunk });
  const { plaintext, sha256, header } = opened;
  return { plaintext: hex(plaintext), sha256, cameraId: header.camera_id, chunks };
});

export const lowOrderWrappedKey = (c) => outcome(async () => {
  const wrapped = b64(c.wrapped_key);
  wrapped.fill(0, 1, 33); // the ephemeral public key becomes u = 0, a low-order point
  return dc.unwrapKey(wrapped, await dc.importX25519Private(b64(c.recipient_private)), c.subject);
});

/** The household chain: from the user's private key alone to the part's plaintext. */
export const household = (a) => outcome(async () => {
  const contentKey = await dc.openContentKey({
    userPrivate: await dc.importX25519Private(b64(a.user_private)),
    homeKeyId: a.home_key_id,
    wrappedHomeKey: b64(a.wrapped_home_key),
    clipId: a.clip_id,
    wrappedContentKey: b64(a.wrapped_content_key),
  });
  const response = await fetch(a.url);
  const opened = await dc.openPart(response.body, {
    contentKey, clipId: a.clip_id, part: a.part, devicePublicKey: b64(a.device_public),
  });
  return new TextDecoder().decode(opened.plaintext);
});

const mediaOptions = (a, counter) => ({
  contentKey: b64(a.content_key),
  clipId: a.clip_id,
  devicePublicKey: b64(a.device_public),
  onChunk: () => { counter.chunks += 1; },
});

function videoState(video) {
  return {
    src: video.getAttribute('src'),
    videoWidth: video.videoWidth,
    duration: video.duration,
    error: video.error && video.error.code,
  };
}

// Decryption progress of the clip being viewed, polled by pytest while the server stalls.
export const progress = { chunks: 0 };

/** Start viewing a clip; pytest awaits `window.viewing` later. */
export function startClip(a) {
  progress.chunks = 0;
  globalThis.viewing = outcome(async () => {
    const video = document.getElementById('clip');
    const loaded = new Promise((resolve, reject) => {
      video.addEventListener('loadeddata', resolve, { once: true });
      const failed = () => reject(new Error(`video error ${video.error?.code}`));
      video.addEventListener('error', failed, { once: true });
    });
    const result = await viewClip(a.url, mediaOptions(a, progress));
    await loaded;
    const canPlay = video.canPlayType('video/mp4; codecs="avc1.42E01E"');
    return { ...result, video: videoState(video), canPlay };
  });
}

export const pageState = () => ({
  video: videoState(document.getElementById('clip')),
  status: document.getElementById('status').textContent,
  statusFailed: document.getElementById('status').classList.contains('error'),
  blobUrls: blobUrls.length,
});

export const snapshot = (a) => outcome(async () => {
  const result = await viewSnapshot(a.url, mediaOptions(a, { chunks: 0 }));
  const img = document.getElementById('snapshot');
  await img.decode();
  return { ...result, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight };
});
