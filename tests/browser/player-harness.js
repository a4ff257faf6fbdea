// Test-side helpers for static/player.js, served at /player-harness.js by the test site.
// pytest arms a clip with arm(), clicks #start (a real click, as a person would), then
// reads state() back as plain JSON and does the asserting.

import * as dc from '/static/doorstep-crypto.js';
import { describeMovie, play } from '/static/player.js';

const video = document.getElementById('clip');
const button = document.getElementById('start');
const b64 = dc.fromBase64;
const now = () => performance.now();

let armed = null;
export const log = { progress: [], firstFrameMs: null, clickedMs: null, outcome: null };

function watchFirstFrame() {
  // A frame decoded and handed to the compositor: the first thing a person sees.
  video.requestVideoFrameCallback(() => {
    log.firstFrameMs ??= now() - log.clickedMs;
  });
}

button.addEventListener('click', () => {
  log.clickedMs = now();
  watchFirstFrame();
  if (armed.plain) {
    video.src = armed.plain;
    video.play().catch(() => {});
    return;
  }
  const options = {
    ...armed,
    onProgress: (p) => log.progress.push({ ...p, atMs: now() - log.clickedMs }),
  };
  play(video, options).then(
    (ok) => { log.outcome = { ok }; },
    (error) => { log.outcome = { refused: { name: error.name, message: error.message } }; },
  );
});

/** Arm the next click: {url, content_key, clip_id, device_public}, or plain: {url}. */
export function arm(c) {
  armed = {
    url: c.url,
    contentKey: b64(c.content_key),
    clipId: c.clip_id,
    devicePublicKey: b64(c.device_public),
  };
}

/** Arm a click that plays a plain MP4 from its URL (the benchmark's baseline). */
export function armPlain(url) {
  armed = { plain: url };
}

export function state() {
  const last = log.progress.at(-1) ?? null;
  return {
    src: video.getAttribute('src'),
    readyState: video.readyState,
    videoWidth: video.videoWidth,
    duration: Number.isFinite(video.duration) ? video.duration : null,
    error: video.error ? video.error.message || String(video.error.code) : null,
    firstFrameMs: log.firstFrameMs,
    progress: last,
    outcome: log.outcome,
  };
}

/** What describeMovie reads from the init segment of the bytes at `url`. */
export async function describe(url) {
  const data = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const movie = describeMovie(data);
  const type = movie.codecs && `video/mp4; codecs="${movie.codecs.join(', ')}"`;
  return { ...movie, supported: !!type && MediaSource.isTypeSupported(type) };
}
