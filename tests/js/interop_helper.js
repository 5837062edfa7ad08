'use strict';
// Driven by test_rptenv_interop.py: reads one JSON request on stdin, writes one JSON answer on
// stdout. Byte strings travel as standard base64 or as files. Not a test file itself.

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const R = require(path.join(__dirname, '..', '..', 'reprisal_intake', 'static', 'js', 'rptenv.js'));

const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const unb64 = (text) => new Uint8Array(Buffer.from(text, 'base64'));
const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

function concat(parts) {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length)));
}

/** Encrypt with EnvelopeWriter, pushing odd-sized pieces (as a page reading Blob slices would). */
function encryptStreaming(data, recipients, metadata, chunkLog2) {
  const w = new R.EnvelopeWriter(recipients, metadata, chunkLog2);
  const fd = [w.header()];
  let size = 1;
  for (let position = 0; position < data.length;) {
    const n = Math.min(size, data.length - position);
    fd.push(...w.push(data.subarray(position, position + n)));
    position += n;
    size = (size * 7 + 12345) % 150001;
  }
  for (const part of w.finishChunks()) fd.push(part);
  return concat(fd);
}

const ops = {
  encrypt(request) {
    return request.jobs.map((job) => {
      const data = new Uint8Array(fs.readFileSync(job.data_path));
      const recipients = job.recipients.map(unb64);
      const envelope = job.mode === 'stream'
        ? encryptStreaming(data, recipients, job.metadata, job.chunk_log2)
        : Buffer.from(R.encryptBytes(data, recipients, job.metadata, job.chunk_log2));
      fs.writeFileSync(job.out_path, envelope);
      return {
        length: envelope.length,
        envelope_size: R.envelopeSize(data.length, job.chunk_log2, recipients.length,
          recipients[0].length === R.XWING_PUBLIC_KEY_SIZE ? R.SUITE_HYBRID : R.SUITE_CLASSICAL),
        message_count: R.messageCount(data.length, job.chunk_log2),
      };
    });
  },

  decrypt(request) {
    return request.jobs.map((job) => {
      try {
        const opened = R.openEnvelope(new Uint8Array(fs.readFileSync(job.path)), unb64(job.secret_key),
          job.suite);
        return { metadata: opened.metadata, length: opened.data.length, sha256: sha256(opened.data) };
      } catch (error) {
        if (!(error instanceof R.RptenvError)) throw error;
        return { error: error.name, message: error.message };
      }
    });
  },

  derive(request) {
    return request.codenames.map((codename) => {
      const k = R.deriveCodenameKeys(codename);
      return {
        normalised: R.normalizeCodename(codename),
        lookup_tag: b64(k.lookupTag),
        submitter_public_key: b64(k.submitterPublicKey),
        submitter_secret_key: b64(k.submitterSecretKey),
      };
    });
  },

  normalize(request) {
    return request.texts.map((text) => R.normalizeCodename(text));
  },

  generate(request) {
    const words = fs.readFileSync(request.wordlist, 'utf8').split('\n').filter((w) => w !== '');
    return Array.from({ length: request.count }, () => R.generateCodename(words));
  },

  seal(request) {
    const pair = R.generateCaseKeyPair(request.case_suite);
    return {
      case_public_key: b64(pair.publicKey),
      stanzas: request.reviewer_public_keys.map((pk) => b64(R.sealCaseKey(pair.privateKey, unb64(pk)))),
    };
  },

  open_case_key(request) {
    return request.jobs.map((job) => {
      const opened = R.openCaseKey(unb64(job.stanza), unb64(job.secret_key), job.suite);
      return opened === null ? null : b64(opened);
    });
  },

  hybrid_keys(request) {
    return request.seeds.map((seed) => b64(R.publicKeyFromSecretKey(unb64(seed), R.SUITE_HYBRID)));
  },

  xwing_encapsulate(request) {
    return request.public_keys.map((pk) => {
      const out = R.sodium.crypto_kem_xwing_enc(unb64(pk));
      return { ciphertext: b64(out.ciphertext), shared_secret: b64(out.sharedSecret) };
    });
  },

  xwing_decapsulate(request) {
    return request.jobs.map((job) => b64(R.sodium.crypto_kem_xwing_dec(unb64(job.ciphertext), unb64(job.seed))));
  },

  sizes(request) {
    return request.cases.map(([length, chunkLog2, n]) => ({
      padme: R.padme(length),
      message_count: R.messageCount(length, chunkLog2),
      envelope_size: R.envelopeSize(length, chunkLog2, n),
    }));
  },
};

async function main() {
  const request = JSON.parse(fs.readFileSync(0, 'utf8'));
  await R.ready;
  const op = ops[request.op];
  if (!op) throw new Error(`unknown op ${request.op}`);
  process.stdout.write(JSON.stringify(op(request)));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack));
  process.exit(1);
});
