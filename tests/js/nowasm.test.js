'use strict';
// The vendored libsodium without WebAssembly (Tor Browser "Safer" turns it off; a CSP without
// 'wasm-unsafe-eval' refuses it) and loaded the way a page loads it: three classic <script>s in a
// global scope without require/module/exports. Run: node --test tests/js/

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const STATIC = path.join(ROOT, 'reprisal_intake', 'static');
const R = require(path.join(STATIC, 'js', 'rptenv.js'));
const CODENAME = 'abacus abdomen abdominal zoom drop-down felt-tip t-shirt yo-yo cherub pyromania';

test.before(async () => {
  await R.ready;
});

function b64(bytes) {
  return Buffer.from(bytes).toString('base64');
}

test('node --noexpose-wasm: the JavaScript build gives the same results', () => {
  const kp = R.generateCaseKeyPair();
  const data = new Uint8Array(require('node:crypto').randomBytes(70001));
  const fromWasm = R.encryptBytes(data, [kp.publicKey], { kind: 'attachment', name: 'n', type: 't' }, 16);
  const tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'rptenv-nowasm-'));
  try {
    fs.writeFileSync(path.join(tmp, 'in.rptenv'), fromWasm);
    fs.writeFileSync(path.join(tmp, 'in.data'), data);
    const child = `
      'use strict';
      process.on('unhandledRejection', (e) => {
        if (e && e.name === 'ReferenceError' && /WebAssembly/.test(e.message)) return;
        throw e;
      });
      const fs = require('fs');
      const path = require('path');
      const R = require(${JSON.stringify(path.join(STATIC, 'js', 'rptenv.js'))});
      R.ready.then(() => {
        const tmp = ${JSON.stringify(tmp)};
        const sk = Buffer.from(process.argv[1], 'base64');
        const opened = R.openEnvelope(new Uint8Array(fs.readFileSync(path.join(tmp, 'in.rptenv'))), new Uint8Array(sk));
        const data = new Uint8Array(fs.readFileSync(path.join(tmp, 'in.data')));
        const env = R.encryptBytes(data, [R.publicKeyFromSecretKey(new Uint8Array(sk))], { kind: 'note' }, 12);
        fs.writeFileSync(path.join(tmp, 'out.rptenv'), env);
        const k = R.deriveCodenameKeys(${JSON.stringify(CODENAME)});
        process.stdout.write(JSON.stringify({
          webAssembly: typeof WebAssembly,
          version: R.sodium.SODIUM_VERSION_STRING,
          metadata: opened.metadata,
          same: Buffer.compare(Buffer.from(opened.data), Buffer.from(data)) === 0,
          lookupTag: Buffer.from(k.lookupTag).toString('hex'),
          submitterPublicKey: Buffer.from(k.submitterPublicKey).toString('hex'),
        }));
      }).catch((e) => { process.stderr.write(String(e && e.stack)); process.exit(2); });
    `;
    const run = spawnSync(process.execPath, ['--noexpose-wasm', '-e', child, b64(kp.privateKey)],
      { encoding: 'utf8', timeout: 120000 });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.webAssembly, 'undefined');
    assert.equal(out.version, R.sodium.SODIUM_VERSION_STRING);
    assert.deepEqual(out.metadata, { v: 1, kind: 'attachment', name: 'n', type: 't' });
    assert.ok(out.same);
    const k = R.deriveCodenameKeys(CODENAME);
    assert.equal(out.lookupTag, Buffer.from(k.lookupTag).toString('hex'));
    assert.equal(out.submitterPublicKey, Buffer.from(k.submitterPublicKey).toString('hex'));
    const back = R.openEnvelope(new Uint8Array(fs.readFileSync(path.join(tmp, 'out.rptenv'))), kp.privateKey);
    assert.deepEqual(back.data, data);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('node --noexpose-wasm: suite 2 (X-Wing) works in the JavaScript build and matches the vectors', () => {
  const reader = R.generateCaseKeyPair(R.SUITE_HYBRID);
  const data = new Uint8Array(require('node:crypto').randomBytes(20000));
  const fromWasm = R.encryptBytes(data, [reader.publicKey], { kind: 'report' });
  const tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'rptenv-nowasm-v2-'));
  try {
    fs.writeFileSync(path.join(tmp, 'in.rptenv'), fromWasm);
    const child = `
      'use strict';
      process.on('unhandledRejection', (e) => {
        if (e && e.name === 'ReferenceError' && /WebAssembly/.test(e.message)) return;
        throw e;
      });
      const fs = require('fs');
      const path = require('path');
      const R = require(${JSON.stringify(path.join(STATIC, 'js', 'rptenv.js'))});
      const XWING = require(${JSON.stringify(path.join(ROOT, 'tests', 'vectors', 'xwing-draft.json'))});
      const V2 = require(${JSON.stringify(path.join(ROOT, 'tests', 'vectors', 'rptenv-v2.json'))});
      const hex = (b) => Buffer.from(b).toString('hex');
      const unhex = (t) => new Uint8Array(Buffer.from(t, 'hex'));
      R.ready.then(() => {
        const tmp = ${JSON.stringify(tmp)};
        const seed = new Uint8Array(Buffer.from(process.argv[1], 'base64'));
        const opened = R.openEnvelope(new Uint8Array(fs.readFileSync(path.join(tmp, 'in.rptenv'))), seed, 2);
        fs.writeFileSync(path.join(tmp, 'out.rptenv'),
          R.encryptBytes(opened.data, [R.publicKeyFromSecretKey(seed, 2)], { kind: 'note' }));
        const draft = XWING.vectors.map((v) => {
          const enc = R.sodium.crypto_kem_xwing_enc_deterministic(unhex(v.pk), unhex(v.eseed));
          return hex(enc.ciphertext) === v.ct && hex(enc.sharedSecret) === v.ss &&
            hex(R.sodium.crypto_kem_xwing_dec(unhex(v.ct), unhex(v.seed))) === v.ss;
        });
        const stanzas = V2.stanzas.map((v) => hex(R.sealStanzaDerandomized(unhex(v.secret),
          unhex(V2.readers[v.reader].public_key),
          v.label === 'RPTENV v2 X-Wing access' ? 'access' : 'file key', unhex(v.eseed))) === v.stanza);
        process.stdout.write(JSON.stringify({ webAssembly: typeof WebAssembly, draft, stanzas }));
      }).catch((e) => { process.stderr.write(String(e && e.stack)); process.exit(2); });
    `;
    const run = spawnSync(process.execPath, ['--noexpose-wasm', '-e', child, b64(reader.privateKey)],
      { encoding: 'utf8', timeout: 120000 });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.webAssembly, 'undefined');
    assert.deepEqual(out.draft, [true, true, true]);
    assert.ok(out.stanzas.length >= 4 && out.stanzas.every(Boolean));
    const back = R.openEnvelope(new Uint8Array(fs.readFileSync(path.join(tmp, 'out.rptenv'))),
      reader.privateKey, 2);
    assert.deepEqual(back.data, data);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

for (const wasmMode of ['available', 'absent', 'refused']) {
  test(`page-like global scope, WebAssembly ${wasmMode}: globals, round trip, no network`, () => {
    const run = spawnSync(process.execPath, [path.join(__dirname, 'page_sim.js'), wasmMode],
      { encoding: 'utf8', timeout: 120000 });
    assert.equal(run.status, 0, run.stderr.slice(0, 4000));
    const out = JSON.parse(run.stdout);
    assert.equal(out.ok, true);
    assert.equal(out.mode, wasmMode);
    // WebAssembly start-up abandoned (one unhandled rejection) exactly when it cannot be used
    assert.equal(out.abandonedWasmStartups, wasmMode === 'available' ? 0 : 1);
  });
}

test('without the wrappers loaded, RPTENV.ready rejects with a clear error', async () => {
  const context = vm.createContext({});
  new vm.Script(fs.readFileSync(path.join(STATIC, 'js', 'rptenv.js'), 'utf8')).runInContext(context);
  await assert.rejects(Promise.resolve(context.RPTENV.ready), /not loaded/);
  assert.throws(() => context.RPTENV.generateCaseKeyPair(), /ready/);
});
