'use strict';
// Used by bench/pq_cost.py: times rptenv.js (the vendored libsodium.js) for suites 1 and 2 and
// prints one JSON object of best-round milliseconds. Usage: node [--noexpose-wasm] pq_cost_node.js
// REPORT_BYTES READERS

process.on('unhandledRejection', (e) => {
  // libsodium.js abandons its WebAssembly start-up under --noexpose-wasm; it then uses JavaScript
  if (e && e.name === 'ReferenceError' && /WebAssembly/.test(e.message)) return;
  throw e;
});

const path = require('node:path');
const R = require(path.join(__dirname, '..', 'reprisal_intake', 'static', 'js', 'rptenv.js'));

/** [suite 1, suite 2]: the best of `rounds` alternating rounds of `batch` calls, in ms. */
function bestMs(actions, rounds, batch) {
  const best = [Infinity, Infinity];
  actions.forEach((action) => action());
  for (let r = 0; r < rounds; r++) {
    actions.forEach((action, index) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) action();
      best[index] = Math.min(best[index], Number(process.hrtime.bigint() - start) / 1e6 / batch);
    });
  }
  return best;
}

R.ready.then(() => {
  const reportBytes = Number(process.argv[2]);
  const readerCount = Number(process.argv[3]);
  const report = new Uint8Array(reportBytes).fill(120);
  const out = {};
  const setups = [1, 2].map((suite) => {
    const readers = Array.from({ length: readerCount }, () => R.generateCaseKeyPair(suite));
    const caseKey = R.generateCaseKeyPair(suite);
    const stanza = R.sealCaseKey(caseKey.privateKey, readers[0].publicKey);
    return {
      'seal access stanza': () => R.sealCaseKey(caseKey.privateKey, readers[0].publicKey),
      'open access stanza': () => R.openCaseKey(stanza, readers[0].privateKey, suite),
      'encrypt a report to 3 readers': () => {
        const key = R.generateCaseKeyPair(suite);
        R.encryptBytes(report, [key.publicKey], { kind: 'report' }, 12);
        for (const reader of readers) R.sealCaseKey(key.privateKey, reader.publicKey);
      },
    };
  });
  for (const name of Object.keys(setups[0])) {
    const best = bestMs([setups[0][name], setups[1][name]], 9, name.startsWith('encrypt') ? 6 : 15);
    out[`${name} 1`] = best[0];
    out[`${name} 2`] = best[1];
  }
  process.stdout.write(JSON.stringify(out));
}).catch((e) => {
  process.stderr.write(String(e && e.stack));
  process.exit(1);
});
