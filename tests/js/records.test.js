'use strict';
// Unit tests of reprisal_intake/static/js/records.js against tests/vectors/reader-record-v1.json,
// the vectors crypto/records.py reads too (run: node --test tests/js/).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const R = require(path.join(ROOT, 'reprisal_intake', 'static', 'js', 'rptenv.js'));
const RR = require(path.join(ROOT, 'reprisal_intake', 'static', 'js', 'records.js'));
const V = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'vectors', 'reader-record-v1.json'),
  'utf8'));

let s;
let pinned;
test.before(async () => {
  await R.ready;
  s = R.sodium;
  pinned = [s.from_base64(V.org_public_key, s.base64_variants.ORIGINAL)];
});

function b64(bytes) {
  return s.to_base64(bytes, s.base64_variants.ORIGINAL);
}

for (const c of V.valid) {
  test('valid vector: ' + c.name, () => {
    const record = RR.verifyRecord(c.file, pinned);
    assert.equal(record.type, c.payload.type);
    assert.equal(record.id, c.payload.id);
    assert.equal(record.suite, c.payload.suite);
    assert.equal(b64(record.publicKey), c.payload.public_key);
    if (record.type === 'reader') {
      assert.equal(record.holder, c.payload.holder);
      assert.deepEqual(Array.from(record.mechanisms), c.payload.mechanisms);
      assert.equal(RR.validOn(record, V.today), c.valid_on_today);
      for (const [code, expected] of Object.entries(c.covers)) {
        assert.equal(RR.covers(record, code), expected, code);
      }
    }
  });
}

for (const c of V.invalid) {
  test('invalid vector: ' + c.name, () => {
    const expected = c.error === 'signature' ? RR.RecordSignatureError : RR.RecordFormatError;
    assert.throws(() => RR.verifyRecord(c.file, pinned), expected);
  });
}

test('no pinned key: nothing verifies', () => {
  assert.throws(() => RR.verifyRecord(V.valid[0].file, []), RR.RecordSignatureError);
});

function recipient(name) {
  const c = V.valid.find((v) => v.name === name);
  return {id: name, public_key: c.payload.public_key, record: c.file};
}

test('checkRecipients accepts certified readers and refuses every other key', () => {
  const ok = [recipient('focal point, suite 1'), recipient('escrow for every mechanism')];
  assert.equal(RR.checkRecipients(ok, 'CAT', V.org_public_key, V.today), ok);
  const reason = (list, mechanism, keys) => {
    try {
      RR.checkRecipients(list, mechanism || 'CAT', keys === undefined ? V.org_public_key : keys,
        V.today);
    } catch (error) {
      assert.ok(error instanceof RR.ReaderCheckError);
      return error.reason;
    }
    return 'accepted';
  };
  const unsigned = {id: 'x', public_key: ok[0].public_key, record: null};
  assert.equal(reason([...ok, unsigned]), 'unsigned');
  assert.equal(reason(ok, 'CAT', V.unpinned_org_public_key), 'unsigned');
  assert.equal(reason(ok, 'CAT', ''), 'unsigned');
  assert.equal(reason([recipient('expired')]), 'expired');
  assert.equal(reason([recipient('not yet valid')]), 'expired');
  assert.equal(reason(ok, 'CEDAW'), 'mechanism');
  assert.equal(reason([recipient('escrow for every mechanism')]), 'no_focal_point');
  // rptenv.js seals to X-Wing keys too (docs/spec/rptenv-v2.md): a suite-2 record is a reader
  assert.notEqual(reason([recipient('suite 2 (X-Wing) key')]), 'suite');
  const suite2 = recipient('suite 2 (X-Wing) key');
  assert.equal(reason([{...suite2, public_key: b64(new Uint8Array(32))}]), 'key_mismatch');
  assert.equal(reason([recipient('revocation')]), 'unsigned');
  const swapped = {...ok[0], public_key: b64(new Uint8Array(32))};
  assert.equal(reason([swapped]), 'key_mismatch');
});
