// JSON calls to the hub's /v1 API for the owner's pages, read exactly as Python reads them
// (parseJson: a proof's numbers and text stay as sent), with the session cookie and the
// CSRF token from <meta name="csrf-token">. Errors carry the hub's own `detail`.

import { parseJson } from './doorstep-crypto.js';

/** A refusal by the hub: `status` and the hub's words. */
export class HubError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'HubError';
    this.status = status;
  }
}

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? '';

/** `await call('GET', '/v1/me')`; `body` is sent as JSON. Resolves to the parsed answer. */
export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await response.text();
  if (!response.ok) {
    let detail = text.slice(0, 200) || response.statusText;
    try {
      const found = JSON.parse(text).detail;
      detail = typeof found === 'string' ? found : JSON.stringify(found);
    } catch {
      // not JSON: keep the text
    }
    throw new HubError(response.status, `the hub answered ${response.status}: ${detail}`);
  }
  return text ? parseJson(text) : null;
}

export const get = (path) => call('GET', path);

/** The bytes at `path` (a sealed part). */
export async function download(path) {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) throw new HubError(response.status, `the hub answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
