// The timeline page's list of events in view, each linking to its clip page, with its
// snapshot and label decrypted in this browser once the resident unlocks their key —
// lazily, as the events scroll into view, one at a time. The hub can't count events by
// label (labels are sealed); the list counts those it has opened.

import { clockSeconds, dayText } from './timeline-time.js';

const megabytes = (n) => `${(n / 1e6).toFixed(1)} MB`;

export class ClipList {
  constructor({ list, status, more, button, snapshotStatus, labels }) {
    Object.assign(this, { list, status, more, button, snapshotStatus, labels });
    this.unlocked = false;
    this.queue = [];
    this.busy = false;
    this.observer = 'IntersectionObserver' in globalThis
      ? new IntersectionObserver((entries) => this.seen(entries), { rootMargin: '200px' })
      : null;
    button.addEventListener('click', () => this.unlock());
  }

  /** Replace the list with `clips` (or say why there is none) for the window in words. */
  show(clips, { windowWords, nextAfter, longWindow }) {
    this.observer?.disconnect();
    this.queue = [];
    this.list.replaceChildren();
    this.labels.textContent = '';
    if (longWindow) {
      this.status.textContent = 'Zoom in to a day to list its events.';
    } else {
      this.append(clips);
      this.status.textContent = clips.length
        ? `Events of ${windowWords}, oldest first.` : `No events in ${windowWords}.`;
    }
    this.setMore(nextAfter);
    this.button.hidden = this.unlocked || !this.list.querySelector('[data-state]');
  }

  setMore(nextAfter) {
    this.nextAfter = nextAfter ?? null;
    this.more.hidden = this.nextAfter === null;
  }

  append(clips) {
    for (const clip of clips) {
      const item = document.createElement('li');
      item.className = 'tl-clip';
      item.dataset.clipId = clip.id;
      const link = document.createElement('a');
      link.href = `/clips/${clip.id}`;
      const started = new Date(clip.started_at);
      const seconds = Math.round((new Date(clip.ended_at) - started) / 1000);
      const thumb = document.createElement('span');
      thumb.className = 'tl-thumb';
      thumb.textContent = clip.has_snapshot ? 'Snapshot sealed' : 'No snapshot';
      const text = document.createElement('span');
      text.className = 'tl-clip-text';
      text.textContent = `${clockSeconds(started)}, ${seconds} s`;
      const detail = document.createElement('span');
      detail.className = 'tl-clip-detail muted';
      detail.textContent = `${dayText(started)} · ${megabytes(clip.sizes.clip ?? 0)}`;
      link.append(thumb, text, detail);
      item.append(link);
      this.list.append(item);
      if (clip.has_snapshot) item.dataset.snapshot = 'sealed';
      if (clip.sizes.details) item.dataset.details = 'sealed';
      if (clip.has_snapshot || clip.sizes.details) {
        item.dataset.state = 'sealed';
        this.observer?.observe(item);
        this.button.hidden = this.unlocked;
      }
    }
  }

  async unlock() {
    this.button.disabled = true;
    this.snapshotStatus.textContent = 'Unlocking your key…';
    try {
      const { getUnlockedKey } = await import('./owner-session.js');
      await getUnlockedKey({ reason: 'to decrypt the snapshots of these events' });
      this.unlocked = true;
      this.button.hidden = true;
      this.snapshotStatus.textContent = 'Snapshots and labels are decrypted as they come into view.';
      for (const item of this.list.querySelectorAll('[data-state="seen"]')) this.enqueue(item);
    } catch (error) {
      this.button.disabled = false;
      this.snapshotStatus.textContent = `Snapshots stay sealed: ${error.message}`;
    }
  }

  seen(entries) {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      this.observer.unobserve(entry.target);
      entry.target.dataset.state = 'seen';
      if (this.unlocked) this.enqueue(entry.target);
    }
  }

  enqueue(item) {
    item.dataset.state = 'queued';
    this.queue.push(item);
    if (!this.busy) this.drain();
  }

  async drain() {
    this.busy = true;
    while (this.queue.length) {
      const item = this.queue.shift();
      if (item.isConnected) await this.decrypt(item);
    }
    this.busy = false;
  }

  async decrypt(item) {
    const clipId = item.dataset.clipId;
    const crypto = await import('./doorstep-crypto.js');
    let access;
    try {
      const { clipAccess } = await import('./owner-clips.js');
      access = await clipAccess(clipId);
    } catch (error) {
      this.refuse(item, crypto, error);
      return;
    }
    const options = { contentKey: access.contentKey, clipId,
      devicePublicKey: access.devicePublicKey };
    if (item.dataset.snapshot) await this.snapshot(item, crypto, options);
    if (item.dataset.details) await this.label(item, crypto, options);
    item.dataset.state = 'opened';
  }

  async snapshot(item, crypto, options) {
    const thumb = item.querySelector('.tl-thumb');
    try {
      const img = document.createElement('img');
      img.alt = `Snapshot at ${item.querySelector('.tl-clip-text').textContent}, `
        + 'decrypted in your browser';
      await crypto.showSnapshot(img, await part(options.clipId, 'snapshot'), options);
      thumb.replaceWith(img);
      item.dataset.snapshot = 'shown';
    } catch (error) {
      thumb.textContent = `Snapshot ${reason(crypto, error)}`;
      thumb.title = error.message;
      item.dataset.snapshot = 'refused';
    }
  }

  async label(item, crypto, options) {
    const text = item.querySelector('.tl-clip-text');
    try {
      const opened = await crypto.openPart(await part(options.clipId, 'details'),
        { ...options, part: 'details' });
      // Padded with spaces to one size, which JSON allows.
      const details = JSON.parse(new TextDecoder().decode(opened.plaintext));
      const label = typeof details.label === 'string' ? details.label : 'no label';
      text.textContent += ` · ${label}`;
      item.dataset.label = label;
      item.dataset.details = 'shown';
      this.countLabels();
    } catch (error) {
      item.dataset.details = 'refused';
      text.title = `Details ${reason(crypto, error)}: ${error.message}`;
    }
  }

  refuse(item, crypto, error) {
    const thumb = item.querySelector('.tl-thumb');
    thumb.textContent = `Snapshot ${reason(crypto, error)}`;
    thumb.title = error.message;
    item.dataset.state = 'refused';
  }

  /** Events per label among those opened so far: what the hub can't count. */
  countLabels() {
    const counts = new Map();
    for (const item of this.list.querySelectorAll('[data-label]')) {
      counts.set(item.dataset.label, (counts.get(item.dataset.label) ?? 0) + 1);
    }
    const words = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([label, n]) => `${label} ${n}`);
    this.labels.textContent = `Opened so far: ${words.join(', ')}.`;
  }
}

const reason = (crypto, error) => (error instanceof crypto.DoorstepCryptoError
  ? 'failed verification' : 'not opened');

async function part(clipId, name) {
  const response = await fetch(`/v1/clips/${clipId}/parts/${name}`,
    { cache: 'no-store', credentials: 'same-origin' });
  if (!response.ok) throw new Error(`fetching the ${name} failed: HTTP ${response.status}`);
  return response.body;
}
