// Time arithmetic and wording for the timeline page, in the browser's own time zone.
//
// Four zooms. Each shows one window (a week, a day, an hour, a minute) cut into buckets
// (days, hours, minutes, the minute). The hub is asked for hour or minute buckets and
// the page adds them up into its own, so a day is a local day even when it has 23 or 25
// hours (summer time).

export const ZOOMS = Object.freeze(['week', 'day', 'hour', 'minute']);
const WINDOW_UNIT = { week: 'week', day: 'day', hour: 'hour', minute: 'minute' };
const BUCKET_UNIT = { week: 'day', day: 'hour', hour: 'minute', minute: 'minute' };
// What the page asks the hub for, per zoom (seconds): buckets no longer than its own.
export const QUERY_BUCKET = Object.freeze({ week: 3600, day: 3600, hour: 60, minute: 60 });
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov',
  'Dec'];
const BY = { week: 'by day', day: 'by hour', hour: 'by minute', minute: '' };

export const bucketUnit = (zoom) => BUCKET_UNIT[zoom];
export const windowUnit = (zoom) => WINDOW_UNIT[zoom];

/** The start of the `unit` (week from Monday, day, hour, minute) holding `date`, locally. */
export function startOf(unit, date) {
  const d = new Date(date.getTime());
  if (unit === 'minute') d.setSeconds(0, 0);
  else if (unit === 'hour') d.setMinutes(0, 0, 0);
  else {
    d.setHours(0, 0, 0, 0);
    if (unit === 'week') d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  }
  return d;
}

/** `date` moved by `n` units: days and weeks by the calendar, hours and minutes by time. */
export function add(unit, date, n) {
  if (unit === 'minute') return new Date(date.getTime() + n * 60_000);
  if (unit === 'hour') return new Date(date.getTime() + n * 3_600_000);
  const d = new Date(date.getTime());
  d.setDate(d.getDate() + n * (unit === 'week' ? 7 : 1));
  return d;
}

/** The window a zoom shows around `cursor`: {start, end}. */
export function windowOf(zoom, cursor) {
  const start = startOf(WINDOW_UNIT[zoom], cursor);
  return { start, end: add(WINDOW_UNIT[zoom], start, 1) };
}

/** The starts of the window's buckets, in order. */
export function bucketStarts(zoom, window) {
  const starts = [];
  for (let b = window.start; b < window.end; b = add(BUCKET_UNIT[zoom], b, 1)) starts.push(b);
  return starts;
}

/** Counts per page bucket from the hub's (finer) buckets [{start, count}]. */
export function countsFor(starts, end, hubBuckets) {
  const counts = starts.map(() => 0);
  for (const bucket of hubBuckets) {
    const t = new Date(bucket.start).getTime();
    if (t < starts[0].getTime() || t >= end.getTime()) continue;
    let i = starts.length - 1;
    while (i > 0 && starts[i].getTime() > t) i -= 1;
    counts[i] += bucket.count;
  }
  return counts;
}

const pad = (n) => String(n).padStart(2, '0');
export const dayText = (d) => `${WEEKDAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} `
  + `${d.getFullYear()}`;
export const clock = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
export const clockSeconds = (d) => `${clock(d)}:${pad(d.getSeconds())}`;
export const events = (n) => `${n} event${n === 1 ? '' : 's'}`;

/**
 * A bucket's short visible label and the words that follow it in its accessible name:
 * the name is `${label}${after}: ${events(count)}` ("09" + ":00 to 10:00"), so that it
 * begins with what the button shows.
 */
export function bucketText(zoom, start) {
  if (zoom === 'week') {
    const label = `${WEEKDAYS[start.getDay()]} ${start.getDate()}`;
    return { label, after: ` ${MONTHS[start.getMonth()]} ${start.getFullYear()}` };
  }
  const end = clock(add(BUCKET_UNIT[zoom], start, 1));
  if (zoom === 'day') return { label: pad(start.getHours()), after: `:00 to ${end}` };
  return { label: clock(start), after: ` to ${end}` };
}

/** What the window shows, in words: "Fri 20 Nov 2026, by hour". */
export function windowText(zoom, window) {
  const last = new Date(window.end.getTime() - 1);
  let text;
  if (zoom === 'week') text = `Week of ${dayText(window.start)} to ${dayText(last)}`;
  else if (zoom === 'day') text = dayText(window.start);
  else text = `${dayText(window.start)}, ${clock(window.start)} to ${clock(window.end)}`;
  return BY[zoom] ? `${text}, ${BY[zoom]}` : text;
}

/** "2026-11-20T09:00" in local time, for the address bar; `parseLocal` reads it back. */
export function localText(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${clock(d)}`;
}

export function parseLocal(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(text ?? '');
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map((v) => Number(v ?? 0));
  const d = new Date(year, month - 1, day, hour, minute);
  return Number.isNaN(d.getTime()) || d.getDate() !== day ? null : d;
}
