'use strict';
// Unit tests of reprisal_intake/static/js/codename.js against tests/vectors/codename-v2.json.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const R = require(path.join(ROOT, 'reprisal_intake', 'static', 'js', 'rptenv.js'));
const C = require(path.join(ROOT, 'reprisal_intake', 'static', 'js', 'codename.js'));
const VECTORS = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'vectors', 'codename-v2.json'),
  'utf8'));

function words(language) {
  return fs.readFileSync(path.join(ROOT, 'crypto', 'wordlists', 'codename-v2-' + language + '.txt'),
    'utf8').split('\n').filter((w) => w);
}

function hex(bytes) {
  return Buffer.from(bytes).toString('hex');
}

test.before(async () => {
  await R.ready;
});

for (const v of VECTORS.vectors) {
  test('vector ' + v.language + ' ' + v.secret.slice(0, 8), () => {
    const text = C.fromSecret(Uint8Array.from(Buffer.from(v.secret, 'hex')), v.language,
      words(v.language));
    assert.equal(text, v.codename);
    const keys = C.deriveKeys(text, v.language);
    assert.equal(hex(keys.lookupTag), v.lookup_tag);
    assert.equal(hex(keys.submitterPublicKey), v.submitter_public_key);
  });
}

test('every language carries at least 128 bits', () => {
  for (const language of C.LANGUAGES) {
    const list = words(language);
    assert.ok(C.wordCount(list.length) * Math.log2(list.length) >= 128, language);
  }
});

test('a form token is 43 characters and carries its 32-byte secret', () => {
  const token = C.newToken();
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(C.tokenSecret(token).length, 32);
  assert.notEqual(C.newToken(), token);
  assert.throws(() => C.tokenSecret('abc'));
});

test('refuses a language without a list and a short secret', () => {
  assert.throws(() => C.fromSecret(new Uint8Array(32), 'ar', words('en')), TypeError);
  assert.throws(() => C.fromSecret(new Uint8Array(31), 'en', words('en')), TypeError);
});
