// The /keys/passphrase page: open your key's box with the current passphrase and seal it
// under a new one, all in this browser (owner-setup.js changePassphrase).

import { WrongPassphrase, changePassphrase } from './owner-setup.js';
import { strengthMeter } from './owner-strength.js';

const form = document.getElementById('passphrase-form');
const $ = (id) => document.getElementById(id);
const FIELDS = ['current-passphrase', 'new-passphrase', 'new-passphrase-again', 'sign-in-password'];

if (form) {
  const check = strengthMeter(form,
    { passphrase: 'new-passphrase', again: 'new-passphrase-again' });
  const refuse = (field, message) => {
    $('passphrase-error').textContent = message;
    $(field).setAttribute('aria-invalid', 'true');
    $(field).focus();
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    $('passphrase-error').textContent = '';
    const current = $('current-passphrase').value;
    const next = $('new-passphrase').value;
    const verdict = await check();
    let problem = null;
    if (!current) {
      problem = ['current-passphrase', 'Type your current passphrase.'];
    } else if (!$('sign-in-password').value) {
      problem = ['sign-in-password', 'Type your sign-in password.'];
    } else if (!verdict.ok) {
      problem = ['new-passphrase', verdict.message];
    } else if (next === current) {
      problem = ['new-passphrase', 'The new passphrase is your current one: choose another.'];
    } else if (next !== $('new-passphrase-again').value) {
      problem = ['new-passphrase-again', 'The two new passphrases differ.'];
    } else if (!$('written-down').checked) {
      problem = ['written-down', 'Write your new passphrase down first: it cannot be reset.'];
    }
    if (problem) {
      refuse(...problem);
      return;
    }
    $('change').disabled = true;
    $('strength').textContent = 'Changing your passphrase (this takes a few seconds)…';
    try {
      const key = await changePassphrase(current, next);
      for (const id of FIELDS) $(id).value = '';
      form.hidden = true;
      $('fingerprint').textContent = key.fingerprint;
      $('passphrase-done').hidden = false;
      $('done-title').focus();
    } catch (failure) {
      $('strength').textContent = '';
      $('change').disabled = false;
      if (failure instanceof WrongPassphrase) {
        refuse('current-passphrase',
          'Your current passphrase does not open your key: nothing changed.');
      } else {
        $('passphrase-error').textContent =
          `Your passphrase may not have changed: ${failure.message}`;
      }
    }
  });
}
