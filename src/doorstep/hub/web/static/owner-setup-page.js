// The /keys/setup page: suggest or check a passphrase, then make and publish the keys.

import { publishKey } from './owner-setup.js';
import { strengthMeter } from './owner-strength.js';

const form = document.getElementById('setup-form');
const $ = (id) => document.getElementById(id);

if (form) {
  const check = strengthMeter(form, { passphrase: 'passphrase', again: 'passphrase-again' });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('setup-error');
    error.textContent = '';
    const verdict = await check();
    let problem = null;
    if (!$('sign-in-password').value) problem = ['sign-in-password', 'Type your sign-in password.'];
    else if (!verdict.ok) problem = ['passphrase', verdict.message];
    else if ($('passphrase').value !== $('passphrase-again').value) {
      problem = ['passphrase-again', 'The two passphrases differ.'];
    } else if (!$('written-down').checked) {
      problem = ['written-down', 'Write your passphrase down first: it cannot be reset.'];
    }
    if (problem) {
      error.textContent = problem[1];
      $(problem[0]).setAttribute('aria-invalid', 'true');
      $(problem[0]).focus();
      return;
    }
    $('make-keys').disabled = true;
    error.textContent = '';
    $('strength').textContent = 'Making your keys (this takes a few seconds)…';
    try {
      const key = await publishKey($('passphrase').value);
      for (const id of ['passphrase', 'passphrase-again', 'sign-in-password']) $(id).value = '';
      form.hidden = true;
      $('fingerprint').textContent = key.fingerprint;
      $('setup-done').hidden = false;
      $('done-title').focus();
    } catch (failure) {
      error.textContent = `Your keys were not set up: ${failure.message}`;
      $('make-keys').disabled = false;
    }
  });
}
