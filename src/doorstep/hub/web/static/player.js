// The clip player: fetches a sealed clip, decrypts it chunk by chunk with
// doorstep-crypto.js and plays it while the rest is still arriving.
//
// Edges record fragmented MP4 (an init segment, then a moof + mdat per GOP), so each
// decrypted chunk goes straight into a MediaSource SourceBuffer and playback starts with
// the first fragment. Every byte appended has passed its chunk's AES-GCM tag, under a
// header whose device signature checked out before the first chunk was opened. The digest
// that signature covers can only be checked at the end: if it (or a later chunk) fails,
// playback stops, the video is emptied, and the error says why. A clip that is not
// fragmented, or a browser without MediaSource, gets the old way: verify the whole clip,
// then play it from a Blob. Decrypted bytes never leave the page.

import { DoorstepCryptoError, openPart } from './doorstep-crypto.js';

const HAVE_CURRENT_DATA = 2;
const VIDEO_PARTS = Object.freeze(['clip', 'twin_clip']);

// --- MP4 boxes ------------------------------------------------------------------------------

const fourcc = (data, at) => String.fromCharCode(...data.subarray(at, at + 4));
const u32 = (data, at) => ((data[at] << 24) >>> 0) + (data[at + 1] << 16) + (data[at + 2] << 8)
  + data[at + 3];

/** The boxes in data[start, end): {type, start, body, end}; `partial` for one cut short. */
function* boxes(data, start = 0, end = data.length) {
  let at = start;
  while (at + 8 <= end) {
    let [size, body] = [u32(data, at), at + 8];
    if (size === 1) {
      if (at + 16 > end) return;
      size = u32(data, at + 8) * 2 ** 32 + u32(data, at + 12);
      body = at + 16;
    } else if (size === 0) {
      size = end - at; // to the end of the enclosing box or file
    }
    if (size < body - at) return; // not a box: stop reading
    yield { type: fourcc(data, at + 4), start: at, body, end: at + size, partial: at + size > end };
    at += size;
  }
}

const child = (data, box, type, skip = 0) => {
  for (const found of boxes(data, box.body + skip, box.end)) if (found.type === type) return found;
  return null;
};

/**
 * Where the init segment (ftyp … moov) ends in the start of an MP4: `{end, moov}`, null
 * while more bytes are needed, or `{end: -1}` when media comes before any moov.
 */
export function initSegment(data) {
  for (const box of boxes(data)) {
    if (box.partial) return null;
    if (box.type === 'moov') return { end: box.end, moov: box };
    if (box.type === 'mdat' || box.type === 'moof') return { end: -1, moov: null };
  }
  return null;
}

function esdsCodec(data, esds) {
  // A full box, then descriptors: ES (3) holding DecoderConfig (4) holding DecSpecific (5).
  let at = esds.body + 4;
  const descriptor = () => {
    const tag = data[at];
    let length = 0;
    at += 1;
    for (let i = 0; i < 4; i += 1) {
      const b = data[at];
      at += 1;
      length = (length << 7) | (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    return { tag, length };
  };
  if (descriptor().tag !== 3) return null;
  const flags = data[at + 2];
  at += 3 + (flags & 0x80 ? 2 : 0) + (flags & 0x40 ? 1 + data[at + 3] : 0) + (flags & 0x20 ? 2 : 0);
  if (descriptor().tag !== 4) return null;
  const objectType = data[at];
  at += 13;
  if (descriptor().tag !== 5 || objectType !== 0x40) return `mp4a.${objectType.toString(16)}`;
  let audioType = data[at] >> 3;
  if (audioType === 31) audioType = 32 + (((data[at] & 7) << 3) | (data[at + 1] >> 5));
  return `mp4a.40.${audioType}`;
}

/** The RFC 6381 codec of one sample entry box (avc1/avc3, mp4a, Opus); null if unknown. */
function sampleEntryCodec(data, entry) {
  const hex2 = (b) => b.toString(16).padStart(2, '0');
  if (entry.type === 'avc1' || entry.type === 'avc3') {
    const avcC = child(data, entry, 'avcC', 78); // after the visual sample entry's fields
    if (!avcC || avcC.end - avcC.body < 4) return null;
    const [profile, compatible, level] = data.subarray(avcC.body + 1, avcC.body + 4);
    return `${entry.type}.${hex2(profile)}${hex2(compatible)}${hex2(level)}`;
  }
  if (entry.type === 'mp4a') {
    const esds = child(data, entry, 'esds', 28); // after the audio sample entry's fields
    return esds ? esdsCodec(data, esds) : 'mp4a.40.2';
  }
  if (entry.type === 'Opus') return 'opus';
  return null;
}

/**
 * What an init segment's moov holds: `{codecs: ['avc1.64001f', 'mp4a.40.2'] | null,
 * fragmented}` (fragmented when moov has an mvex box: fragments follow).
 */
export function describeMovie(data, moov = initSegment(data)?.moov) {
  if (!moov) return { codecs: null, fragmented: false };
  const codecs = [];
  for (const trak of boxes(data, moov.body, moov.end)) {
    if (trak.type !== 'trak') continue;
    const path = ['mdia', 'minf', 'stbl', 'stsd'];
    const stsd = path.reduce((box, type) => box && child(data, box, type), trak);
    if (!stsd) return { codecs: null, fragmented: false };
    const entry = boxes(data, stsd.body + 8, stsd.end).next().value; // after version, count
    const codec = entry && sampleEntryCodec(data, entry);
    if (!codec) return { codecs: null, fragmented: false };
    codecs.push(codec);
  }
  return { codecs: codecs.length ? codecs : null, fragmented: !!child(data, moov, 'mvex') };
}

// --- MediaSource ----------------------------------------------------------------------------

const MediaSourceClass = () => globalThis.ManagedMediaSource ?? globalThis.MediaSource;

/** Resolves on `done`, rejects on any of `failures` (each an event name) of `target`. */
function once(target, done, failures, what) {
  return new Promise((resolve, reject) => {
    const settle = (event) => {
      for (const name of [done, ...failures]) target.removeEventListener(name, settle);
      if (event.type === done) resolve();
      else reject(new Error(`${what} (${event.type})`));
    };
    for (const name of [done, ...failures]) target.addEventListener(name, settle);
  });
}

// Decrypting runs ahead of appending by at most this much; past it, reading waits.
const AHEAD_BYTES = 8 << 20;

/**
 * Appends decrypted bytes to a SourceBuffer in order. Appends run beside the decrypting:
 * what arrives during one append goes in the next, as one; `push` waits only when more
 * than AHEAD_BYTES are waiting.
 */
class Feeder {
  constructor(video, onAppended) {
    this.video = video;
    this.onAppended = onAppended;
    [this.pending, this.waiting, this.running, this.failure] = [[], 0, null, null];
  }

  /** Attach a MediaSource to the video now: it opens while the first bytes arrive. */
  attach() {
    const Source = MediaSourceClass();
    this.source = new Source();
    this.url = URL.createObjectURL(this.source);
    this.video.disableRemotePlayback = true; // ManagedMediaSource asks for it
    this.opened = once(this.source, 'sourceopen', [], 'the media source did not open');
    this.video.src = this.url;
  }

  async start(type) {
    await this.opened;
    this.buffer = this.source.addSourceBuffer(type);
  }

  push(data) {
    if (this.failure) throw this.failure;
    this.pending.push(data);
    this.waiting += data.length;
    this.running ??= this.drain();
    return this.waiting > AHEAD_BYTES ? this.running : undefined;
  }

  /** Appends until nothing is pending; never rejects: a failure is kept for push and end. */
  async drain() {
    try {
      while (this.pending.length) {
        const batch = this.pending; // taken at once: pushes during the await start the next
        this.pending = [];
        const data = batch.length === 1 ? batch[0]
          : new Uint8Array(await new Blob(batch).arrayBuffer());
        await this.append(data);
        this.waiting -= data.length;
        this.onAppended();
      }
    } catch (error) {
      this.failure = error;
    } finally {
      this.running = null; // also after a failure, or end() would wait on it forever
    }
  }

  async append(data) {
    for (;;) {
      const appended = once(this.buffer, 'updateend', ['error', 'abort'],
        'the browser could not play the decrypted clip');
      try {
        this.buffer.appendBuffer(data);
        return await appended;
      } catch (error) {
        if (error?.name !== 'QuotaExceededError') throw error;
        await this.makeRoom(); // the buffer is full: drop what has been played, then retry
      }
    }
  }

  async makeRoom() {
    const behind = this.video.currentTime - 10;
    const start = this.buffer.buffered.length ? this.buffer.buffered.start(0) : 0;
    if (behind > start) {
      const removed = once(this.buffer, 'updateend', ['error'], 'could not free the buffer');
      this.buffer.remove(start, behind);
      await removed;
    } else {
      await once(this.video, 'timeupdate', ['error'], 'playback stopped');
    }
  }

  async end() {
    while (this.running) await this.running;
    if (this.failure) throw this.failure;
    if (this.source.readyState === 'open') this.source.endOfStream();
  }

  detach() {
    URL.revokeObjectURL(this.url);
    clear(this.video);
  }
}

function clear(video) {
  video.pause();
  video.removeAttribute('src');
  video.load(); // drops every decoded frame the element held
}

function show(video, plaintext) {
  const previous = video.src;
  video.src = URL.createObjectURL(new Blob([plaintext], { type: 'video/mp4' }));
  if (previous.startsWith('blob:')) URL.revokeObjectURL(previous);
}

function counted(body, onBytes) {
  let received = 0;
  return body.pipeThrough(new TransformStream({
    transform(piece, controller) {
      received += piece.length;
      onBytes(received);
      controller.enqueue(piece);
    },
  }));
}

/**
 * Fetch the sealed clip at `url`, decrypt it chunk by chunk and play it in `video`.
 * `part` names the sealed part it must be: 'clip', or 'twin_clip' for the blurred twin
 * (opened with the twin's content key).
 *
 * `contentKey` (32 bytes) opens it; `devicePublicKey` (raw Ed25519 or a CryptoKey) must be
 * a device in the home's owner-signed key list: the caller checks that. `onProgress`
 * gets `{received, total, chunks, mode, playing}` as bytes arrive, never after the promise
 * settles. Resolves to
 * `{mode: 'stream' | 'blob', chunks, bytes, sha256}` once the whole clip verified; rejects
 * (DoorstepCryptoError for a refused part) with the video emptied.
 */
export async function play(video, {
  url, part = 'clip', contentKey, clipId, devicePublicKey, onProgress = () => {}, signal,
}) {
  if (!VIDEO_PARTS.includes(part)) throw new TypeError(`part ${part} is not a video part`);
  const state = { received: 0, total: null, chunks: 0, mode: 'pending', playing: false };
  // Progress is reported only until play() settles: a media event that comes later (the
  // video's loadeddata after a fast decrypt) must not overwrite what the caller says then.
  const live = new AbortController();
  const report = () => {
    if (!live.signal.aborted) onProgress({ ...state });
  };
  let [head, started] = [[], false];
  const onAppended = () => {
    if (!started && feeder.buffer.buffered.length) {
      started = true; // the first fragment is in: start now, however much is still coming
      video.play().catch(() => {}); // refused autoplay: the controls still play it
    }
    if (video.readyState >= HAVE_CURRENT_DATA && !state.playing) {
      state.playing = true;
      report();
    }
  };
  // Opened while the clip is fetched; handed back if the clip can't stream.
  let feeder = MediaSourceClass() ? new Feeder(video, onAppended) : null;
  feeder?.attach();
  video.addEventListener('loadeddata', () => {
    state.playing = state.mode === 'stream';
    report();
  }, { once: true, signal: live.signal });

  const begin = async (data, moov) => {
    const { codecs, fragmented } = describeMovie(data, moov);
    const type = codecs && `video/mp4; codecs="${codecs.join(', ')}"`;
    if (feeder && fragmented && type && MediaSourceClass().isTypeSupported(type)) {
      await feeder.start(type);
      return 'stream';
    }
    feeder?.detach();
    feeder = null;
    return 'blob';
  };
  const onChunk = async (plaintext) => {
    state.chunks += 1;
    if (state.mode === 'pending') {
      head.push(plaintext);
      const data = head.length === 1 ? plaintext : new Uint8Array(
        await new Blob(head).arrayBuffer());
      const init = initSegment(data);
      if (init) {
        state.mode = await begin(data, init.end < 0 ? null : init.moov);
        head = [];
        if (state.mode === 'stream') await feeder.push(data);
      }
    } else if (state.mode === 'stream') {
      await feeder.push(plaintext);
    }
    report();
  };

  try {
    const response = await fetch(url, { cache: 'no-store', credentials: 'same-origin', signal });
    if (!response.ok || !response.body) {
      throw new Error(`fetching the clip failed: HTTP ${response.status}`);
    }
    state.total = Number(response.headers.get('Content-Length')) || null;
    const body = counted(response.body, (received) => {
      state.received = received;
      report();
    });
    const opened = await openPart(body, {
      contentKey, clipId, part, devicePublicKey, onChunk,
    });
    if (state.mode === 'stream') await feeder.end();
    else {
      if (state.mode === 'pending') await begin(opened.plaintext, null); // hands the source back
      state.mode = 'blob';
      show(video, opened.plaintext); // verified whole: now, and only now, shown
    }
    report();
    return {
      mode: state.mode, chunks: state.chunks, bytes: opened.plaintext.length, sha256: opened.sha256,
    };
  } catch (error) {
    feeder?.detach(); // what was shown is thrown away with the refused clip
    throw error;
  } finally {
    live.abort();
  }
}

export { DoorstepCryptoError };
