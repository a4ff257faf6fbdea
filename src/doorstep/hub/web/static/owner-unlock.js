// The Unlock dialog: an accessible <dialog> with a labelled passphrase field. It calls
// `unlock(passphrase)` and resolves to the key, or to null when the person cancels.

const text = (tag, content, attributes = {}) => {
  const element = document.createElement(tag);
  if (content) element.textContent = content;
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
};

let open = null;

export function askToUnlock({ unlock, reason }) {
  if (open) return open;
  const dialog = text('dialog', '', { class: 'unlock-dialog', 'aria-labelledby': 'unlock-title' });
  const form = text('form', '', { method: 'dialog' });
  const heading = text('h2', 'Unlock your key', { id: 'unlock-title' });
  const why = text('p', reason ?? 'This page opens your footage here, in your browser. '
    + 'Your passphrase unlocks your key on this page only; it is never sent to the hub.');
  const row = text('div', '', { class: 'form-row' });
  const label = text('label', 'Passphrase', { for: 'unlock-passphrase' });
  const input = text('input', '', {
    id: 'unlock-passphrase', name: 'passphrase', type: 'password', required: '',
    autocomplete: 'current-password', spellcheck: 'false',
  });
  const message = text('p', '', { role: 'alert', class: 'unlock-message', id: 'unlock-message' });
  input.setAttribute('aria-describedby', 'unlock-message');
  const buttons = text('div', '', { class: 'form-row form-actions' });
  const submit = text('button', 'Unlock', { type: 'submit', class: 'button button-primary' });
  const cancel = text('button', 'Cancel', { type: 'button', class: 'button', value: 'cancel' });
  row.append(label, input);
  buttons.append(submit, cancel);
  form.append(heading, why, row, message, buttons);
  dialog.append(form);
  document.body.append(dialog);
  open = new Promise((resolve) => {
    const finish = (key) => {
      dialog.close();
      dialog.remove();
      open = null;
      resolve(key);
    };
    cancel.addEventListener('click', () => finish(null));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(null);
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      message.textContent = 'Unlocking…';
      try {
        const key = await unlock(input.value);
        input.value = '';
        finish(key);
      } catch (error) {
        message.textContent = `Not unlocked: ${error.message}`;
        submit.disabled = false;
        input.select();
      }
    });
  });
  dialog.showModal();
  input.focus();
  return open;
}
