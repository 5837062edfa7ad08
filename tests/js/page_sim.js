'use strict';
// Child process of nowasm.test.js: loads the vendored scripts and rptenv.js into a page-like global
// scope (vm context) and checks them. Usage: node tests/js/page_sim.js available|absent|refused
// Run in its own process because libsodium's abandoned WebAssembly start-up leaves one unhandled
// rejection, which the node test runner would count against a test.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const ROOT = path.resolve(__dirname, '..', '..');
const STATIC = path.join(ROOT, 'reprisal_intake', 'static');
const SCRIPTS = [
  path.join(STATIC, 'vendor', 'libsodium', 'libsodium.js'),
  path.join(STATIC, 'vendor', 'libsodium', 'libsodium-wrappers.js'),
  path.join(STATIC, 'js', 'rptenv.js'),
];
const R = require(path.join(STATIC, 'js', 'rptenv.js'));
const CODENAME = 'abacus abdomen abdominal zoom drop-down felt-tip t-shirt yo-yo cherub pyromania';

// The only unhandled rejection allowed: libsodium's abandoned WebAssembly start-up.
let abandonedWasmStartups = 0;
process.on('unhandledRejection', (error) => {
  if (error && ((error.name === 'ReferenceError' && /WebAssembly/.test(error.message)) ||
      (error.name === 'RuntimeError' && /^Aborted\(/.test(error.message)))) {
    abandonedWasmStartups += 1;
    return;
  }
  process.stderr.write(`unexpected unhandled rejection: ${error && error.stack}\n`);
  process.exit(3);
});

function b64(bytes) {
  return Buffer.from(bytes).toString('base64');
}

/**
 * A fresh global scope that looks like a page: window/self, Web Crypto, TextEncoder/TextDecoder,
 * timers; no require, module, exports or define. Network and logging functions are spies.
 */
function pageContext(wasmMode) {
  const calls = [];
  const spy = (name) => function () {
    calls.push(name);
    throw new Error(`${name} must not be used`);
  };
  const sandbox = {
    crypto: globalThis.crypto,
    atob,
    btoa,
    URL,
    setTimeout,
    clearTimeout,
    fetch: spy('fetch'),
    XMLHttpRequest: spy('XMLHttpRequest'),
    WebSocket: spy('WebSocket'),
    EventSource: spy('EventSource'),
    importScripts: spy('importScripts'),
    navigator: { sendBeacon: spy('sendBeacon') },
    console: { log: spy('console.log'), warn: spy('console.warn'), error: spy('console.error'),
      info: spy('console.info'), debug: spy('console.debug') },
  };
  const context = vm.createContext(sandbox);
  vm.runInContext('globalThis.window = globalThis; globalThis.self = globalThis;', context);
  // TextEncoder/TextDecoder are not ECMAScript built-ins, so a vm context has none; these give
  // byte arrays of the page's own realm, as a browser's do.
  const install = vm.runInContext(`(function (outerEncode, OuterDecoder) {
    globalThis.TextEncoder = class TextEncoder {
      encode(text) { return Uint8Array.from(outerEncode(text)); }
    };
    globalThis.TextDecoder = class TextDecoder {
      constructor(label, options) { this.inner = new OuterDecoder(label, options); }
      decode(bytes) { return this.inner.decode(bytes); }
    };
  })`, context);
  install((text) => new TextEncoder().encode(text), TextDecoder);
  const wasm = { instantiated: 0 };
  context.wasmReport = wasm;
  if (wasmMode === 'available') {
    vm.runInContext(`(function () {
      const original = WebAssembly.instantiate;
      const report = wasmReport;
      WebAssembly.instantiate = function () {
        return original.apply(WebAssembly, arguments).then(function (result) {
          report.instantiated += 1;
          return result;
        });
      };
    })(); delete globalThis.wasmReport;`, context);
  }
  if (wasmMode === 'absent') {
    vm.runInContext('delete globalThis.WebAssembly;', context);
  } else if (wasmMode === 'refused') {
    // what a CSP without 'wasm-unsafe-eval' does: compiling is refused
    vm.runInContext(`
      WebAssembly.instantiate = function () {
        return Promise.reject(new WebAssembly.CompileError('refused by Content Security Policy'));
      };
      WebAssembly.compile = WebAssembly.instantiate;
      WebAssembly.instantiateStreaming = WebAssembly.instantiate;
      WebAssembly.Module = function () { throw new WebAssembly.CompileError('refused'); };
    `, context);
  }
  for (const file of SCRIPTS) {
    new vm.Script(fs.readFileSync(file, 'utf8'), { filename: file }).runInContext(context);
  }
  return { context, calls, wasm };
}

async function scenario(wasmMode) {
  {
    const { context, calls, wasm } = pageContext(wasmMode);
    assert.equal(typeof context.libsodium, 'object');
    assert.equal(typeof context.sodium, 'object');
    assert.equal(typeof context.RPTENV, 'object');
    assert.equal(vm.runInContext('typeof WebAssembly', context),
      wasmMode === 'absent' ? 'undefined' : 'object');
    await context.RPTENV.ready;
    // the fast path really is WebAssembly when it is available, and the JS build otherwise
    assert.equal(wasm.instantiated, wasmMode === 'available' ? 1 : 0);

    // encrypt in the page to a key made here; open here
    const reviewer = R.generateCaseKeyPair();
    context.reviewerPublicKey = b64(reviewer.publicKey);
    const data = new Uint8Array(require('node:crypto').randomBytes(3 * 65536 + 1));
    context.dataBase64 = b64(data);
    const envB64 = vm.runInContext(`(function () {
      const R = RPTENV;
      const pk = R.fromBase64(reviewerPublicKey);
      const bytes = R.fromBase64(dataBase64);
      const w = new R.EnvelopeWriter([pk], { kind: 'attachment', name: 'f.bin', type: 'application/octet-stream' }, 16);
      const parts = [w.header()];
      for (let i = 0; i < bytes.length; i += 50000) {
        parts.push.apply(parts, w.push(bytes.subarray(i, i + 50000)));
      }
      parts.push.apply(parts, w.finish());
      let n = 0;
      parts.forEach(function (p) { n += p.length; });
      const out = new Uint8Array(n);
      let o = 0;
      parts.forEach(function (p) { out.set(p, o); o += p.length; });
      return R.toBase64(out);
    })()`, context);
    const env = new Uint8Array(Buffer.from(envB64, 'base64'));
    assert.equal(env.length, R.envelopeSize(data.length, 16, 1));
    const opened = R.openEnvelope(env, reviewer.privateKey);
    assert.deepEqual(opened.data, data);
    assert.equal(opened.metadata.name, 'f.bin');

    // encrypt here, open in the page
    const pageKeys = JSON.parse(vm.runInContext(`(function () {
      const kp = RPTENV.generateCaseKeyPair();
      globalThis.pageSecret = kp.privateKey;
      return JSON.stringify({ pk: RPTENV.toBase64(kp.publicKey) });
    })()`, context));
    const sent = R.encryptBytes(data.subarray(0, 5000), [new Uint8Array(Buffer.from(pageKeys.pk, 'base64'))],
      { kind: 'reply' });
    context.sentBase64 = b64(sent);
    const received = vm.runInContext(
      'RPTENV.toBase64(RPTENV.openEnvelope(RPTENV.fromBase64(sentBase64), pageSecret).data)', context);
    assert.equal(received, b64(data.subarray(0, 5000)));

    // codename derivation and access stanza
    context.codename = CODENAME;
    const derived = JSON.parse(vm.runInContext(`(function () {
      const k = RPTENV.deriveCodenameKeys(codename);
      const stanza = RPTENV.sealCaseKey(pageSecret, RPTENV.fromBase64(reviewerPublicKey));
      return JSON.stringify({ tag: RPTENV.toBase64(k.lookupTag), pk: RPTENV.toBase64(k.submitterPublicKey),
        stanza: RPTENV.toBase64(stanza) });
    })()`, context));
    const k = R.deriveCodenameKeys(CODENAME);
    assert.equal(derived.tag, b64(k.lookupTag));
    assert.equal(derived.pk, b64(k.submitterPublicKey));
    const caseSecret = R.openCaseKey(new Uint8Array(Buffer.from(derived.stanza, 'base64')), reviewer.privateKey);
    assert.equal(b64(R.publicKeyFromSecretKey(caseSecret)), pageKeys.pk);

    // suite 2 (X-Wing): a hybrid case key sealed to a hybrid reviewer, an envelope both ways
    const hybridReviewer = R.generateCaseKeyPair(R.SUITE_HYBRID);
    context.hybridReviewerPublicKey = b64(hybridReviewer.publicKey);
    const hybrid = JSON.parse(vm.runInContext(`(function () {
      const R = RPTENV;
      const caseKey = R.generateCaseKeyPair(R.SUITE_HYBRID);
      globalThis.hybridCaseSecret = caseKey.privateKey;
      const envelope = R.encryptBytes(R.fromBase64(dataBase64), [caseKey.publicKey], { kind: 'report' });
      const stanza = R.sealCaseKey(caseKey.privateKey, R.fromBase64(hybridReviewerPublicKey));
      return JSON.stringify({ envelope: R.toBase64(envelope), stanza: R.toBase64(stanza),
        pk: R.toBase64(caseKey.publicKey) });
    })()`, context));
    const hybridCase = R.openCaseKey(new Uint8Array(Buffer.from(hybrid.stanza, 'base64')),
      hybridReviewer.privateKey, R.SUITE_HYBRID);
    assert.equal(b64(R.publicKeyFromSecretKey(hybridCase, R.SUITE_HYBRID)), hybrid.pk);
    const hybridOpened = R.openEnvelope(new Uint8Array(Buffer.from(hybrid.envelope, 'base64')), hybridCase,
      R.SUITE_HYBRID);
    assert.deepEqual(hybridOpened.data, data);
    context.hybridSent = b64(R.encryptBytes(data.subarray(0, 999),
      [new Uint8Array(Buffer.from(hybrid.pk, 'base64'))], { kind: 'reply' }));
    const hybridReceived = vm.runInContext(`RPTENV.toBase64(RPTENV.openEnvelope(
      RPTENV.fromBase64(hybridSent), hybridCaseSecret, RPTENV.SUITE_HYBRID).data)`, context);
    assert.equal(hybridReceived, b64(data.subarray(0, 999)));

    assert.deepEqual(calls, [], 'no network or console use');
  }
}

async function main() {
  const mode = process.argv[2];
  if (!['available', 'absent', 'refused'].includes(mode)) {
    throw new Error('usage: page_sim.js available|absent|refused');
  }
  await R.ready;
  await scenario(mode);
  // let libsodium's abandoned start-up settle, then report
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.stdout.write(JSON.stringify({ ok: true, mode, abandonedWasmStartups }));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack));
  process.exit(1);
});
