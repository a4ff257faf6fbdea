// The audit page's "check an entry": the visitor's own browser checks that entry N is in
// the log, trusting nothing the hub says about it. It fetches the newest checkpoint and
// checks its signature with the log key in the form (the hub's, shown on the page: compare
// it with one published elsewhere, or paste your own), fetches the entry and hashes its
// canonical JSON itself, fetches the inclusion proof, and checks the proof leads from that
// leaf to the signed root (RFC 9162), with doorstep-trust.js.

import { canonicalJson, concat, fromBase64, hex, parseJson, sha256 } from './doorstep-crypto.js';
import { openCheckpoint, verifyInclusion } from './doorstep-trust.js';

const encoder = new TextEncoder();

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  const text = await response.text();
  if (!response.ok) {
    let detail = text;
    try {
      detail = JSON.parse(text).detail ?? text;
    } catch {
      // not JSON: say what came back as it is
    }
    throw new Error(`${path}: ${response.status} ${detail}`);
  }
  return parseJson(text);
}

/** Check entry `index` against the newest checkpoint signed by `logKey`; resolves to what was proven. */
export async function checkEntry(index, logKey) {
  const signed = await getJson('/v1/audit/checkpoint');
  const checkpoint = await openCheckpoint(signed.note, logKey);
  if (BigInt(index) >= checkpoint.size) {
    throw new Error(`entry ${index} is not in the newest checkpoint yet (size ${checkpoint.size}); `
      + 'checkpoints are signed every few seconds: try again shortly');
  }
  const page = await getJson(`/v1/audit/entries?start=${index}&limit=1`);
  const [found] = page.data;
  if (!found || found.index !== index) throw new Error(`the hub did not serve entry ${index}`);
  const leaf = await sha256(concat([Uint8Array.of(0), encoder.encode(canonicalJson(found.entry))]));
  const proof = await getJson(
    `/v1/audit/proofs/inclusion?index=${index}&size=${checkpoint.size}`);
  await verifyInclusion({
    leaf,
    index: BigInt(index),
    size: checkpoint.size,
    proof: proof.proof.map((hash, i) => fromBase64(hash, `proof hash ${i}`)),
    root: checkpoint.root,
  });
  return { entry: found.entry, leaf: hex(leaf), size: checkpoint.size, origin: checkpoint.origin };
}

function show(result, kind, text, detail) {
  result.replaceChildren();
  const line = document.createElement('p');
  line.className = `alert alert-${kind}`;
  const strong = document.createElement('strong');
  strong.textContent = text;
  line.append(strong);
  if (detail) line.append(` ${detail}`);
  result.append(line);
}

function setUp(form) {
  const result = document.getElementById('proof-result');
  const entryView = document.getElementById('proof-entry');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = form.elements.index.value.trim();
    if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) {
      show(result, 'error', 'Failed:', 'the entry number must be a whole number, 0 or more.');
      return;
    }
    const index = Number(text);
    show(result, 'warn', 'Checking…', `entry ${index}`);
    entryView.textContent = '';
    try {
      const proven = await checkEntry(index, form.elements.vkey.value.trim());
      show(result, 'ok', 'Verified:', `entry ${index} is in the log of ${proven.size} entries `
        + `whose checkpoint ${proven.origin} signed (leaf ${proven.leaf.slice(0, 16)}…).`);
      entryView.textContent = canonicalJson(proven.entry);
    } catch (error) {
      show(result, 'error', 'Failed:', error.message);
    }
  });
  form.dataset.ready = 'true';
  const start = form.elements.index.value.trim();
  if (start) form.requestSubmit();
}

const form = document.getElementById('check-entry');
if (form) setUp(form);
