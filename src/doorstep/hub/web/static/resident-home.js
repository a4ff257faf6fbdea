// The home page's live-view links: the edge serves each camera's live view on the home
// network only (edge/liveview.py), at an address the hub never learns. The resident
// gives it once; it is kept in this browser's localStorage, with the optional token.

const STORE = 'doorstep.liveView';
const form = document.getElementById('live-view-form');
const status = document.getElementById('live-view-status');

function saved() {
  try {
    return JSON.parse(localStorage.getItem(STORE) || '{}');
  } catch {
    return {};
  }
}

/** "192.168.1.20" or "http://edge.lan:8090/" -> "http://192.168.1.20:8090", or null. */
export function edgeOrigin(text, defaultPort) {
  const trimmed = (text || '').trim();
  if (!trimmed) return null;
  let url;
  try {
    url = new URL(/^https?:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`);
  } catch {
    return null;
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username) return null;
  if (!url.port && !/:\d+$/.test(url.host)) url.port = String(defaultPort);
  return url.origin;
}

function apply({ origin, token }) {
  for (const link of document.querySelectorAll('a.live-link')) {
    if (!origin) continue;
    const url = new URL(link.dataset.livePath, origin);
    if (token) url.searchParams.set('token', token);
    link.href = url.href;
    link.rel = 'noreferrer';
  }
}

if (form) {
  // The fields have no name: a form sent before this script runs carries neither to the hub.
  const address = document.getElementById('edge-address');
  const token = document.getElementById('edge-token');
  const stored = saved();
  address.value = stored.address || '';
  token.value = stored.token || '';
  apply({ origin: edgeOrigin(stored.address, address.dataset.defaultPort), token: stored.token });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const origin = edgeOrigin(address.value, address.dataset.defaultPort);
    if (!origin) {
      status.textContent = 'That is not an address: give a host name or IP, with a port if not the default.';
      address.setAttribute('aria-invalid', 'true');
      return;
    }
    address.removeAttribute('aria-invalid');
    localStorage.setItem(STORE, JSON.stringify({ address: address.value.trim(), token: token.value }));
    apply({ origin, token: token.value });
    status.textContent = `Live-view links now open ${origin} (on your home network only).`;
  });
}
