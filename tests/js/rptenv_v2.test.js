'use strict';
// Suite 2 (X-Wing) in reprisal_intake/static/js/rptenv.js: the draft's X-Wing vectors through
// libsodium.js, tests/vectors/rptenv-v2.json, and the rules of docs/spec/rptenv-v2.md.
// Run: node --test tests/js/

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const nodeCrypto = require('node:crypto');

const ROOT = path.resolve(__dirname, '..', '..');
const R = require(path.join(ROOT, 'reprisal_intake', 'static', 'js', 'rptenv.js'));
const XWING = require(path.join(ROOT, 'tests', 'vectors', 'xwing-draft.json'));
const V2 = require(path.join(ROOT, 'tests', 'vectors', 'rptenv-v2.json'));

let s;
test.before(async () => {
  await R.ready;
  s = R.sodium;
});

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const unhex = (text) => new Uint8Array(Buffer.from(text, 'hex'));
const b64decode = (text) => new Uint8Array(Buffer.from(text, 'base64'));

/** sk_X, the X25519 half of an X-Wing seed: SHAKE256(seed, 96 bytes)[64:96]. */
function x25519Half(seed) {
  const expanded = nodeCrypto.createHash('shake256', { outputLength: 96 }).update(seed).digest();
  return new Uint8Array(expanded.subarray(64, 96));
}

test('libsodium.js X-Wing passes the draft-connolly-cfrg-xwing-kem vectors', () => {
  assert.equal(XWING.vectors.length, 3);
  for (const v of XWING.vectors) {
    const pair = s.crypto_kem_xwing_seed_keypair(unhex(v.seed));
    assert.equal(hex(pair.publicKey), v.pk);
    assert.equal(hex(pair.privateKey), v.sk);
    const enc = s.crypto_kem_xwing_enc_deterministic(pair.publicKey, unhex(v.eseed));
    assert.equal(hex(enc.ciphertext), v.ct);
    assert.equal(hex(enc.sharedSecret), v.ss);
    assert.equal(hex(s.crypto_kem_xwing_dec(unhex(v.ct), unhex(v.sk))), v.ss);
    assert.equal(hex(R.publicKeyFromSecretKey(unhex(v.seed), R.SUITE_HYBRID)), v.pk);
  }
});

test('rptenv-v2.json: reader keys', () => {
  for (const reader of V2.readers) {
    assert.equal(hex(R.publicKeyFromSecretKey(unhex(reader.seed), 2)), reader.public_key);
  }
});

test('rptenv-v2.json: stanzas reproduced byte for byte, opened only by their reader and label', () => {
  for (const v of V2.stanzas) {
    const kind = v.label === 'RPTENV v2 X-Wing access' ? 'access' : 'file key';
    const reader = V2.readers[v.reader];
    const stanza = R.sealStanzaDerandomized(unhex(v.secret), unhex(reader.public_key), kind, unhex(v.eseed));
    assert.equal(hex(stanza), v.stanza, v.description);
    const other = unhex(V2.readers[1 - v.reader].seed);
    if (kind === 'access') {
      assert.equal(hex(R.openCaseKey(stanza, unhex(reader.seed), 2)), v.secret);
      assert.equal(R.openCaseKey(stanza, other, 2), null);
    } else {
      // a file-key stanza is not an access stanza
      assert.equal(R.openCaseKey(stanza, unhex(reader.seed), 2), null);
    }
  }
});

test('rptenv-v2.json: envelopes open for each of their readers', () => {
  for (const v of V2.envelopes) {
    const envelope = unhex(v.envelope);
    for (const reader of V2.readers.slice(0, v.recipients)) {
      const opened = R.openEnvelope(envelope, unhex(reader.seed), R.SUITE_HYBRID);
      assert.deepEqual(opened.metadata, v.metadata, v.description);
      assert.equal(nodeCrypto.createHash('sha256').update(opened.data).digest('hex'), v.plaintext_sha256);
    }
    const header = R.readHeader(envelope);
    assert.equal(header.suite, 2);
    assert.equal(header.raw.length, v.header_size);
    assert.equal(R.checkStructure(envelope), v.message_count);
    assert.equal(envelope.length, R.envelopeSize(v.plaintext_length, v.chunk_log2, v.recipients, 2));
  }
});

test('rptenv-v2.json: invalid envelopes give the expected error', () => {
  const seed = unhex(V2.readers[0].seed);
  for (const v of V2.invalid_envelopes) {
    assert.throws(() => R.openEnvelope(unhex(v.envelope), seed, 2),
      (error) => error instanceof R.RptenvError && error.name === v.error, v.description);
  }
});

test('rptenv-v2.json: the version-3 bundle access stanza opens', () => {
  const zip = b64decode(V2.bundle.bundle);
  const text = Buffer.from(zip).toString('latin1');
  const start = text.indexOf('{\n  "format": "reprisal-case-bundle"');
  const end = text.indexOf('\n}\n', start) + 2;
  const manifest = JSON.parse(text.slice(start, end));
  const hybrid = manifest.access.find((entry) => entry.suite === 2);
  const caseSecret = R.openCaseKey(b64decode(hybrid.sealed_case_key), unhex(V2.readers[0].seed), 2);
  assert.equal(hex(caseSecret), V2.bundle.case_secret);
  assert.equal(hex(R.publicKeyFromSecretKey(caseSecret, 2)), hex(b64decode(manifest.case_public_key)));
});

test('suite 2 header sizes and the suite of a writer', () => {
  assert.deepEqual(R.STANZA_SIZES, { 1: 80, 2: 1168 });
  assert.equal(R.headerSize(1, 2), 1234);
  assert.equal(R.headerSize(255, 2), 297906);
  assert.equal(R.headerSize(1), 146);
  const hybrid = R.generateCaseKeyPair(R.SUITE_HYBRID);
  assert.equal(hybrid.suite, 2);
  assert.equal(hybrid.publicKey.length, 1216);
  assert.equal(hybrid.privateKey.length, 32);
  const envelope = R.encryptBytes(new Uint8Array(10), [hybrid.publicKey], { kind: 'note' });
  assert.deepEqual(Array.from(envelope.subarray(6, 8)), [2, 2]);
  const classical = R.generateCaseKeyPair();
  assert.equal(classical.suite, 1);
  assert.deepEqual(Array.from(R.encryptBytes(new Uint8Array(1), [classical.publicKey], { kind: 'note' }).subarray(6, 8)), [1, 1]);
});

test('suites are never mixed in one envelope; key lengths are checked', () => {
  const hybrid = R.generateCaseKeyPair(2);
  const classical = R.generateCaseKeyPair(1);
  assert.throws(() => new R.EnvelopeWriter([hybrid.publicKey, classical.publicKey], { kind: 'note' }),
    R.FormatError);
  assert.throws(() => new R.EnvelopeWriter([new Uint8Array(1217)], { kind: 'note' }), TypeError);
  assert.throws(() => R.generateCaseKeyPair(3), TypeError);
});

test('a suite-2 envelope opens with the seed, not with its X25519 half, not as suite 1', () => {
  const hybrid = R.generateCaseKeyPair(2);
  const data = new Uint8Array(nodeCrypto.randomBytes(100000));
  const envelope = R.encryptBytes(data, [hybrid.publicKey], { kind: 'attachment' }, 16);
  assert.deepEqual(R.openEnvelope(envelope, hybrid.privateKey, 2).data, data);
  const half = x25519Half(hybrid.privateKey);
  assert.equal(hex(R.publicKeyFromSecretKey(half)), hex(hybrid.publicKey.subarray(1184)));
  assert.throws(() => R.openEnvelope(envelope, half), /suite 2/);
  assert.throws(() => R.openEnvelope(envelope, half, 2), R.NotARecipientError);
  assert.throws(() => R.openEnvelope(envelope, hybrid.privateKey), R.NotARecipientError);
  assert.throws(() => R.openEnvelope(envelope, R.generateCaseKeyPair(2).privateKey, 2),
    R.NotARecipientError);
});

test('access stanzas: case keys of both suites to reviewers of both suites', () => {
  for (const caseSuite of [1, 2]) {
    const caseKey = R.generateCaseKeyPair(caseSuite);
    const hybrid = R.generateCaseKeyPair(2);
    const classical = R.generateCaseKeyPair(1);
    const toHybrid = R.sealCaseKey(caseKey.privateKey, hybrid.publicKey);
    const toClassical = R.sealCaseKey(caseKey.privateKey, classical.publicKey);
    assert.equal(toHybrid.length, 1168);
    assert.equal(toClassical.length, 80);
    assert.deepEqual(R.openCaseKey(toHybrid, hybrid.privateKey, 2), caseKey.privateKey);
    assert.deepEqual(R.openCaseKey(toClassical, classical.privateKey), caseKey.privateKey);
    assert.equal(R.openCaseKey(toHybrid, R.generateCaseKeyPair(2).privateKey, 2), null);
    assert.throws(() => R.openCaseKey(toHybrid, x25519Half(hybrid.privateKey)), TypeError);
  }
});

test('every single-bit flip in a suite-2 header is refused', () => {
  const hybrid = R.generateCaseKeyPair(2);
  const envelope = R.encryptBytes(new Uint8Array(3), [hybrid.publicKey], { kind: 'note' });
  const headerLength = R.headerSize(1, 2);
  for (let i = 0; i < headerLength; i += 7) {
    const bad = envelope.slice();
    bad[i] ^= 1 << (i % 8);
    assert.throws(() => R.openEnvelope(bad, hybrid.privateKey, 2), R.RptenvError, `byte ${i}`);
  }
});
