// The timeline page's list of events in view, each linking to its clip page, with its
// snapshot decrypted in this browser once the resident unlocks their key — lazily, as
// the events scroll into view, one at a time.

import { DoorstepCryptoError, showSnapshot } from './doorstep-crypto.js';
import { clockSeconds, dayText } from './timeline-time.js';

const megabytes = (n) => `${(n / 1e6).toFixed(1)} MB`;

export class ClipList {
  constructor({ list, status, more, button, snapshotStatus }) {
    Object.assign(this, { list, status, more, button, snapshotStatus });
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
    if (longWindow) {
      this.status.textContent = 'Zoom in to a day to list its events.';
    } else {
      this.append(clips);
      this.status.textContent = clips.length
        ? `Events of ${windowWords}, oldest first.` : `No events in ${windowWords}.`;
    }
    this.setMore(nextAfter);
    this.button.hidden = this.unlocked || !this.list.querySelector('[data-snapshot]');
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
      if (clip.has_snapshot) {
        item.dataset.snapshot = 'sealed';
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
      this.snapshotStatus.textContent = 'Snapshots are decrypted as they come into view.';
      for (const item of this.list.querySelectorAll('[data-snapshot="seen"]')) this.enqueue(item);
    } catch (error) {
      this.button.disabled = false;
      this.snapshotStatus.textContent = `Snapshots stay sealed: ${error.message}`;
    }
  }

  seen(entries) {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      this.observer.unobserve(entry.target);
      entry.target.dataset.snapshot = 'seen';
      if (this.unlocked) this.enqueue(entry.target);
    }
  }

  enqueue(item) {
    item.dataset.snapshot = 'queued';
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
    const thumb = item.querySelector('.tl-thumb');
    try {
      const { clipAccess } = await import('./owner-clips.js');
      const { contentKey, devicePublicKey } = await clipAccess(clipId);
      const response = await fetch(`/v1/clips/${clipId}/parts/snapshot`,
        { cache: 'no-store', credentials: 'same-origin' });
      if (!response.ok) throw new Error(`fetching it failed: HTTP ${response.status}`);
      const img = document.createElement('img');
      const when = item.querySelector('.tl-clip-text').textContent;
      img.alt = `Snapshot at ${when}, decrypted in your browser`;
      await showSnapshot(img, response.body, { contentKey, clipId, devicePublicKey });
      thumb.replaceWith(img);
      item.dataset.snapshot = 'shown';
    } catch (error) {
      const why = error instanceof DoorstepCryptoError ? 'failed verification' : 'not opened';
      thumb.textContent = `Snapshot ${why}`;
      thumb.title = error.message;
      item.dataset.snapshot = 'refused';
    }
  }
}
