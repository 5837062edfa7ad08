'use strict';
// Unit tests of reprisal_intake/static/js/rptenv.js (run: node --test tests/js/).
// Cross-language checks against the Python `crypto` package live in test_rptenv_interop.py.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const RPTENV_PATH = path.join(ROOT, 'reprisal_intake', 'static', 'js', 'rptenv.js');
const R = require(RPTENV_PATH);
const WORDLIST = path.join(ROOT, 'crypto', 'wordlists', 'eff_large_wordlist.txt');
const VECTORS = path.join(ROOT, 'tests', 'vectors', 'codename-v1.json');

let s; // libsodium-wrappers as loaded by rptenv.js
test.before(async () => {
  await R.ready;
  s = R.sodium;
});

// --- helpers -----------------------------------------------------------------------------------

function ascii(text) {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function keyPair() {
  return R.generateCaseKeyPair();
}

// test data only (libsodium.js's randombytes_buf takes 4 bytes per call into JS: slow for MiB)
function randomBytes(n) {
  return new Uint8Array(require('node:crypto').randomBytes(n));
}

/** Deterministic sequence of "odd" push sizes, including 0 and 1. */
function* oddSizes(seed) {
  let x = seed >>> 0;
  const fixed = [0, 1, 7, 4095, 4097, 65535, 65537, 131071];
  for (const f of fixed) yield f;
  for (;;) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    yield (x >>> 8) % 200003;
  }
}

function streamEncrypt(data, recipients, metadata, chunkLog2, seed) {
  const C = 2 ** chunkLog2;
  const w = new R.EnvelopeWriter(recipients, metadata, chunkLog2);
  const parts = [w.header()];
  let position = 0;
  let emitted = 0;
  const sizes = oddSizes(seed);
  while (position < data.length) {
    const n = Math.min(sizes.next().value, data.length - position);
    const out = w.push(data.subarray(position, position + n));
    position += n;
    assert.ok(Array.isArray(out));
    for (const part of out) {
      assert.equal(part.length, C + 17, 'push() emits whole messages only');
      parts.push(part);
    }
    emitted += out.length;
    // at most one chunk buffered: every complete chunk has been emitted
    assert.equal(emitted, Math.floor(position / C));
  }
  for (const part of w.finishChunks()) {
    assert.equal(part.length, C + 17);
    parts.push(part);
  }
  assert.ok(w.closed);
  return concat(parts);
}

// Build envelopes message by message with libsodium directly, to exercise each reader rule.
function forge(opts) {
  const chunkLog2 = opts.chunkLog2 || 12;
  const C = 2 ** chunkLog2;
  const fileKey = s.randombytes_buf(32);
  const stanzaKeys = opts.stanzaKeys || opts.recipients.map(() => null);
  const stanzas = opts.recipients.map((pk, i) => s.crypto_box_seal(stanzaKeys[i] || fileKey, pk));
  const commitment = s.crypto_generichash(32, ascii('RPTENV v1 key commitment'), fileKey);
  const streamKey = s.crypto_generichash(32, ascii('RPTENV v1 stream key'), fileKey);
  const init = s.crypto_secretstream_xchacha20poly1305_init_push(streamKey);
  const h = concat([R.MAGIC, Uint8Array.of(1, 1, chunkLog2, stanzas.length), ...stanzas,
    commitment, init.header]);
  const meta = opts.metaPlain || s.pad(s.from_string(opts.metaJson || '{"v":1,"kind":"note"}'), C);
  const parts = [h, s.crypto_secretstream_xchacha20poly1305_push(init.state, meta, h,
    opts.metaTag === undefined ? 0 : opts.metaTag)];
  for (const m of opts.messages) {
    parts.push(s.crypto_secretstream_xchacha20poly1305_push(init.state, m[0], null, m[1]));
  }
  return concat(parts);
}

function padded(bytes, chunkLog2) {
  return s.pad(bytes, 2 ** (chunkLog2 || 12));
}

function zeros(chunkLog2) {
  return new Uint8Array(2 ** (chunkLog2 || 12));
}

const MESSAGE = 0;
const PUSH = 1;
const REKEY = 2;
const FINAL = 3;

// --- sizes -------------------------------------------------------------------------------------

function padmeReference(L) {
  // the formula of spec section 2, in BigInt
  if (L < 2n) return L;
  const E = BigInt(L.toString(2).length - 1);
  const S = BigInt(E.toString(2).length - 1) + 1n;
  const mask = (1n << (E - S)) - 1n;
  return (L + mask) & ~mask;
}

test('padme matches the spec formula and known values', () => {
  const known = [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [7, 7], [8, 8], [9, 10],
    [15, 16], [16, 16], [17, 18], [100, 104], [1000, 1024], [1023, 1024], [1024, 1024],
    [1025, 1088], [4096, 4096], [8193, 8704], [65537, 67584], [1000000, 1015808],
    [2 ** 31 - 1, 2 ** 31], [2 ** 31 + 1, 2214592512], [2 ** 32 + 12345, 4362076160],
    [2 ** 40 + 1, 1116691496960], [2 ** 52 + 3, 4573968371548160]];
  for (const [L, expected] of known) {
    assert.equal(R.padme(L), expected, `padme(${L})`);
  }
  for (let L = 0; L < 5000; L++) {
    assert.equal(R.padme(L), Number(padmeReference(BigInt(L))), `padme(${L})`);
  }
  for (let e = 12; e < 53; e++) {
    for (const d of [-1, 0, 1, 12345]) {
      const L = 2 ** e + d;
      assert.equal(R.padme(L), Number(padmeReference(BigInt(L))), `padme(${L})`);
    }
  }
  assert.throws(() => R.padme(-1), RangeError);
  assert.throws(() => R.padme(1.5), RangeError);
});

test('messageCount and envelopeSize match the Python writer', () => {
  // values from crypto.envelope.message_count / envelope_size
  const table = {
    12: [[0, 2, 8372, 8452], [1, 2, 8372, 8452], [4095, 2, 8372, 8452], [4096, 3, 12485, 12565],
      [4097, 3, 12485, 12565], [12288, 5, 20711, 20791], [20971520, 5248, 21585170, 21585250],
      [1000000000, 245760, 1010811026, 1010811106]],
    16: [[0, 2, 131252, 131332], [65535, 2, 131252, 131332], [65536, 3, 196805, 196885],
      [65537, 3, 196805, 196885], [196608, 5, 327911, 327991], [20971520, 328, 21501530, 21501610],
      [1000000000, 15360, 1006894226, 1006894306]],
    20: [[0, 2, 2097332, 2097412], [1048576, 3, 3145925, 3146005],
      [20971520, 22, 23069192, 23069272], [1000000000, 960, 1006649426, 1006649506]],
  };
  for (const [log2, rows] of Object.entries(table)) {
    for (const [L, n, size1, size2] of rows) {
      assert.equal(R.messageCount(L, Number(log2)), n, `messageCount(${L}, ${log2})`);
      assert.equal(R.envelopeSize(L, Number(log2), 1), size1);
      assert.equal(R.envelopeSize(L, Number(log2), 2), size2);
    }
  }
  for (const bad of [11, 21, 12.5, '12']) {
    assert.throws(() => R.messageCount(0, bad), R.FormatError);
  }
  assert.throws(() => R.envelopeSize(0, 12, 0), R.FormatError);
  assert.throws(() => R.envelopeSize(0, 12, 256), R.FormatError);
});

// --- round trips -------------------------------------------------------------------------------

for (const chunkLog2 of [12, 16]) {
  const C = 2 ** chunkLog2;
  for (const size of [0, 1, C - 1, C, C + 1, 2 * C, 3 * C - 1]) {
    test(`round trip: ${size} bytes, chunk_log2 ${chunkLog2}`, () => {
      const a = keyPair();
      const data = randomBytes(size);
      const meta = { kind: 'attachment', name: 'témoignage – 2024.pdf', type: 'application/pdf' };
      const env = R.encryptBytes(data, [a.publicKey], meta, chunkLog2);
      assert.equal(env.length, R.envelopeSize(size, chunkLog2, 1));
      assert.equal(R.checkStructure(env), R.messageCount(size, chunkLog2));
      const header = R.readHeader(env);
      assert.equal(header.chunkLog2, chunkLog2);
      assert.equal(header.stanzas.length, 1);
      assert.deepEqual(Array.from(env.subarray(0, 10)),
        [0x52, 0x50, 0x54, 0x45, 0x4e, 0x56, 1, 1, chunkLog2, 1]);
      const opened = R.openEnvelope(env, a.privateKey);
      assert.deepEqual(opened.metadata, { v: 1, ...meta });
      assert.deepEqual(opened.data, data);
      // the streaming writer gives the same plaintext and the same length
      const streamed = streamEncrypt(data, [a.publicKey], meta, chunkLog2, size + 1);
      assert.equal(streamed.length, env.length);
      assert.deepEqual(R.openEnvelope(streamed, a.privateKey).data, data);
    });
  }
}

test('metadata: "v" set to 1 and written first; the caller\'s object is not changed', () => {
  const a = keyPair();
  const meta = { kind: 'report', extra: [1, 'x', null], v: 1 };
  const env = R.encryptBytes(new Uint8Array(0), [a.publicKey], meta);
  const opened = R.openEnvelope(env, a.privateKey);
  assert.deepEqual(Object.keys(opened.metadata), ['v', 'kind', 'extra']);
  assert.deepEqual(meta, { kind: 'report', extra: [1, 'x', null], v: 1 });
});

test('largest chunk size (chunk_log2 20) round trip', () => {
  const a = keyPair();
  const data = randomBytes(2 ** 20 + 3);
  const env = R.encryptBytes(data, [a.publicKey], { kind: 'attachment', name: 'a', type: 'b' }, 20);
  assert.equal(env.length, R.envelopeSize(data.length, 20, 1));
  assert.deepEqual(R.openEnvelope(env, a.privateKey).data, data);
});

test('a few MiB streamed in odd-sized pushes (chunk_log2 16 and 12)', () => {
  const a = keyPair();
  const b = keyPair();
  const data = randomBytes(3 * 2 ** 20 + 12345);
  for (const chunkLog2 of [16, 12]) {
    const env = streamEncrypt(data, [a.publicKey, b.publicKey],
      { kind: 'attachment', name: 'big.bin', type: 'application/octet-stream' }, chunkLog2, 42);
    assert.equal(env.length, R.envelopeSize(data.length, chunkLog2, 2));
    assert.equal(R.checkStructure(env), R.messageCount(data.length, chunkLog2));
    assert.deepEqual(R.openEnvelope(env, a.privateKey).data, data);
    assert.deepEqual(R.openEnvelope(env, b.privateKey).data, data);
  }
});

test('finish() returns the same bytes layout as finishChunks(), FINAL tag placement', () => {
  const a = keyPair();
  for (const size of [0, 4096, 3 * 4096 + 5, 40000]) {
    const w = new R.EnvelopeWriter([a.publicKey], { kind: 'note' }, 12);
    const parts = [w.header(), ...w.push(randomBytes(size)), ...w.finish()];
    const env = concat(parts);
    assert.equal(env.length, R.envelopeSize(size, 12, 1));
    // decrypt message by message to check the tags
    const header = R.readHeader(env);
    const fileKey = s.crypto_box_seal_open(header.stanzas[0], a.publicKey, a.privateKey);
    const st = s.crypto_secretstream_xchacha20poly1305_init_pull(header.ssHeader,
      s.crypto_generichash(32, ascii('RPTENV v1 stream key'), fileKey));
    const tags = [];
    for (let o = header.raw.length; o < env.length; o += 4096 + 17) {
      const r = s.crypto_secretstream_xchacha20poly1305_pull(st, env.subarray(o, o + 4113),
        tags.length === 0 ? header.raw : null);
      tags.push(r.tag);
    }
    const b = Math.floor(size / 4096) + 1;
    const expected = [MESSAGE];
    for (let i = 1; i < b; i++) expected.push(MESSAGE);
    const n = R.messageCount(size, 12);
    expected.push(b + 1 === n ? FINAL : PUSH);
    for (let i = b + 1; i < n; i++) expected.push(i === n - 1 ? FINAL : MESSAGE);
    assert.deepEqual(tags, expected, `tags for ${size} bytes`);
  }
});

test('two recipients: each opens, a third key is refused', () => {
  const a = keyPair();
  const b = keyPair();
  const c = keyPair();
  const env = R.encryptBytes(ascii('hello'), [a.publicKey, b.publicKey], { kind: 'reply' });
  assert.equal(R.readHeader(env).stanzas.length, 2);
  assert.deepEqual(R.openEnvelope(env, a.privateKey).data, ascii('hello'));
  assert.deepEqual(R.openEnvelope(env, b.privateKey).data, ascii('hello'));
  assert.throws(() => R.openEnvelope(env, c.privateKey), R.NotARecipientError);
});

// --- writer refusals ---------------------------------------------------------------------------

test('writer refuses bad metadata, recipients and call order', () => {
  const a = keyPair();
  const pk = [a.publicKey];
  // metadata must pad into one chunk: {"v":1,"kind":"note","x":"..."} of exactly C-1 bytes fits
  const base = '{"v":1,"kind":"note","x":""}'.length;
  const fits = { kind: 'note', x: 'a'.repeat(4095 - base) };
  const env = R.encryptBytes(new Uint8Array(0), pk, fits, 12);
  assert.equal(R.openEnvelope(env, a.privateKey).metadata.x.length, 4095 - base);
  assert.throws(() => R.encryptBytes(new Uint8Array(0), pk, { kind: 'note', x: 'a'.repeat(4096 - base) }, 12),
    R.FormatError);
  assert.throws(() => new R.EnvelopeWriter(pk, { kind: 'note', x: 'é'.repeat(2048) }, 12), R.FormatError);
  for (const meta of [{}, { kind: 'other' }, { kind: 'note', v: 2 }, { kind: 'note', v: '1' },
    { kind: 'note', v: 1.5 }, [], null, 'note', { kind: 'note', bad: 10n }]) {
    assert.throws(() => new R.EnvelopeWriter(pk, meta, 12), R.FormatError, String(meta));
  }
  assert.throws(() => new R.EnvelopeWriter([], { kind: 'note' }), R.FormatError);
  assert.throws(() => new R.EnvelopeWriter(new Array(256).fill(a.publicKey), { kind: 'note' }), R.FormatError);
  assert.throws(() => new R.EnvelopeWriter([new Uint8Array(31)], { kind: 'note' }), TypeError);
  assert.throws(() => new R.EnvelopeWriter([Array.from(a.publicKey)], { kind: 'note' }), TypeError);
  assert.throws(() => new R.EnvelopeWriter(pk, { kind: 'note' }, 11), R.FormatError);
  assert.throws(() => new R.EnvelopeWriter(pk, { kind: 'note' }, 21), R.FormatError);

  const w = new R.EnvelopeWriter(pk, { kind: 'note' }, 12);
  assert.throws(() => w.push(new Uint8Array(1)), /header\(\)/);
  assert.throws(() => w.finish(), /header\(\)/);
  w.header();
  assert.throws(() => w.header(), /once/);
  assert.throws(() => w.push('text'), TypeError);
  w.push(new Uint8Array(3));
  w.finish();
  assert.throws(() => w.push(new Uint8Array(1)));
  assert.throws(() => w.finish());
});

// --- reader: tampering and truncation ----------------------------------------------------------

test('every single-bit flip anywhere in an envelope is refused', () => {
  const a = keyPair();
  const env = R.encryptBytes(ascii('a short report'), [a.publicKey], { kind: 'report' }, 12);
  let count = 0;
  for (let i = 0; i < env.length; i++) {
    const bad = env.slice();
    bad[i] ^= 1 << (i % 8);
    assert.throws(() => R.openEnvelope(bad, a.privateKey), R.RptenvError, `flip at ${i}`);
    count += 1;
  }
  assert.equal(count, 8372);
});

test('specific header mutations give the expected errors', () => {
  const a = keyPair();
  const env = R.encryptBytes(ascii('x'), [a.publicKey], { kind: 'report' }, 12);
  const mutate = (i, v) => {
    const bad = env.slice();
    bad[i] = v;
    return bad;
  };
  assert.throws(() => R.openEnvelope(mutate(0, 0x51), a.privateKey), R.FormatError); // magic
  assert.throws(() => R.openEnvelope(mutate(6, 2), a.privateKey), R.FormatError); // version
  assert.throws(() => R.openEnvelope(mutate(7, 2), a.privateKey), R.FormatError); // suite
  assert.throws(() => R.openEnvelope(mutate(8, 11), a.privateKey), R.FormatError); // chunk_log2
  assert.throws(() => R.openEnvelope(mutate(8, 21), a.privateKey), R.FormatError);
  assert.throws(() => R.openEnvelope(mutate(9, 0), a.privateKey), R.FormatError); // n = 0
  assert.throws(() => R.openEnvelope(mutate(20, env[20] ^ 1), a.privateKey), R.NotARecipientError);
  assert.throws(() => R.openEnvelope(mutate(95, env[95] ^ 1), a.privateKey), R.NotARecipientError);
  assert.throws(() => R.openEnvelope(mutate(130, env[130] ^ 1), a.privateKey), R.AuthenticationError);
  assert.throws(() => R.openEnvelope(mutate(200, env[200] ^ 1), a.privateKey), R.AuthenticationError);
  assert.throws(() => R.openEnvelope(env, new Uint8Array(31)), TypeError);
  assert.throws(() => R.openEnvelope(Array.from(env), a.privateKey), TypeError);
});

test('truncation is an error, never a shorter file; extra bytes are refused', () => {
  const a = keyPair();
  const data = randomBytes(5 * 4096 + 7);
  const env = R.encryptBytes(data, [a.publicKey], { kind: 'note' }, 12);
  const h = R.headerSize(1);
  const m = 4096 + 17;
  const cuts = new Set();
  for (let i = 0; i < 200; i++) cuts.add(i);
  for (let k = 0; k * m + h <= env.length; k++) {
    for (const d of [-1, 0, 1, 17, 4096]) cuts.add(h + k * m + d);
  }
  for (let i = 0; i < env.length; i += 331) cuts.add(i);
  for (const cut of cuts) {
    if (cut < 0 || cut >= env.length) continue;
    assert.throws(() => R.openEnvelope(env.subarray(0, cut), a.privateKey), R.TruncatedError,
      `cut at ${cut} of ${env.length}`);
  }
  assert.throws(() => R.openEnvelope(concat([env, Uint8Array.of(0)]), a.privateKey), R.FormatError);
  assert.throws(() => R.openEnvelope(concat([env, env.subarray(h, h + m)]), a.privateKey), R.FormatError);
  // dropping or swapping whole messages
  const withoutSecond = concat([env.subarray(0, h + m), env.subarray(h + 2 * m)]);
  assert.throws(() => R.openEnvelope(withoutSecond, a.privateKey), R.AuthenticationError);
  const swapped = concat([env.subarray(0, h + m), env.subarray(h + 2 * m, h + 3 * m),
    env.subarray(h + m, h + 2 * m), env.subarray(h + 3 * m)]);
  assert.throws(() => R.openEnvelope(swapped, a.privateKey), R.AuthenticationError);
  assert.throws(() => R.openEnvelope(new Uint8Array(0), a.privateKey), R.TruncatedError);
});

test('reader rules on forged streams (tags, padding, pads, stanzas)', () => {
  const a = keyPair();
  const b = keyPair();
  const open = (env) => R.openEnvelope(env, a.privateKey);
  const rcpt = [a.publicKey];
  // baselines that a reader accepts
  assert.deepEqual(open(forge({ recipients: rcpt, messages: [[padded(ascii('hi')), FINAL]] })).data, ascii('hi'));
  assert.deepEqual(open(forge({ recipients: rcpt, messages: [
    [randomBytes(4096).fill(9), MESSAGE], [padded(ascii('hi')), PUSH], [zeros(), MESSAGE], [zeros(), FINAL]],
  })).data, concat([new Uint8Array(4096).fill(9), ascii('hi')]));
  // a stanza whose key is not committed to is skipped; the next one is used
  assert.deepEqual(open(forge({ recipients: [a.publicKey, a.publicKey],
    stanzaKeys: [s.randombytes_buf(32), null], messages: [[padded(ascii('x')), FINAL]] })).data, ascii('x'));
  const wrongKey = s.randombytes_buf(32);
  assert.throws(() => open(forge({ recipients: rcpt, stanzaKeys: [wrongKey], messages: [[padded(ascii('x')), FINAL]] })),
    R.NotARecipientError);
  assert.throws(() => open(forge({ recipients: [b.publicKey], messages: [[padded(ascii('x')), FINAL]] })),
    R.NotARecipientError);

  const refused = [
    ['padding not all zero', [[padded(ascii('x')), PUSH], [zeros().fill(1, 7, 8), FINAL]], R.AuthenticationError],
    ['padding tagged PUSH', [[padded(ascii('x')), PUSH], [zeros(), PUSH], [zeros(), FINAL]], R.AuthenticationError],
    ['padding tagged REKEY', [[padded(ascii('x')), PUSH], [zeros(), REKEY], [zeros(), FINAL]], R.AuthenticationError],
    ['data tagged REKEY', [[zeros(), REKEY], [padded(ascii('x')), FINAL]], R.AuthenticationError],
    ['end message without a pad', [[zeros(), FINAL]], R.AuthenticationError],
    ['no FINAL after PUSH', [[padded(ascii('x')), PUSH], [zeros(), MESSAGE]], R.TruncatedError],
    ['no end of data', [[zeros(), MESSAGE]], R.TruncatedError],
    ['no data message at all', [], R.TruncatedError],
    ['message after FINAL', [[padded(ascii('x')), FINAL], [zeros(), FINAL]], R.FormatError],
  ];
  for (const [what, messages, error] of refused) {
    assert.throws(() => open(forge({ recipients: rcpt, messages })), error, what);
  }
  for (const tag of [PUSH, REKEY, FINAL]) {
    assert.throws(() => open(forge({ recipients: rcpt, metaTag: tag, messages: [[padded(ascii('x')), FINAL]] })),
      R.AuthenticationError, `metadata tag ${tag}`);
  }
  assert.throws(() => open(forge({ recipients: rcpt, metaPlain: zeros(), messages: [[padded(ascii('x')), FINAL]] })),
    R.AuthenticationError, 'metadata without pad');
});

test('metadata JSON is read as strictly as the Python reader', () => {
  const a = keyPair();
  const open = (json) => R.openEnvelope(forge({ recipients: [a.publicKey], metaJson: json,
    messages: [[padded(ascii('x')), FINAL]] }), a.privateKey).metadata;
  assert.deepEqual(open('{"v":1,"kind":"note"}'), { v: 1, kind: 'note' });
  assert.deepEqual(open(' { "v" : 1 , "kind" : "note" } '), { v: 1, kind: 'note' });
  assert.deepEqual(open('{"x":{"v":2,"a":[{"v":3}]},"v":1,"kind":"note","y":"\\"v\\":1,"}'),
    { x: { v: 2, a: [{ v: 3 }] }, v: 1, kind: 'note', y: '"v":1,' });
  assert.deepEqual(open('{"a":{"k":1},"b":{"k":2},"v":1,"kind":"note"}').b, { k: 2 });
  for (const bad of ['{"kind":"note"}', '{"v":1.0,"kind":"note"}', '{"v":1e0,"kind":"note"}',
    '{"v":"1","kind":"note"}', '{"v":true,"kind":"note"}', '{"v":2,"kind":"note"}',
    '{"v":1,"kind":"other"}', '{"v":1}', '[1]', '"x"', 'null', '{"v":1,"kind":"note"',
    '{"v":1,"kind":"note","kind":"reply"}', '{"v":1,"v":1,"kind":"note"}',
    '{"v":1,"kind":"note","x":{"a":1,"a":2}}', '{"v":1,"kind":"note","a":1,"\\u0061":2}',
    '\ufeff{"v":1,"kind":"note"}', '{"v":1,"kind":"note","n":NaN}']) {
    assert.throws(() => open(bad), R.FormatError, bad);
  }
  const invalidUtf8 = concat([s.from_string('{"v":1,"kind":"note","x":"'), Uint8Array.of(0xff), s.from_string('"}')]);
  assert.throws(() => R.openEnvelope(forge({ recipients: [a.publicKey], metaPlain: padded(invalidUtf8),
    messages: [[padded(ascii('x')), FINAL]] }), a.privateKey), R.FormatError);
});

// --- keys, codenames, base64 -------------------------------------------------------------------

test('case key pair and access stanza', () => {
  const reviewer = keyPair();
  const caseKeys = R.generateCaseKeyPair();
  assert.equal(caseKeys.publicKey.length, 32);
  assert.equal(caseKeys.privateKey.length, 32);
  assert.deepEqual(R.publicKeyFromSecretKey(caseKeys.privateKey), caseKeys.publicKey);
  const stanza = R.sealCaseKey(caseKeys.privateKey, reviewer.publicKey);
  assert.equal(stanza.length, 80);
  assert.deepEqual(R.openCaseKey(stanza, reviewer.privateKey), caseKeys.privateKey);
  assert.equal(R.openCaseKey(stanza, keyPair().privateKey), null);
  assert.throws(() => R.sealCaseKey(caseKeys.privateKey, new Uint8Array(33)), TypeError);
});

function loadWordlist() {
  return fs.readFileSync(WORDLIST, 'utf8').split('\n').filter((w) => w !== '');
}

test('generateCodename: ten words of the list, uniform choice via randombytes_uniform', () => {
  const words = loadWordlist();
  assert.equal(words.length, 7776);
  const known = new Set(words);
  const seen = new Set();
  for (let i = 0; i < 200; i++) {
    const codename = R.generateCodename(words);
    const parts = codename.split(' ');
    assert.equal(parts.length, 10);
    assert.ok(parts.every((w) => known.has(w)));
    assert.equal(R.normalizeCodename(codename), codename);
    assert.ok(R.isWellFormedCodename(codename, words));
    seen.add(codename);
  }
  assert.equal(seen.size, 200);
  assert.throws(() => R.generateCodename(words.slice(1)), TypeError);
  assert.throws(() => R.generateCodename([...words.slice(1), words[0].toUpperCase()]), TypeError);
  assert.throws(() => R.generateCodename([...words.slice(1), words[1]]), TypeError);
  assert.ok(!R.isWellFormedCodename('abacus abacus', words));
  assert.ok(R.isWellFormedCodename(' ABACUS\tabacus abacus abacus abacus abacus abacus abacus abacus\u3000abacus ', words));
});

test('normalizeCodename: NFKC, lower case, trimmed, white space runs collapsed (as Python)', () => {
  const cases = [
    ['  Abacus\t\tABDOMEN\n zebra  ', 'abacus abdomen zebra'],
    ['ＡＢＡＣＵＳ　abdomen', 'abacus abdomen'], // full width letters, ideographic space
    ['ﬁle\u00a0one\u2003two\u205fthree', 'file one two three'],
    ['a\u001cb\u001dc\u001ed\u001fe\u0085f\u2028g\u2029h\u000bi\u000cj\rk', 'a b c d e f g h i j k'],
    ['a\ufeffb', 'a\ufeffb'], // not white space for Python's str.split()
    ['a\u200bb', 'a\u200bb'], // zero width space is not white space either
    ['ΟΔΟΣ', 'οδος'], // final sigma
    ['\u212a', 'k'], // Kelvin sign
    ['', ''],
    [' \t\n ', ''],
  ];
  for (const [input, expected] of cases) {
    assert.equal(R.normalizeCodename(input), expected, JSON.stringify(input));
  }
  assert.throws(() => R.normalizeCodename(null), TypeError);
  assert.throws(() => R.deriveCodenameKeys('abacus \ud800'), TypeError);
});

test('deriveCodenameKeys follows docs/codename-v1.md', () => {
  const codename = 'abacus abdomen abdominal abide abiding ability ablaze able abnormal abrasion';
  const k = R.deriveCodenameKeys(codename);
  const root = s.crypto_generichash(32, s.from_string(codename));
  assert.deepEqual(k.lookupTag, s.crypto_generichash(32, ascii('RPTENV v1 lookup tag'), root));
  const secret = s.crypto_generichash(32, ascii('RPTENV v1 submitter key'), root);
  assert.deepEqual(k.submitterSecretKey, secret);
  assert.deepEqual(k.submitterPublicKey, s.crypto_scalarmult_base(secret));
  assert.deepEqual(R.deriveCodenameKeys('  ABACUS abdomen\tabdominal abide abiding ability ablaze able abnormal abrasion\n'), k);
  assert.notDeepEqual(R.deriveCodenameKeys(codename + ' x').lookupTag, k.lookupTag);
});

function hex(value) {
  return Uint8Array.from(Buffer.from(value, 'hex'));
}

test('codename test vectors (tests/vectors/codename-v1.json)', (t) => {
  if (!fs.existsSync(VECTORS)) {
    t.skip('tests/vectors/codename-v1.json does not exist yet');
    return;
  }
  const words = loadWordlist();
  const { vectors } = JSON.parse(fs.readFileSync(VECTORS, 'utf8'));
  assert.ok(Array.isArray(vectors) && vectors.length >= 5);
  for (const v of vectors) {
    const what = JSON.stringify(v.input);
    assert.equal(R.normalizeCodename(v.input), v.normalised, what);
    assert.equal(R.isWellFormedCodename(v.input, words), v.well_formed, what);
    assert.deepEqual(s.crypto_generichash(32, s.from_string(v.normalised)), hex(v.root), what);
    const keys = R.deriveCodenameKeys(v.input);
    assert.deepEqual(keys.lookupTag, hex(v.lookup_tag), what);
    assert.deepEqual(keys.submitterSecretKey, hex(v.submitter_secret_key), what);
    assert.deepEqual(keys.submitterPublicKey, hex(v.submitter_public_key), what);
  }
});

test('envelope test vectors (tests/vectors/rptenv-v1.json)', (t) => {
  const file = path.join(ROOT, 'tests', 'vectors', 'rptenv-v1.json');
  if (!fs.existsSync(file)) {
    t.skip('tests/vectors/rptenv-v1.json does not exist yet');
    return;
  }
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  const reviewer = hex(doc.reviewer_secret_key);
  const second = hex(doc.second_secret_key);
  assert.deepEqual(R.publicKeyFromSecretKey(reviewer), hex(doc.reviewer_public_key));
  assert.deepEqual(R.publicKeyFromSecretKey(second), hex(doc.second_public_key));
  for (const v of doc.envelopes) {
    const env = hex(v.envelope);
    const keys = v.recipients === 2 ? [reviewer, second] : [reviewer];
    for (const key of keys) {
      const opened = R.openEnvelope(env, key);
      assert.deepEqual(opened.metadata, v.metadata, v.description);
      assert.equal(opened.data.length, v.plaintext_length, v.description);
      const digest = require('node:crypto').createHash('sha256').update(opened.data).digest('hex');
      assert.equal(digest, v.plaintext_sha256, v.description);
    }
    const header = R.readHeader(env);
    assert.equal(header.chunkLog2, v.chunk_log2);
    assert.equal(header.stanzas.length, v.recipients);
    assert.equal(R.checkStructure(env), v.message_count, v.description);
    assert.equal(env.length, R.envelopeSize(v.plaintext_length, v.chunk_log2, v.recipients));
    assert.deepEqual(s.crypto_box_seal_open(header.stanzas[0], hex(doc.reviewer_public_key), reviewer),
      hex(v.file_key));
  }
  assert.ok(doc.invalid_envelopes.length >= 5);
  for (const v of doc.invalid_envelopes) {
    assert.throws(() => R.openEnvelope(hex(v.envelope), reviewer), (e) => e.name === v.error,
      `${v.description}: expected ${v.error}`);
  }
  for (const { length, padme } of doc.sizes.padme) {
    assert.equal(R.padme(length), padme);
  }
  for (const row of doc.sizes.message_count) {
    assert.equal(R.messageCount(row.data_length, row.chunk_log2), row.message_count);
  }
});

test('base64 is standard with padding, canonical only', () => {
  assert.equal(R.toBase64(Uint8Array.of(1, 2, 3, 4)), 'AQIDBA==');
  assert.equal(R.toBase64(new Uint8Array(0)), '');
  assert.equal(R.toBase64(Uint8Array.of(0xfb, 0xff)), '+/8=');
  assert.deepEqual(R.fromBase64('AQIDBA=='), Uint8Array.of(1, 2, 3, 4));
  assert.deepEqual(R.fromBase64('+/8='), Uint8Array.of(0xfb, 0xff));
  for (const bad of ['AQIDBA', 'AQIDBA=', '-_8=', 'AQIDBB==', 'AQ ID', '*']) {
    assert.throws(() => R.fromBase64(bad), R.FormatError, bad);
  }
  const k = keyPair().publicKey;
  assert.deepEqual(R.fromBase64(R.toBase64(k)), k);
  assert.equal(R.toBase64(k), Buffer.from(k).toString('base64'));
});

// --- source hygiene ----------------------------------------------------------------------------

test('rptenv.js: no eval, no network, no logging, no syntax newer than ES2017', () => {
  const src = fs.readFileSync(RPTENV_PATH, 'utf8');
  const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const forbidden of [/\beval\s*\(/, /\bFunction\s*\(/, /\bfetch\s*\(/, /XMLHttpRequest/,
    /WebSocket/, /importScripts/, /sendBeacon/, /EventSource/, /\bconsole\./, /https?:\/\//,
    /\?\.[^\d]/, /\?\?/, /catch\s*\{/, /\.\.\.[\w$[{(]/, /\bimport\s*\(/, /\bBigInt\b|\d+n\b/,
    /\basync\s*\*|for\s+await/, /\.at\(|\.flat\(|\.flatMap\(|Object\.fromEntries|matchAll/]) {
    assert.doesNotMatch(code, forbidden);
  }
  // parses as a classic script (not a module)
  new (require('node:vm').Script)(src, { filename: 'rptenv.js' });
});
