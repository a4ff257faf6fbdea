// The passphrase rule in the browser (docs/security.md, "Passphrase strength"). The hub
// never sees the passphrase, so only the browser can check it, and zxcvbn, which the
// Python client uses (crypto/strength.py: score >= 3), does not fit this page's 150 KB of
// JavaScript (398 KB compressed; @zxcvbn-ts with its dictionaries 250 KB). So the browser
// applies a stricter rule it can explain and that zxcvbn always accepts (a test checks it):
// at least MIN_WORDS different words from the EFF large word list (7776 words, 12.9 bits
// each when chosen at random), separated by spaces or dashes, none of them part of your
// email or name, and not your sign-in password. It suggests six random words (77 bits).

const WORDS_URL = '/static/vendor/eff-wordlist.txt';
export const MIN_WORDS = 5;
export const SUGGESTED_WORDS = 6;
export const BITS_PER_WORD = Math.log2(7776);

let loaded = null;

/** The word list, fetched once: a Set of 7776 lowercase words. */
export function wordList() {
  loaded ??= fetch(WORDS_URL).then(async (response) => {
    if (!response.ok) throw new Error(`the word list did not load (${response.status})`);
    const words = (await response.text()).split('\n').filter(Boolean);
    if (words.length !== 7776) throw new Error(`the word list has ${words.length} words, not 7776`);
    return { list: words, set: new Set(words) };
  });
  return loaded;
}

/** Six words drawn uniformly at random (rejection sampling on 16-bit draws). */
export async function suggestPassphrase(count = SUGGESTED_WORDS) {
  const { list } = await wordList();
  const chosen = [];
  const limit = 65536 - (65536 % list.length);
  while (chosen.length < count) {
    const [draw] = globalThis.crypto.getRandomValues(new Uint16Array(1));
    if (draw < limit) chosen.push(list[draw % list.length]);
  }
  return chosen.join(' ');
}

const normal = (text) => text.normalize('NFC');

/**
 * `{ok, words, bits, message}` for `passphrase`: `ok` when it may seal your private key.
 * `signInPassword`: the password you sign in with (compared here, never sent);
 * `userInputs`: your email and name, whose parts don't count as words.
 */
export async function checkPassphrase(passphrase, { signInPassword = '', userInputs = [] } = {}) {
  const { set } = await wordList();
  const text = normal(passphrase);
  if (signInPassword && text === normal(signInPassword)) {
    return { ok: false, words: 0, bits: 0, message: 'The passphrase is your sign-in password, '
      + 'which the hub sees at every sign-in: choose a different one.' };
  }
  const personal = new Set(userInputs.flatMap((input) => normal(input).toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)).filter((part) => part.length >= 3));
  const tokens = text.toLowerCase().split(/[\s-]+/).filter(Boolean);
  const words = new Set(tokens.filter((token) => set.has(token) && !personal.has(token)));
  const bits = Math.floor(words.size * BITS_PER_WORD);
  if (words.size < MIN_WORDS) {
    return { ok: false, words: words.size, bits, message: `Too easy to guess: use at least `
      + `${MIN_WORDS} different words from the word list, separated by spaces (it has `
      + `${words.size}). "Suggest a passphrase" picks ${SUGGESTED_WORDS} at random for you.` };
  }
  return { ok: true, words: words.size, bits,
    message: `Strong enough: ${words.size} different list words, about ${bits} bits if chosen at random.` };
}

/**
 * A passphrase form's live strength line and its "Suggest a passphrase" button. `passphrase`
 * and `again` are the ids of the passphrase field and its repeat; the form's data-email and
 * data-name count as guessable words; the page has #sign-in-password, #strength, #suggest
 * and #suggestion. Returns check(): the verdict (checkPassphrase) on what is typed now.
 */
export function strengthMeter(form, { passphrase, again }) {
  const $ = (id) => document.getElementById(id);
  const userInputs = [form.dataset.email ?? '', form.dataset.name ?? ''];
  const check = () => checkPassphrase($(passphrase).value,
    { signInPassword: $('sign-in-password').value, userInputs });
  const showStrength = async () => {
    $('strength').textContent = $(passphrase).value ? (await check()).message : '';
  };
  $(passphrase).addEventListener('input', showStrength);
  form.addEventListener('input', (event) => event.target.removeAttribute('aria-invalid'));
  $('suggest').addEventListener('click', async () => {
    const words = await suggestPassphrase();
    $('suggestion').textContent = `Suggested: ${words} (write it down now)`;
    $(passphrase).value = words;
    $(again).value = words;
    await showStrength();
  });
  return check;
}
