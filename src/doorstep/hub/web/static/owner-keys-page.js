// The /keys page: your key, each home's members with safety numbers computed here, and key
// alarms from the browser's key monitor (owner-monitor.js), shown first.

import { fingerprint } from './doorstep-crypto.js';
import { formatSafetyNumber, safetyNumber } from './doorstep-trust.js';
import { get } from './owner-api.js';
import { checkMemberRow, checkUserKey, verifiedKeyList } from './owner-checks.js';
import { grantMember, rotateHomeKey } from './owner-homekey.js';
import { monitorKeys } from './owner-monitor.js';
import { getUnlockedKey } from './owner-session.js';
import { knownKeys } from './owner-store.js';

const $ = (id) => document.getElementById(id);
const homes = JSON.parse($('homes').dataset.homes);

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function alarm(text) {
  $('alarm-list').append(element('li', text));
  $('alarms').hidden = false;
  $('alarms').setAttribute('role', 'alert');
}

async function memberReport(row, list, me) {
  const listed = list?.members.find((m) => m.userId === row.user_id);
  let key = listed && { publicKey: listed.publicKey, signingKey: listed.signingKey, keyId: listed.keyId };
  let problem = null;
  if (listed && row.key_id != null && row.key_id !== listed.keyId) {
    problem = `the hub serves another key for them (${row.key_id})`;
  }
  if (!listed) {
    try {
      key = await checkMemberRow(row);
    } catch (error) {
      return { row, listed: false, problem: error.message };
    }
  }
  if (!key) return { row, listed: Boolean(listed), problem: 'no key yet' };
  const you = row.user_id === me.userId;
  const number = you ? null : formatSafetyNumber(
    await safetyNumber(me.signingKey, me.publicKey, key.signingKey, key.publicKey));
  return { row, listed: Boolean(listed), owner: Boolean(listed?.owner), you,
    fingerprint: fingerprint(key.keyId), number, problem };
}

async function showHome(home, me) {
  const section = element('section', null, { class: 'card', 'aria-labelledby': `home-${home.id}` });
  section.append(element('h2', `Home: ${home.name}`, { id: `home-${home.id}` }));
  $('homes').append(section);
  let list = null;
  try {
    list = await verifiedKeyList(home.id, me);
  } catch (error) {
    alarm(`home ${home.name}: ${error.message}`);
  }
  section.append(element('p', list ? `Key list version ${list.version}, signed by an owner; `
    + `home key ${fingerprint(list.homeKeys.find((k) => !k.retired).id)}.`
    : 'This home has no owner-signed key list yet: its owner pairs a camera to make one.'));
  const rows = (await get(`/v1/homes/${home.id}/member-keys`)).data;
  const table = element('table');
  table.append(element('caption', `Members of ${home.name} and their keys`, { class: 'visually-hidden' }));
  const head = element('tr');
  for (const title of ['Member', 'Key', 'Safety number', 'Status']) head.append(element('th', title, { scope: 'col' }));
  const thead = element('thead');
  thead.append(head);
  const body = element('tbody');
  table.append(thead, body);
  for (const row of rows) {
    const report = await memberReport(row, list, me);
    if (report.problem && report.problem !== 'no key yet') alarm(`${row.display_name}: ${report.problem}`);
    const tr = element('tr');
    tr.append(element('th', `${row.display_name}${report.you ? ' (you)' : ''}`, { scope: 'row' }),
      element('td', report.fingerprint ?? '—'),
      element('td', report.number ?? (report.you ? 'you' : '—'), { class: 'safety-number' }),
      element('td', report.problem ?? (report.listed ? `in the signed list${report.owner ? ', owner' : ''}`
        : 'not in the signed list yet')));
    if (home.owner && report.fingerprint && !report.you && (!report.listed || report.problem)) {
      tr.lastChild.append(' ', ownerAction(`Give ${row.display_name} access`,
        (key) => grantMember(home.id, key, row.user_id)));
    }
    body.append(tr);
  }
  const wrap = element('div', null, {
    class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': `Members of ${home.name}`,
  });
  wrap.append(table);
  section.append(wrap);
  if (home.owner && list) {
    section.append(element('p', 'A new home key locks clips from now on; everyone in the signed '
      + 'list gets it, and anyone removed since does not.'));
    section.append(ownerAction('Make a new home key', (key) => rotateHomeKey(home.id, key)));
  }
  if (list?.devices.length) {
    section.append(element('h3', 'Devices'));
    const devices = element('ul');
    for (const device of list.devices) {
      devices.append(element('li', `${fingerprint(device.keyId)}${device.revoked ? ' (revoked)' : ''}`));
    }
    section.append(devices);
  }
}

/** A button for an owner's key operation: unlock, run, then show the page again. */
function ownerAction(label, run) {
  const button = element('button', label, { type: 'button', class: 'button' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await run(await getUnlockedKey());
      $('keys-status').textContent = `Done: ${label}.`;
      globalThis.location.reload();
    } catch (error) {
      alarm(`${label}: ${error.message}`);
      button.disabled = false;
    }
  });
  return button;
}

async function showLog(me, trustedSigning) {
  const report = await monitorKeys({ userId: me.userId, homes, signingKey: trustedSigning });
  report.alarms.forEach(alarm);
  $('log-summary').textContent = `${report.checked} log entries checked in this browser; `
    + `${report.alarms.length ? `${report.alarms.length} alarm(s)` : 'no alarm'}.`;
  for (const key of report.keys) {
    const tr = element('tr');
    tr.append(element('td', String(key.index)), element('td', key.subject), element('td', key.key),
      element('td', key.verdict));
    $('log-rows').append(tr);
  }
}

async function main() {
  const { id: userId } = await get('/v1/me');
  let record;
  try {
    record = await get('/v1/me/key');
  } catch {
    $('keys-status').textContent = 'You have no key yet.';
    return;
  }
  const me = await checkUserKey(userId, record, 'your key', { binding: false });
  $('my-fingerprint').textContent = fingerprint(me.keyId);
  for (const home of homes) await showHome(home, me);
  const known = knownKeys(userId);
  if (!known.has(me.keyId) && known.size) {
    // This browser opened another key of yours: the one served now was made elsewhere.
    await showLog(me, null);
    $('keys-status').textContent = 'Checked: your key is not one this browser made or opened.';
    return;
  }
  if (!known.has(me.keyId)) {
    // A browser that never opened your key can't tell your keys from others' in the log.
    $('keys-status').textContent = 'This browser has not opened your key yet, so it can\'t tell '
      + 'your keys from others\' in the audit log. Unlock your key to check the log.';
    const button = element('button', 'Unlock and check the log', { type: 'button', class: 'button button-primary' });
    $('keys-status').after(button);
    button.addEventListener('click', async () => {
      try {
        const key = await getUnlockedKey();
        button.remove();
        await showLog(me, key.signingPublic);
        $('keys-status').textContent = 'Checked.';
      } catch (error) {
        $('keys-status').textContent = error.message;
      }
    });
    return;
  }
  await showLog(me, me.signingKey);
  $('keys-status').textContent = 'Checked.';
}

main().catch((error) => {
  $('keys-status').textContent = '';
  alarm(error.message);
});
