/*
 * rptenv.js: browser-side RPTENV envelopes, case keys and codenames (ES2017, no build step).
 *
 * Normative texts: docs/spec/rptenv-v1.md (the envelope bytes), docs/spec/rptenv-v2.md (suite 2:
 * X-Wing stanzas, libsodium's crypto_kem_xwing_*) and docs/codename-v1.md (codenames).
 * The Python package `crypto` is the reference implementation; both write and read the same bytes.
 *
 * Loading in a page (same origin, no inline script; CSP needs 'wasm-unsafe-eval' for the fast
 * path, and without it, or with WebAssembly switched off as in Tor Browser "Safer", libsodium falls
 * back to its pure-JavaScript build by itself):
 *
 *   <script src="/static/vendor/libsodium/libsodium.js"></script>           (global `libsodium`)
 *   <script src="/static/vendor/libsodium/libsodium-wrappers.js"></script>  (global `sodium`)
 *   <script src="/static/js/rptenv.js"></script>                            (global `RPTENV`)
 *
 * Under Node, `require('.../rptenv.js')` loads the two vendored files next to it (never a copy in
 * node_modules). Every byte array is a Uint8Array. Await `RPTENV.ready` before anything else.
 *
 * Encrypting a large File without holding it in memory (one chunk at a time):
 *
 *   await RPTENV.ready;
 *   const w = new RPTENV.EnvelopeWriter([casePublicKey], {kind: 'attachment', name: file.name,
 *                                       type: file.type}, 16);          // C = 64 KiB for files
 *   await upload(w.header());                      // H + metadata message: first bytes of the body
 *   const piece = 1 << 20;                         // read 1 MiB at a time (any size works)
 *   for (let offset = 0; offset < file.size; offset += piece) {
 *     const plain = new Uint8Array(await file.slice(offset, offset + piece).arrayBuffer());
 *     const parts = w.push(plain);                 // Array of full ciphertext chunks (C + 17 bytes)
 *     plain.fill(0);
 *     if (parts.length) await upload(new Blob(parts));
 *   }
 *   for (const part of w.finishChunks()) await upload(part);   // or: await upload(new Blob(w.finish()))
 *   // the upload's total length equals RPTENV.envelopeSize(file.size, 16, 1)
 *
 * The writer keeps less than one chunk of plaintext; finishChunks() yields the end of the data, the
 * Padmé padding messages and FINAL one message at a time (finish() returns them all as an Array:
 * fine for text, but the padding can be up to about 1/8 of the size of the data).
 * If anything throws, send nothing more and never fall back to plaintext.
 *
 * Suites: a 32-byte public key is X25519 (suite 1, 80-byte stanzas, version-1 envelopes); a
 * 1216-byte public key is X-Wing (suite 2, 1168-byte stanzas, version-2 envelopes). Writers take
 * the suite from the recipients' keys (all of one suite). A secret key is 32 bytes in both suites
 * (an X25519 key or an X-Wing seed), so readers say which with a `suite` argument (default 1):
 *   const pair = RPTENV.generateCaseKeyPair(RPTENV.SUITE_HYBRID);   // {suite, publicKey, privateKey}
 *   RPTENV.openEnvelope(bytes, pair.privateKey, RPTENV.SUITE_HYBRID);
 *
 * No eval, no network access, no logging. Secret keys are wiped when this code no longer needs
 * them, as far as JavaScript allows (copies inside libsodium's heap are its business).
 */
(function (root, factory) {
  'use strict';
  if (typeof module === 'object' && module && module.exports && typeof require === 'function') {
    module.exports = factory(loadVendoredSodiumForNode());
  } else {
    root.RPTENV = factory(root.sodium);
  }

  // Node only: load the vendored UMD files through their AMD branch, so that the wrappers receive
  // the vendored libsodium.js rather than whatever require('libsodium') would resolve to.
  function loadVendoredSodiumForNode() {
    const path = require('path');
    const dir = path.join(__dirname, '..', 'vendor', 'libsodium');
    const hadDefine = Object.prototype.hasOwnProperty.call(globalThis, 'define');
    const previousDefine = globalThis.define;
    let core = null;
    let wrapped = null;
    function define(deps, moduleFactory) {
      const exportsObject = {};
      if (deps.length === 1 && deps[0] === 'exports') {
        moduleFactory(exportsObject);
        core = exportsObject;
      } else if (deps.length === 2 && deps[0] === 'exports' && deps[1] === 'libsodium' && core) {
        moduleFactory(exportsObject, core);
        wrapped = exportsObject;
      } else {
        throw new Error('rptenv: unexpected module definition while loading libsodium');
      }
    }
    define.amd = {};
    globalThis.define = define;
    try {
      require(path.join(dir, 'libsodium.js'));
      require(path.join(dir, 'libsodium-wrappers.js'));
    } finally {
      if (hadDefine) {
        globalThis.define = previousDefine;
      } else {
        delete globalThis.define;
      }
    }
    if (!wrapped) {
      throw new Error('rptenv: the vendored libsodium did not load');
    }
    return wrapped;
  }
}(typeof globalThis !== 'undefined' ? globalThis : (typeof self !== 'undefined' ? self : this),
function (sodium) {
  'use strict';

  // --- constants (spec section 2) --------------------------------------------------------------

  const MAGIC = new Uint8Array([0x52, 0x50, 0x54, 0x45, 0x4e, 0x56]); // "RPTENV"
  const VERSION = 1;
  const SUITE = 1;
  const SUITE_CLASSICAL = 1;
  const SUITE_HYBRID = 2;
  const VERSION_OF_SUITE = Object.freeze({ 1: 1, 2: 2 });
  const STANZA_SIZES = Object.freeze({ 1: 80, 2: 1168 }); // 32 + 48; 1120 + 32 + 16
  const XWING_PUBLIC_KEY_SIZE = 1216;
  const XWING_CIPHERTEXT_SIZE = 1120;
  const ZERO_NONCE = new Uint8Array(12);
  const CHUNK_LOG2_MIN = 12;
  const CHUNK_LOG2_MAX = 20;
  const CHUNK_LOG2_TEXT = 12;
  const CHUNK_LOG2_FILE = 16;
  const MAX_STANZAS = 255;
  const KEY_SIZE = 32;
  const STANZA_SIZE = 80; // crypto_box_seal of a 32-byte key: 32 + 48
  const COMMITMENT_SIZE = 32;
  const SS_HEADER_SIZE = 24;
  const MESSAGE_OVERHEAD = 17;
  const PREFIX_SIZE = MAGIC.length + 4; // magic, version, suite, chunk_log2, n
  const TAG_MESSAGE = 0;
  const TAG_PUSH = 1;
  const TAG_REKEY = 2;
  const TAG_FINAL = 3;
  const ITEM_KINDS = ['report', 'attachment', 'followup', 'reply', 'note', 'identity'];
  const CODENAME_WORDS = 10;
  const WORDLIST_SIZE = 7776;

  // ASCII labels, without quotes or terminator.
  const LABEL_COMMITMENT = asciiBytes('RPTENV v1 key commitment');
  const LABEL_STREAM_KEY = asciiBytes('RPTENV v1 stream key');
  const LABEL_LOOKUP_TAG = asciiBytes('RPTENV v1 lookup tag');
  const LABEL_SUBMITTER_KEY = asciiBytes('RPTENV v1 submitter key');
  const LABEL_XWING_FILE_KEY = asciiBytes('RPTENV v2 X-Wing file key');
  const LABEL_XWING_ACCESS = asciiBytes('RPTENV v2 X-Wing access');

  // Python's str.split() white space (str.isspace), so that normalisation matches crypto.codename.
  const WHITE_SPACE_RUN =
    /[\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

  const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

  // --- errors (the same classes as crypto.errors) ----------------------------------------------

  class RptenvError extends Error {
    constructor(message) {
      super(message);
      this.name = this.constructor.name;
    }
  }
  /** The bytes or JSON are not RPTENV v1 (magic, version, suite, lengths, fields). */
  class FormatError extends RptenvError {}
  /** No stanza opens with the given secret key, or none of its keys is committed to. */
  class NotARecipientError extends RptenvError {}
  /** Data was altered: an authentication tag, a pad, the tag order failed. */
  class AuthenticationError extends RptenvError {}
  /** The input ended early: a short read, or no FINAL message. */
  class TruncatedError extends RptenvError {}

  // --- readiness -------------------------------------------------------------------------------

  let isReady = false;
  const ready = (sodium && sodium.ready
    ? Promise.resolve(sodium.ready)
    : Promise.reject(new Error('rptenv: libsodium-wrappers (global `sodium`) is not loaded'))
  ).then(function () {
    if (sodium.crypto_secretstream_xchacha20poly1305_ABYTES !== MESSAGE_OVERHEAD ||
        sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES !== SS_HEADER_SIZE ||
        sodium.crypto_box_SEALBYTES + KEY_SIZE !== STANZA_SIZE ||
        sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL !== TAG_FINAL ||
        sodium.crypto_secretstream_xchacha20poly1305_TAG_PUSH !== TAG_PUSH ||
        sodium.crypto_kem_xwing_PUBLICKEYBYTES !== XWING_PUBLIC_KEY_SIZE ||
        sodium.crypto_kem_xwing_CIPHERTEXTBYTES !== XWING_CIPHERTEXT_SIZE ||
        sodium.crypto_kem_xwing_SECRETKEYBYTES !== KEY_SIZE ||
        sodium.crypto_aead_chacha20poly1305_ietf_NPUBBYTES !== ZERO_NONCE.length ||
        XWING_CIPHERTEXT_SIZE + KEY_SIZE + sodium.crypto_aead_chacha20poly1305_ietf_ABYTES !==
          STANZA_SIZES[SUITE_HYBRID]) {
      throw new Error('rptenv: unexpected libsodium constants');
    }
    isReady = true;
  });
  // Never an unhandled rejection just for loading the file; callers see the error on `ready`.
  ready.catch(function () {});

  function requireReady() {
    if (!isReady) {
      throw new Error('rptenv: await RPTENV.ready first');
    }
  }

  // --- small helpers ---------------------------------------------------------------------------

  function asciiBytes(text) {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      out[i] = text.charCodeAt(i);
    }
    return out;
  }

  function concatBytes(parts) {
    let total = 0;
    for (const part of parts) {
      total += part.length;
    }
    const out = new Uint8Array(total);
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  function isBytes(value) {
    return value instanceof Uint8Array ||
      (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]');
  }

  function checkBytes(value, what, length) {
    if (!isBytes(value)) {
      throw new TypeError(what + ' must be a Uint8Array');
    }
    if (length !== undefined && value.length !== length) {
      throw new TypeError(what + ' must be ' + length + ' bytes, not ' + value.length);
    }
  }

  function checkChunkLog2(chunkLog2) {
    if (!Number.isInteger(chunkLog2) || chunkLog2 < CHUNK_LOG2_MIN || chunkLog2 > CHUNK_LOG2_MAX) {
      throw new FormatError('chunk_log2 must be ' + CHUNK_LOG2_MIN + '..' + CHUNK_LOG2_MAX);
    }
  }

  function checkLength(length, what) {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(what + ' must be a non-negative safe integer');
    }
  }

  /** BLAKE2b-256(message = label, key = key). */
  function keyedHash(label, key) {
    return sodium.crypto_generichash(32, label, key);
  }

  function wipe(bytes) {
    if (bytes) {
      sodium.memzero(bytes);
    }
  }

  /** floor(log2 x) for a safe integer x >= 1, without floating point. */
  function floorLog2(x) {
    let e = 0;
    let v = x;
    while (v >= 2) {
      v = Math.floor(v / 2);
      e += 1;
    }
    return e;
  }

  // --- sizes -----------------------------------------------------------------------------------

  /**
   * Padmé(L): for L >= 2, E = floor(log2 L), S = floor(log2 E) + 1, mask = 2^(E-S) - 1,
   * padme = (L + mask) & ~mask. 0 and 1 are returned unchanged. Exact for safe integers.
   */
  function padme(length) {
    checkLength(length, 'length');
    if (length < 2) {
      return length;
    }
    const e = floorLog2(length);
    const s = floorLog2(e) + 1;
    const step = Math.pow(2, e - s); // mask + 1
    return Math.ceil(length / step) * step;
  }

  /** N, the number of secretstream messages (metadata included) for dataLength bytes. */
  function messageCount(dataLength, chunkLog2) {
    checkChunkLog2(chunkLog2);
    checkLength(dataLength, 'dataLength');
    const chunkSize = Math.pow(2, chunkLog2);
    const m = Math.floor(dataLength / chunkSize) + 2; // data messages b = floor(L/C) + 1, plus 1
    return Math.max(m, padme(m * chunkSize) / chunkSize);
  }

  function stanzaSize(suite) {
    if (!Object.prototype.hasOwnProperty.call(STANZA_SIZES, suite)) {
      throw new FormatError('unknown suite ' + suite);
    }
    return STANZA_SIZES[suite];
  }

  /** Length of the header H for nStanzas stanzas of `suite` (default 1). */
  function headerSize(nStanzas, suite) {
    if (!Number.isInteger(nStanzas) || nStanzas < 1 || nStanzas > MAX_STANZAS) {
      throw new FormatError('an envelope has 1..' + MAX_STANZAS + ' stanzas');
    }
    const size = stanzaSize(suite === undefined ? SUITE_CLASSICAL : suite);
    return PREFIX_SIZE + nStanzas * size + COMMITMENT_SIZE + SS_HEADER_SIZE;
  }

  /** Total ciphertext bytes of an envelope holding dataLength bytes. */
  function envelopeSize(dataLength, chunkLog2, nStanzas, suite) {
    const n = messageCount(dataLength, chunkLog2);
    return headerSize(nStanzas, suite) + n * (Math.pow(2, chunkLog2) + MESSAGE_OVERHEAD);
  }

  // --- stanzas (suite 1: crypto_box_seal; suite 2: rptenv-v2.md section 2) ----------------------

  /** 1 for a 32-byte (X25519) public key, 2 for a 1216-byte (X-Wing) one. */
  function suiteOfPublicKey(publicKey, what) {
    checkBytes(publicKey, what);
    if (publicKey.length === KEY_SIZE) {
      return SUITE_CLASSICAL;
    }
    if (publicKey.length === XWING_PUBLIC_KEY_SIZE) {
      return SUITE_HYBRID;
    }
    throw new TypeError(what + ' must be 32 (X25519) or 1216 (X-Wing) bytes, not ' +
      publicKey.length);
  }

  function checkSuite(suite) {
    if (suite === undefined) {
      return SUITE_CLASSICAL;
    }
    if (suite !== SUITE_CLASSICAL && suite !== SUITE_HYBRID) {
      throw new TypeError('suite must be 1 or 2');
    }
    return suite;
  }

  function hybridWrapKey(sharedSecret, label, publicKey, ciphertext) {
    return sodium.crypto_generichash(32, concatBytes([label, publicKey, ciphertext]), sharedSecret);
  }

  /**
   * Seal the 32-byte `secret` to `publicKey` in its suite. `eseed` (64 bytes, suite 2 only) makes
   * the X-Wing encapsulation derandomized: for test vectors, never for real sealing.
   */
  function sealStanza(secret, publicKey, label, eseed) {
    if (suiteOfPublicKey(publicKey, 'publicKey') === SUITE_CLASSICAL) {
      return sodium.crypto_box_seal(secret, publicKey);
    }
    const encapsulated = eseed === undefined
      ? sodium.crypto_kem_xwing_enc(publicKey)
      : sodium.crypto_kem_xwing_enc_deterministic(publicKey, eseed);
    const wrapKey = hybridWrapKey(encapsulated.sharedSecret, label, publicKey,
      encapsulated.ciphertext);
    wipe(encapsulated.sharedSecret);
    try {
      const sealed = sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
        secret, null, null, ZERO_NONCE, wrapKey);
      return concatBytes([encapsulated.ciphertext, sealed]);
    } finally {
      wipe(wrapKey);
    }
  }

  /** Trial-open one stanza of `suite` with `secretKey`; null when it is not for this key. */
  function openStanza(stanza, secretKey, suite, label, publicKey) {
    if (suite === SUITE_CLASSICAL) {
      try {
        return sodium.crypto_box_seal_open(stanza, publicKey, secretKey);
      } catch (e) {
        return null;
      }
    }
    const ciphertext = stanza.subarray(0, XWING_CIPHERTEXT_SIZE);
    let sharedSecret;
    try {
      sharedSecret = sodium.crypto_kem_xwing_dec(ciphertext, secretKey);
    } catch (e) {
      return null;
    }
    const wrapKey = hybridWrapKey(sharedSecret, label, publicKey, ciphertext);
    wipe(sharedSecret);
    try {
      return sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
        null, stanza.subarray(XWING_CIPHERTEXT_SIZE), null, ZERO_NONCE, wrapKey);
    } catch (e) {
      return null;
    } finally {
      wipe(wrapKey);
    }
  }

  /** The public key of a 32-byte secret key of `suite` (an X25519 key or an X-Wing seed). */
  function publicKeyOf(secretKey, suite) {
    if (suite === SUITE_CLASSICAL) {
      return sodium.crypto_scalarmult_base(secretKey);
    }
    const pair = sodium.crypto_kem_xwing_seed_keypair(secretKey);
    wipe(pair.privateKey);
    return pair.publicKey;
  }

  // --- metadata JSON ---------------------------------------------------------------------------

  /**
   * Parse metadata as crypto._encoding.strict_json_loads + envelope._parse_metadata do: UTF-8
   * (no BOM), a JSON object, no duplicate keys, "v" exactly the integer 1, "kind" known.
   */
  function parseMetadata(bytes) {
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch (e) {
      throw new FormatError('metadata: not valid UTF-8');
    }
    let value;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new FormatError('metadata: not valid JSON');
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new FormatError('metadata: not a JSON object');
    }
    const rawVersion = checkJsonKeys(text);
    if (rawVersion !== '1' || value.v !== 1) {
      throw new FormatError('metadata "v" is not 1');
    }
    if (ITEM_KINDS.indexOf(value.kind) < 0) {
      throw new FormatError('metadata "kind" is unknown');
    }
    return value;
  }

  /**
   * Walk syntactically valid JSON text: throw on a duplicate key in any object, and return the
   * raw text of the value of the top-level key "v" (or null), so that 1.0 or 1e0 is refused.
   */
  function checkJsonKeys(text) {
    const stack = []; // {keys: Set|null, expectKey: bool}
    let pendingKey = null;
    let rawVersion = null;
    let versionStart = -1;
    let i = 0;
    function endValue(end) {
      if (versionStart >= 0) {
        rawVersion = text.slice(versionStart, end).trim();
        versionStart = -1;
      }
    }
    while (i < text.length) {
      const ch = text[i];
      if (ch === '"') {
        let j = i + 1;
        while (text[j] !== '"') {
          j += text[j] === '\\' ? 2 : 1;
        }
        const top = stack[stack.length - 1];
        if (top && top.keys && top.expectKey) {
          const key = JSON.parse(text.slice(i, j + 1));
          if (top.keys.has(key)) {
            throw new FormatError('duplicate key in JSON object');
          }
          top.keys.add(key);
          top.expectKey = false;
          pendingKey = stack.length === 1 && key === 'v' ? 'v' : null;
        }
        i = j + 1;
        continue;
      }
      if (ch === ':') {
        if (pendingKey === 'v') {
          versionStart = i + 1;
          pendingKey = null;
        }
      } else if (ch === '{' || ch === '[') {
        stack.push({ keys: ch === '{' ? new Set() : null, expectKey: ch === '{' });
      } else if (ch === '}' || ch === ']') {
        if (stack.length === 1) {
          endValue(i);
        }
        stack.pop();
      } else if (ch === ',') {
        if (stack.length === 1) {
          endValue(i);
        }
        const top = stack[stack.length - 1];
        if (top && top.keys) {
          top.expectKey = true;
        }
      }
      i += 1;
    }
    return rawVersion;
  }

  function encodeMetadata(metadata, chunkSize) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new FormatError('metadata must be an object');
    }
    if (Object.prototype.hasOwnProperty.call(metadata, 'v') && metadata.v !== 1) {
      throw new FormatError('metadata "v" must be 1');
    }
    if (ITEM_KINDS.indexOf(metadata.kind) < 0) {
      throw new FormatError('metadata "kind" must be one of ' + ITEM_KINDS.join(', '));
    }
    const object = { v: 1 };
    for (const key of Object.keys(metadata)) {
      if (key !== 'v') {
        object[key] = metadata[key];
      }
    }
    let json;
    try {
      json = JSON.stringify(object);
    } catch (e) {
      throw new FormatError('metadata is not serialisable as JSON');
    }
    const encoded = sodium.from_string(json);
    if (encoded.length >= chunkSize) {
      throw new FormatError('metadata is too long for one chunk');
    }
    parseMetadata(encoded); // never write what a reader would refuse (e.g. undefined values)
    return sodium.pad(encoded, chunkSize);
  }

  // --- writing ---------------------------------------------------------------------------------

  /**
   * Streaming envelope writer. Call header() once, then push() any number of times, then finish()
   * (or iterate finishChunks()). The concatenation of everything returned is the envelope.
   */
  class EnvelopeWriter {
    constructor(recipients, metadata, chunkLog2) {
      requireReady();
      if (chunkLog2 === undefined) {
        chunkLog2 = CHUNK_LOG2_FILE;
      }
      checkChunkLog2(chunkLog2);
      if (!Array.isArray(recipients) || recipients.length < 1 || recipients.length > MAX_STANZAS) {
        throw new FormatError('an envelope has 1..' + MAX_STANZAS + ' recipients');
      }
      const suites = recipients.map(function (key, index) {
        return suiteOfPublicKey(key, 'recipients[' + index + ']');
      });
      if (suites.some(function (suite) { return suite !== suites[0]; })) {
        throw new FormatError('the recipients of one envelope must all be of one suite');
      }
      this._suite = suites[0];
      this._chunkLog2 = chunkLog2;
      this._chunkSize = Math.pow(2, chunkLog2);
      this._metadataPlaintext = encodeMetadata(metadata, this._chunkSize);
      this._recipients = recipients.slice();
      this._buffer = new Uint8Array(this._chunkSize);
      this._buffered = 0;
      this._dataLength = 0;
      this._messages = 0; // messages pushed so far, metadata included
      this._state = null;
      this._phase = 'new'; // new -> open -> finishing -> closed; or broken
    }

    /** H followed by the encrypted metadata message (one Uint8Array). Call once, first. */
    header() {
      if (this._phase !== 'new') {
        throw new Error('rptenv: header() must be called once, before push()');
      }
      this._phase = 'broken';
      const fileKey = sodium.randombytes_buf(KEY_SIZE);
      let streamKey = null;
      try {
        const stanzas = this._recipients.map(function (key) {
          return sealStanza(fileKey, key, LABEL_XWING_FILE_KEY);
        });
        const commitment = keyedHash(LABEL_COMMITMENT, fileKey);
        streamKey = keyedHash(LABEL_STREAM_KEY, fileKey);
        const init = sodium.crypto_secretstream_xchacha20poly1305_init_push(streamKey);
        this._state = init.state;
        const prefix = new Uint8Array(PREFIX_SIZE);
        prefix.set(MAGIC, 0);
        prefix[MAGIC.length] = VERSION_OF_SUITE[this._suite];
        prefix[MAGIC.length + 1] = this._suite;
        prefix[MAGIC.length + 2] = this._chunkLog2;
        prefix[MAGIC.length + 3] = stanzas.length;
        const h = concatBytes([prefix].concat(stanzas, [commitment, init.header]));
        const message0 = this._pushMessage(this._metadataPlaintext, TAG_MESSAGE, h);
        this._metadataPlaintext = null;
        this._phase = 'open';
        return concatBytes([h, message0]);
      } finally {
        wipe(fileKey);
        wipe(streamKey);
      }
    }

    _pushMessage(plaintext, tag, additionalData) {
      const ciphertext = sodium.crypto_secretstream_xchacha20poly1305_push(
        this._state, plaintext, additionalData === undefined ? null : additionalData, tag);
      this._messages += 1;
      return ciphertext;
    }

    /** Add data; returns an Array of the ciphertext messages completed by it (maybe empty). */
    push(data) {
      if (this._phase !== 'open') {
        throw new Error('rptenv: push() needs header() first and no finish() yet');
      }
      checkBytes(data, 'data');
      const out = [];
      const chunkSize = this._chunkSize;
      let position = 0;
      this._phase = 'broken';
      while (position < data.length) {
        const take = Math.min(chunkSize - this._buffered, data.length - position);
        this._buffer.set(data.subarray(position, position + take), this._buffered);
        this._buffered += take;
        position += take;
        if (this._buffered === chunkSize) {
          out.push(this._pushMessage(this._buffer, TAG_MESSAGE));
          this._buffered = 0;
        }
      }
      this._dataLength += data.length;
      this._phase = 'open';
      return out;
    }

    /**
     * Yield the rest one message at a time: the padded end of the data (PUSH, or FINAL when
     * nothing follows), the all-zero Padmé padding messages (MESSAGE), the last one FINAL.
     */
    *finishChunks() {
      if (this._phase !== 'open') {
        throw new Error('rptenv: finish() needs header() first and may be called once');
      }
      this._phase = 'broken';
      const total = messageCount(this._dataLength, this._chunkLog2);
      const endIndex = this._messages;
      const last = sodium.pad(this._buffer.subarray(0, this._buffered), this._chunkSize);
      wipe(this._buffer);
      this._buffered = 0;
      const endMessage = this._pushMessage(last, endIndex === total - 1 ? TAG_FINAL : TAG_PUSH);
      wipe(last);
      this._phase = 'finishing';
      yield endMessage;
      if (endIndex + 1 < total) {
        const zeros = new Uint8Array(this._chunkSize);
        for (let index = endIndex + 1; index < total; index++) {
          this._phase = 'broken';
          const message = this._pushMessage(zeros, index === total - 1 ? TAG_FINAL : TAG_MESSAGE);
          this._phase = 'finishing';
          yield message;
        }
      }
      this._phase = 'closed';
      this._state = null;
    }

    /** The rest of the envelope as an Array of Uint8Array (see finishChunks()). */
    finish() {
      return Array.from(this.finishChunks());
    }

    /** Plaintext bytes pushed so far. */
    get dataLength() {
      return this._dataLength;
    }

    /** True once every message up to FINAL has been produced. */
    get closed() {
      return this._phase === 'closed';
    }
  }

  /** Encrypt data held in memory and return the whole envelope. */
  function encryptBytes(data, recipients, metadata, chunkLog2) {
    checkBytes(data, 'data');
    const writer = new EnvelopeWriter(recipients, metadata,
      chunkLog2 === undefined ? CHUNK_LOG2_TEXT : chunkLog2);
    const parts = [writer.header()];
    for (const part of writer.push(data)) {
      parts.push(part);
    }
    for (const part of writer.finishChunks()) {
      parts.push(part);
    }
    return concatBytes(parts);
  }

  // --- reading ---------------------------------------------------------------------------------

  /** Parse and validate H; returns {suite, chunkLog2, stanzas, commitment, ssHeader, raw}. */
  function readHeader(bytes) {
    checkBytes(bytes, 'envelope');
    const magicPart = bytes.subarray(0, Math.min(MAGIC.length, bytes.length));
    for (let i = 0; i < magicPart.length; i++) {
      if (magicPart[i] !== MAGIC[i]) {
        throw new FormatError('not an RPTENV envelope (bad magic)');
      }
    }
    if (bytes.length < PREFIX_SIZE) {
      throw new TruncatedError('envelope header is truncated');
    }
    const version = bytes[MAGIC.length];
    const suite = bytes[MAGIC.length + 1];
    const chunkLog2 = bytes[MAGIC.length + 2];
    const n = bytes[MAGIC.length + 3];
    if (version !== VERSION_OF_SUITE[SUITE_CLASSICAL] && version !== VERSION_OF_SUITE[SUITE_HYBRID]) {
      throw new FormatError('unsupported envelope version ' + version);
    }
    if (VERSION_OF_SUITE[suite] !== version) {
      throw new FormatError('unsupported envelope suite ' + suite + ' for version ' + version);
    }
    checkChunkLog2(chunkLog2);
    if (n === 0) {
      throw new FormatError('envelope has no stanzas');
    }
    const size = headerSize(n, suite);
    if (bytes.length < size) {
      throw new TruncatedError('envelope header is truncated');
    }
    const oneSize = STANZA_SIZES[suite];
    const stanzas = [];
    for (let i = 0; i < n; i++) {
      stanzas.push(bytes.subarray(PREFIX_SIZE + i * oneSize, PREFIX_SIZE + (i + 1) * oneSize));
    }
    const commitmentStart = PREFIX_SIZE + n * oneSize;
    return {
      suite: suite,
      chunkLog2: chunkLog2,
      stanzas: stanzas,
      commitment: bytes.subarray(commitmentStart, commitmentStart + COMMITMENT_SIZE),
      ssHeader: bytes.subarray(commitmentStart + COMMITMENT_SIZE, size),
      raw: bytes.subarray(0, size),
    };
  }

  function findFileKey(header, secretKey, suite) {
    if (header.suite !== suite) {
      throw new NotARecipientError('this envelope is sealed to suite ' + header.suite +
        ' keys; this is a suite ' + suite + ' key');
    }
    const publicKey = publicKeyOf(secretKey, suite);
    for (const stanza of header.stanzas) {
      const fileKey = openStanza(stanza, secretKey, suite, LABEL_XWING_FILE_KEY, publicKey);
      if (fileKey === null) {
        continue;
      }
      if (fileKey.length === KEY_SIZE &&
          sodium.memcmp(keyedHash(LABEL_COMMITMENT, fileKey), header.commitment)) {
        return fileKey;
      }
      wipe(fileKey);
    }
    throw new NotARecipientError('no stanza of this envelope opens with this key');
  }

  /**
   * Open a whole envelope held in memory with a recipient's 32-byte secret key of `suite`
   * (1: X25519, the default; 2: X-Wing seed).
   * Returns {metadata, data}; throws a RptenvError subclass on anything the spec rejects. No data
   * is returned unless the whole envelope authenticated up to FINAL with nothing after it.
   */
  function openEnvelope(bytes, secretKey, suite) {
    requireReady();
    checkBytes(secretKey, 'secretKey', KEY_SIZE);
    const keySuite = checkSuite(suite);
    const header = readHeader(bytes);
    const chunkSize = Math.pow(2, header.chunkLog2);
    const messageSize = chunkSize + MESSAGE_OVERHEAD;
    const fileKey = findFileKey(header, secretKey, keySuite);
    const streamKey = keyedHash(LABEL_STREAM_KEY, fileKey);
    wipe(fileKey);
    let state;
    try {
      state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header.ssHeader, streamKey);
    } finally {
      wipe(streamKey);
    }
    let offset = header.raw.length;

    function pull(additionalData) {
      if (offset >= bytes.length) {
        throw new TruncatedError('envelope ended before its final message');
      }
      if (bytes.length - offset < messageSize) {
        throw new TruncatedError('envelope ends inside a message');
      }
      const ciphertext = bytes.subarray(offset, offset + messageSize);
      offset += messageSize;
      let result;
      try {
        result = sodium.crypto_secretstream_xchacha20poly1305_pull(
          state, ciphertext, additionalData === undefined ? null : additionalData);
      } catch (e) {
        result = false;
      }
      if (!result || !result.message || result.message.length !== chunkSize) {
        throw new AuthenticationError('envelope message failed to authenticate');
      }
      return result;
    }

    function unpad(plaintext) {
      try {
        return sodium.unpad(plaintext, chunkSize);
      } catch (e) {
        throw new AuthenticationError('envelope message has a bad pad');
      }
    }

    const first = pull(header.raw);
    if (first.tag !== TAG_MESSAGE) {
      throw new AuthenticationError('metadata message has the wrong tag');
    }
    const metadata = parseMetadata(unpad(first.message));

    const pieces = [];
    let tag;
    try {
      for (;;) {
        const next = pull();
        tag = next.tag;
        if (tag === TAG_MESSAGE) {
          pieces.push(next.message);
          continue;
        }
        if (tag !== TAG_PUSH && tag !== TAG_FINAL) {
          throw new AuthenticationError('envelope message has an unexpected tag');
        }
        pieces.push(unpad(next.message));
        break;
      }
      if (tag === TAG_PUSH) {
        for (;;) {
          const padding = pull();
          if (!sodium.is_zero(padding.message)) {
            throw new AuthenticationError('envelope padding message is not all zero');
          }
          if (padding.tag === TAG_FINAL) {
            break;
          }
          if (padding.tag !== TAG_MESSAGE) {
            throw new AuthenticationError('envelope padding message has an unexpected tag');
          }
        }
      }
      if (offset !== bytes.length) {
        throw new FormatError('data after the final message of the envelope');
      }
    } catch (e) {
      pieces.forEach(wipe);
      throw e;
    }
    const data = concatBytes(pieces);
    pieces.forEach(wipe);
    return { metadata: metadata, data: data };
  }

  /**
   * Check an envelope's size against its header without decrypting it (as
   * crypto.envelope.check_structure does); returns N.
   */
  function checkStructure(bytesOrHeader, totalSize) {
    const header = isBytes(bytesOrHeader) ? readHeader(bytesOrHeader) : bytesOrHeader;
    const size = totalSize === undefined ? bytesOrHeader.length : totalSize;
    const chunkSize = Math.pow(2, header.chunkLog2);
    const payload = size - header.raw.length;
    const messageSize = chunkSize + MESSAGE_OVERHEAD;
    if (payload <= 0 || payload % messageSize !== 0) {
      throw new FormatError('envelope payload is not a whole number of messages');
    }
    const n = payload / messageSize;
    if (n < 2 || padme(n * chunkSize) !== n * chunkSize) {
      throw new FormatError('envelope message count is not a padded count');
    }
    return n;
  }

  // --- keys ------------------------------------------------------------------------------------

  /**
   * A fresh case key pair {suite, publicKey, privateKey} of `suite`: 1 (the default)
   * crypto_box_keypair, 2 crypto_kem_xwing_keypair (privateKey is the 32-byte seed).
   */
  function generateCaseKeyPair(suite) {
    requireReady();
    const keySuite = checkSuite(suite);
    const pair = keySuite === SUITE_HYBRID
      ? sodium.crypto_kem_xwing_keypair()
      : sodium.crypto_box_keypair();
    return { suite: keySuite, publicKey: pair.publicKey, privateKey: pair.privateKey };
  }

  /**
   * The access stanza giving the holder of reviewerPublicKey the 32-byte case secret key (an
   * X25519 key or an X-Wing seed): 80 bytes for an X25519 reviewer key, 1168 for an X-Wing one.
   */
  function sealCaseKey(caseSecretKey, reviewerPublicKey) {
    requireReady();
    checkBytes(caseSecretKey, 'caseSecretKey', KEY_SIZE);
    const suite = suiteOfPublicKey(reviewerPublicKey, 'reviewerPublicKey');
    const stanza = sealStanza(caseSecretKey, reviewerPublicKey, LABEL_XWING_ACCESS);
    if (stanza.length !== STANZA_SIZES[suite]) {
      throw new Error('rptenv: unexpected access stanza length');
    }
    return stanza;
  }

  /**
   * Open an access stanza with a reviewer's secret key of `suite` (default 1); null if it was not
   * sealed to it. The stanza must have the length of that suite.
   */
  function openCaseKey(stanza, reviewerSecretKey, suite) {
    requireReady();
    const keySuite = checkSuite(suite);
    checkBytes(stanza, 'stanza', STANZA_SIZES[keySuite]);
    checkBytes(reviewerSecretKey, 'reviewerSecretKey', KEY_SIZE);
    return openStanza(stanza, reviewerSecretKey, keySuite, LABEL_XWING_ACCESS,
      publicKeyOf(reviewerSecretKey, keySuite));
  }

  /** The public key of a 32-byte secret key of `suite` (default 1: X25519; 2: X-Wing seed). */
  function publicKeyFromSecretKey(secretKey, suite) {
    requireReady();
    checkBytes(secretKey, 'secretKey', KEY_SIZE);
    return publicKeyOf(secretKey, checkSuite(suite));
  }

  /**
   * A suite-2 stanza from a fixed 64-byte X-Wing eseed, for test vectors only; `kind` is
   * 'file key' or 'access' (the label "RPTENV v2 X-Wing <kind>").
   */
  function sealStanzaDerandomized(secret, publicKey, kind, eseed) {
    requireReady();
    checkBytes(secret, 'secret', KEY_SIZE);
    checkBytes(publicKey, 'publicKey', XWING_PUBLIC_KEY_SIZE);
    checkBytes(eseed, 'eseed', 64);
    const label = { 'file key': LABEL_XWING_FILE_KEY, access: LABEL_XWING_ACCESS }[kind];
    if (label === undefined) {
      throw new TypeError("kind must be 'file key' or 'access'");
    }
    return sealStanza(secret, publicKey, label, eseed);
  }

  // --- codenames (docs/codename-v1.md) ---------------------------------------------------------

  /** NFKC, lower case, trimmed, every run of white space replaced by one ASCII space. */
  function normalizeCodename(text) {
    if (typeof text !== 'string') {
      throw new TypeError('codename must be a string');
    }
    return text.normalize('NFKC').toLowerCase().replace(WHITE_SPACE_RUN, ' ').replace(/^ | $/g, '');
  }

  function checkWordlist(words) {
    if (!Array.isArray(words) || words.length !== WORDLIST_SIZE) {
      throw new TypeError('the word list must be an Array of ' + WORDLIST_SIZE + ' words');
    }
    const seen = new Set();
    for (const word of words) {
      if (typeof word !== 'string' || word === '' || normalizeCodename(word) !== word ||
          word.indexOf(' ') >= 0 || seen.has(word)) {
        throw new TypeError('the word list must hold distinct, normalised, single words');
      }
      seen.add(word);
    }
  }

  /** Ten words drawn uniformly (randombytes_uniform: no modulo bias), joined by single spaces. */
  function generateCodename(words) {
    requireReady();
    checkWordlist(words);
    const chosen = [];
    for (let i = 0; i < CODENAME_WORDS; i++) {
      chosen.push(words[sodium.randombytes_uniform(words.length)]);
    }
    return chosen.join(' ');
  }

  /** True when the normalised text is exactly ten words of `words`. */
  function isWellFormedCodename(text, words) {
    const known = new Set(words);
    const parts = normalizeCodename(text).split(' ');
    return parts.length === CODENAME_WORDS && parts.every(function (w) { return known.has(w); });
  }

  /**
   * {lookupTag, submitterPublicKey, submitterSecretKey} of a codename (normalised first; any text
   * derives keys, as in crypto.codename.derive_codename_keys).
   */
  function deriveCodenameKeys(codename) {
    requireReady();
    if (typeof codename === 'string' && LONE_SURROGATE.test(codename)) {
      // Python cannot encode these to UTF-8 either; never derive from a replacement character.
      throw new TypeError('codename holds an unpaired surrogate');
    }
    const root = sodium.crypto_generichash(32, sodium.from_string(normalizeCodename(codename)));
    try {
      const lookupTag = keyedHash(LABEL_LOOKUP_TAG, root);
      const submitterSecretKey = keyedHash(LABEL_SUBMITTER_KEY, root);
      return {
        lookupTag: lookupTag,
        submitterPublicKey: sodium.crypto_scalarmult_base(submitterSecretKey),
        submitterSecretKey: submitterSecretKey,
      };
    } finally {
      wipe(root);
    }
  }

  // --- base64 (standard, with padding: RFC 4648 section 4) -------------------------------------

  function toBase64(bytes) {
    requireReady();
    checkBytes(bytes, 'bytes');
    return sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL);
  }

  function fromBase64(text) {
    requireReady();
    if (typeof text !== 'string') {
      throw new TypeError('base64 text must be a string');
    }
    let bytes;
    try {
      bytes = sodium.from_base64(text, sodium.base64_variants.ORIGINAL);
    } catch (e) {
      throw new FormatError('invalid base64');
    }
    if (sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL) !== text) {
      throw new FormatError('non-canonical base64');
    }
    return bytes;
  }

  return Object.freeze({
    ready: ready,
    sodium: sodium,
    // errors
    RptenvError: RptenvError,
    FormatError: FormatError,
    NotARecipientError: NotARecipientError,
    AuthenticationError: AuthenticationError,
    TruncatedError: TruncatedError,
    // constants
    MAGIC: MAGIC,
    VERSION: VERSION,
    SUITE: SUITE,
    SUITE_CLASSICAL: SUITE_CLASSICAL,
    SUITE_HYBRID: SUITE_HYBRID,
    STANZA_SIZES: STANZA_SIZES,
    XWING_PUBLIC_KEY_SIZE: XWING_PUBLIC_KEY_SIZE,
    CHUNK_LOG2_MIN: CHUNK_LOG2_MIN,
    CHUNK_LOG2_MAX: CHUNK_LOG2_MAX,
    CHUNK_LOG2_TEXT: CHUNK_LOG2_TEXT,
    CHUNK_LOG2_FILE: CHUNK_LOG2_FILE,
    STANZA_SIZE: STANZA_SIZE,
    MESSAGE_OVERHEAD: MESSAGE_OVERHEAD,
    TAG_MESSAGE: TAG_MESSAGE,
    TAG_PUSH: TAG_PUSH,
    TAG_REKEY: TAG_REKEY,
    TAG_FINAL: TAG_FINAL,
    ITEM_KINDS: Object.freeze(ITEM_KINDS.slice()),
    CODENAME_WORDS: CODENAME_WORDS,
    WORDLIST_SIZE: WORDLIST_SIZE,
    // codenames
    generateCodename: generateCodename,
    normalizeCodename: normalizeCodename,
    isWellFormedCodename: isWellFormedCodename,
    deriveCodenameKeys: deriveCodenameKeys,
    // keys
    generateCaseKeyPair: generateCaseKeyPair,
    sealCaseKey: sealCaseKey,
    openCaseKey: openCaseKey,
    publicKeyFromSecretKey: publicKeyFromSecretKey,
    sealStanzaDerandomized: sealStanzaDerandomized,
    // envelopes
    EnvelopeWriter: EnvelopeWriter,
    encryptBytes: encryptBytes,
    openEnvelope: openEnvelope,
    readHeader: readHeader,
    checkStructure: checkStructure,
    // sizes
    padme: padme,
    messageCount: messageCount,
    headerSize: headerSize,
    envelopeSize: envelopeSize,
    // base64
    toBase64: toBase64,
    fromBase64: fromBase64,
  });
}));
