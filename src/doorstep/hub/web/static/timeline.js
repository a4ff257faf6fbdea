// The timeline page: a camera's events by week, day, hour and minute, from
// GET /v1/cameras/{id}/timeline. The timeline is a labelled group of buttons, one per
// bucket, named with its time and count; the selected one is the group's only tab stop.
// Keys on it: arrows move one bucket, Home/End go to the window's first and last,
// + / Page Up / Enter zoom in, - / Page Down zoom out. Every key has a button too.

import { api } from './app.js';
import { ClipList } from './timeline-clips.js';
import {
  QUERY_BUCKET, ZOOMS, add, bucketStarts, bucketText, bucketUnit, countsFor, events,
  localText, parseLocal, startOf, windowOf, windowText, windowUnit,
} from './timeline-time.js';

const app = document.getElementById('timeline-app');
const $ = (id) => document.getElementById(id);
const cameraId = app.dataset.cameraId;
const group = $('tl-buckets');
const range = $('tl-range');
const failure = $('tl-error');
const clips = new ClipList({
  list: $('tl-clips'),
  status: $('tl-clips-status'),
  more: $('tl-more'),
  button: $('tl-snapshots'),
  snapshotStatus: $('tl-snapshots-status'),
  labels: $('tl-labels'),
});

const state = {
  zoom: 'day', cursor: new Date(), loaded: null, data: null, sequence: 0, rangeText: '',
};

function initial() {
  const params = new URLSearchParams(globalThis.location.search);
  const zoom = ZOOMS.includes(params.get('zoom')) ? params.get('zoom') : 'day';
  const newest = app.dataset.newest ? new Date(app.dataset.newest) : null;
  const at = parseLocal(params.get('at')) ?? newest ?? new Date();
  return { zoom, cursor: startOf(bucketUnit(zoom), at) };
}

function timelinePath(window, zoom, after) {
  const query = new URLSearchParams({
    start: window.start.toISOString(),
    end: window.end.toISOString(),
    bucket: String(QUERY_BUCKET[zoom]),
  });
  if (after) query.set('after', after);
  return `/v1/cameras/${cameraId}/timeline?${query}`;
}

function say(error) {
  failure.textContent = error ? `The timeline could not be loaded: ${error.message}` : '';
  failure.hidden = !error;
}

/** Draw the current state, fetching the window first when it changed. */
async function update({ focus = false } = {}) {
  const sequence = ++state.sequence;
  const window = windowOf(state.zoom, state.cursor);
  const key = `${state.zoom}|${window.start.getTime()}`;
  if (state.loaded !== key) {
    let data;
    try {
      data = await api(timelinePath(window, state.zoom));
    } catch (error) {
      if (sequence === state.sequence) say(error);
      return;
    }
    if (sequence !== state.sequence) return; // a later move won
    say(null);
    Object.assign(state, { loaded: key, data });
    clips.show(data.clips ?? [], {
      windowWords: windowText(state.zoom, window).replace(/, by \w+$/, ''),
      nextAfter: data.next_after,
      longWindow: data.clips === null,
    });
    state.rangeText = `${windowText(state.zoom, window)}: ${events(data.total)}.`;
    range.textContent = state.rangeText;
  }
  draw(window, focus);
  history.replaceState(null, '', `?zoom=${state.zoom}&at=${localText(state.cursor)}`);
}

function draw(window, focus) {
  const starts = bucketStarts(state.zoom, window);
  const counts = countsFor(starts, window.end, state.data.buckets);
  const most = Math.max(1, ...counts);
  const selected = starts.findIndex((s) => s.getTime() === state.cursor.getTime());
  const buttons = starts.map((start, i) => {
    const { label, after } = bucketText(state.zoom, start);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `tl-bucket level-${counts[i] ? Math.ceil((4 * counts[i]) / most) : 0}`;
    button.dataset.start = start.toISOString();
    button.dataset.count = String(counts[i]);
    button.tabIndex = i === selected ? 0 : -1;
    if (i === selected) button.setAttribute('aria-current', 'true');
    const bar = document.createElement('span');
    bar.className = 'tl-bar';
    bar.setAttribute('aria-hidden', 'true');
    // The name comes from the content and begins with what the button shows: "09" and
    // "3" are read as "09:00 to 10:00: 3 events".
    const time = span('tl-bucket-label', label);
    const count = span('tl-bucket-count', String(counts[i]));
    time.setAttribute('aria-hidden', 'true');
    count.setAttribute('aria-hidden', 'true');
    const name = span('visually-hidden', `${label}${after}: ${events(counts[i])}`);
    button.append(bar, time, count, name);
    return button;
  });
  $('tl-group-label').textContent = `Events ${windowText(state.zoom, window)}`;
  group.replaceChildren($('tl-group-label'), ...buttons);
  app.dataset.zoom = state.zoom;
  $('tl-zoom-in').disabled = state.zoom === ZOOMS.at(-1);
  $('tl-zoom-out').disabled = state.zoom === ZOOMS[0];
  if (focus && selected >= 0) buttons[selected].focus();
}

function span(className, text) {
  const element = document.createElement('span');
  element.className = className;
  element.textContent = text;
  return element;
}

function move(steps, options) {
  state.cursor = add(bucketUnit(state.zoom), state.cursor, steps);
  return update(options);
}

function page(steps, options) {
  state.cursor = add(windowUnit(state.zoom), state.cursor, steps);
  return update(options);
}

function edge(last, options) {
  const starts = bucketStarts(state.zoom, windowOf(state.zoom, state.cursor));
  state.cursor = last ? starts.at(-1) : starts[0];
  return update(options);
}

function zoom(by, options) {
  const next = ZOOMS.indexOf(state.zoom) + by;
  if (next < 0 || next >= ZOOMS.length) {
    range.textContent = `${state.rangeText} `
      + (by > 0 ? 'Already at the closest zoom.' : 'This is the widest zoom.');
    return update(options);
  }
  state.zoom = ZOOMS[next];
  state.cursor = startOf(bucketUnit(state.zoom), state.cursor);
  return update(options);
}

const KEYS = {
  ArrowLeft: (o) => move(-1, o),
  ArrowRight: (o) => move(1, o),
  Home: (o) => edge(false, o),
  End: (o) => edge(true, o),
  '+': (o) => zoom(1, o),
  '=': (o) => zoom(1, o),
  PageUp: (o) => zoom(1, o),
  '-': (o) => zoom(-1, o),
  PageDown: (o) => zoom(-1, o),
};

group.addEventListener('keydown', (event) => {
  const action = KEYS[event.key];
  if (!action || event.altKey || event.ctrlKey || event.metaKey) return;
  event.preventDefault();
  action({ focus: true });
});

group.addEventListener('click', (event) => {
  const button = event.target.closest('.tl-bucket');
  if (!button) return;
  state.cursor = new Date(button.dataset.start);
  // A click or Enter zooms into the bucket; at the closest zoom it only selects it.
  zoom(state.zoom === ZOOMS.at(-1) ? 0 : 1, { focus: true });
});

$('tl-zoom-in').addEventListener('click', () => zoom(1));
$('tl-zoom-out').addEventListener('click', () => zoom(-1));
$('tl-earlier').addEventListener('click', () => page(-1));
$('tl-later').addEventListener('click', () => page(1));

$('tl-more').addEventListener('click', async () => {
  const window = windowOf(state.zoom, state.cursor);
  try {
    const data = await api(timelinePath(window, state.zoom, clips.nextAfter));
    clips.append(data.clips ?? []);
    clips.setMore(data.next_after);
  } catch (error) {
    say(error);
  }
});

$('tl-jump').addEventListener('submit', (event) => {
  event.preventDefault();
  const [dateInput, hourInput] = [$('tl-jump-date'), $('tl-jump-hour')];
  const hour = Number(hourInput.value);
  const day = parseLocal(dateInput.value);
  dateInput.setAttribute('aria-invalid', String(!day));
  const badHour = hourInput.value === '' || !Number.isInteger(hour) || hour < 0 || hour > 23;
  hourInput.setAttribute('aria-invalid', String(badHour));
  if (!day || badHour) {
    failure.textContent = !day ? 'Jump to date: choose a day.'
      : 'Hour: a whole number from 0 to 23.';
    failure.hidden = false;
    return;
  }
  failure.hidden = true;
  day.setHours(hour);
  Object.assign(state, { zoom: 'hour', cursor: startOf('minute', day) });
  update({ focus: true });
});

Object.assign(state, initial());
$('tl-jump-date').value = localText(state.cursor).slice(0, 10);
$('tl-jump-hour').value = String(state.cursor.getHours());
update();
