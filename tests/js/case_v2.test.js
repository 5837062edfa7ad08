'use strict';
// codename.js and rptenv.js against tests/vectors/case-v2.json: the X-Wing submitter key of codename
// v2, and a suite-2 case (an X-Wing case key sealed to a hybrid reviewer, its report, a reply sealed
// to the case key and the submitter's X-Wing key), made by an independent Python implementation.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const R = require(path.join(ROOT, 'reprisal_intake', 'static', 'js', 'rptenv.js'));
const C = require(path.join(ROOT, 'reprisal_intake', 'static', 'js', 'codename.js'));
const VECTORS = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'vectors', 'case-v2.json'),
  'utf8'));
const CASE = VECTORS.case;

function hex(bytes) {
  return Buffer.from(bytes).toString('hex');
}

function unhex(text) {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

test.before(async () => {
  await R.ready;
});

for (const v of VECTORS.submitter_keys) {
  test('X-Wing submitter key ' + v.language + ' ' + v.codename.slice(0, 12), () => {
    const keys = C.deriveKeys(v.codename, v.language);
    assert.equal(hex(keys.hybridSubmitterSeed), v.xwing_submitter_seed);
    assert.equal(hex(keys.hybridSubmitterPublicKey), v.xwing_submitter_public_key);
    assert.equal(keys.hybridSubmitterPublicKey.length, R.XWING_PUBLIC_KEY_SIZE);
  });
}

test('the suite-2 case opens for its hybrid reviewer and its submitter', () => {
  const access = unhex(CASE.access_stanza);
  const sealed = R.sealStanzaDerandomized(unhex(CASE.case_seed), unhex(CASE.reviewer_public_key),
    'access', unhex(CASE.access_eseed));
  assert.equal(hex(sealed), CASE.access_stanza);
  const caseSeed = R.openCaseKey(access, unhex(CASE.reviewer_seed), R.SUITE_HYBRID);
  assert.equal(hex(caseSeed), CASE.case_seed);
  assert.equal(hex(R.publicKeyFromSecretKey(caseSeed, R.SUITE_HYBRID)), CASE.case_public_key);
  const report = R.openEnvelope(unhex(CASE.report), caseSeed, R.SUITE_HYBRID);
  assert.equal(new TextDecoder().decode(report.data), CASE.report_plaintext);
  const submitter = C.deriveKeys(CASE.codename, CASE.language);
  assert.equal(hex(submitter.hybridSubmitterPublicKey), CASE.submitter_public_key);
  for (const key of [caseSeed, submitter.hybridSubmitterSeed]) {
    const reply = R.openEnvelope(unhex(CASE.reply), key, R.SUITE_HYBRID);
    assert.equal(reply.metadata.kind, 'reply');
    assert.equal(new TextDecoder().decode(reply.data), CASE.reply_plaintext);
  }
});

test('a classical key is no recipient of the suite-2 case', () => {
  const submitter = C.deriveKeys(CASE.codename, CASE.language);
  assert.throws(() => R.openEnvelope(unhex(CASE.reply), submitter.submitterSecretKey,
    R.SUITE_CLASSICAL), R.NotARecipientError);
});

test('a browser case for hybrid readers only is suite 2 and Python-compatible in shape', () => {
  const reviewer = R.generateCaseKeyPair(R.SUITE_HYBRID);
  const caseKeys = R.generateCaseKeyPair(R.SUITE_HYBRID);
  const submitter = C.deriveKeys(CASE.codename, CASE.language);
  const reply = R.encryptBytes(new TextEncoder().encode('x'),
    [caseKeys.publicKey, submitter.hybridSubmitterPublicKey], {kind: 'reply'}, 12);
  assert.equal(R.readHeader(reply).suite, 2);
  assert.equal(R.sealCaseKey(caseKeys.privateKey, reviewer.publicKey).length, 1168);
  assert.equal(new TextDecoder().decode(
    R.openEnvelope(reply, submitter.hybridSubmitterSeed, R.SUITE_HYBRID).data), 'x');
});
