/*
 * records.js: reader records v1 in the browser (docs/spec/reader-record-v1.md; ES2017, no build step).
 *
 * The browser seals a case key only to a key that a pinned organisation key certified: before
 * encrypting, report.js passes every recipient the server offers through checkRecipients(), which
 * throws (and nothing is sent) unless each one carries a record that verifies, is within its dates,
 * covers the chosen mechanism and names exactly that key. The Python reference is crypto/records.py;
 * both read tests/vectors/reader-record-v1.json.
 *
 * Loading in a page, after libsodium-wrappers (global `sodium`) and before report.js:
 *   <script src="/static/js/records.js"></script>            (global `READER_RECORDS`)
 * Under Node, require() it; it uses the vendored libsodium through rptenv.js. Await sodium's
 * readiness (RPTENV.ready) before calling anything.
 */
(function (root, factory) {
  'use strict';
  if (typeof module === 'object' && module && module.exports && typeof require === 'function') {
    module.exports = factory(require('./rptenv.js').sodium);
  } else {
    root.READER_RECORDS = factory(root.sodium);
  }
}(typeof globalThis !== 'undefined' ? globalThis : (typeof self !== 'undefined' ? self : this),
function (sodium) {
  'use strict';

  const FORMAT = 'reprisal-reader-record';
  const VERSION = 1;
  const CONTEXT = new Uint8Array([
    ...Array.from('reprisal reader record v1', function (c) { return c.charCodeAt(0); }), 0]);
  const SUITE_KEY_SIZES = {1: 32, 2: 1216};
  const MAX_KEY_SIZE = 4096;
  const MAX_RECORD_SIZE = 65536;
  const MAX_HOLDER = 200;
  const ROLES = ['focal_point', 'escrow'];
  const READER_FIELDS = ['type', 'id', 'suite', 'public_key', 'holder', 'role', 'mechanisms',
    'not_before', 'not_after', 'issued'].sort();
  const REVOCATION_FIELDS = ['type', 'id', 'suite', 'public_key', 'issued'].sort();
  const ID = /^[0-9a-f]{32}$/;
  const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
  const MECHANISM = /^[A-Z]{2,16}$/;
  const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

  class RecordFormatError extends Error {}
  class RecordSignatureError extends Error {}
  // A recipient the browser must not seal to; `reason` names the check (see checkRecipients).
  class ReaderCheckError extends Error {
    constructor(reason) {
      super('reader check failed: ' + reason);
      this.reason = reason;
    }
  }

  function require_(condition, message) {
    if (!condition) {
      throw new RecordFormatError('reader record: ' + message);
    }
  }

  // JSON.parse keeps the last of duplicate members and reads 1.0 as 1; the Python reader refuses
  // both. Scan the text first: no duplicate member in any object, no fraction or exponent.
  function checkJsonText(text) {
    let i = 0;
    const stack = [];
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        let j = i + 1;
        while (j < text.length && text[j] !== '"') {
          j += text[j] === '\\' ? 2 : 1;
        }
        const token = text.slice(i, j + 1);
        i = j + 1;
        const top = stack[stack.length - 1];
        if (top && top.expectKey) {
          let name;
          try {
            name = JSON.parse(token);
          } catch (error) {
            throw new RecordFormatError('reader record: not valid JSON');
          }
          require_(!top.keys.has(name), 'duplicate key in JSON object');
          top.keys.add(name);
          top.expectKey = false;
        }
        continue;
      }
      if (c === '{') {
        stack.push({keys: new Set(), expectKey: true});
      } else if (c === '[') {
        stack.push(null);
      } else if (c === '}' || c === ']') {
        stack.pop();
      } else if (c === ',') {
        const top = stack[stack.length - 1];
        if (top) {
          top.expectKey = true;
        }
      } else if (c === '-' || (c >= '0' && c <= '9')) {
        const number = /^-?[0-9]*(\.[0-9]*)?([eE][+-]?[0-9]*)?/.exec(text.slice(i))[0];
        require_(!/[.eE]/.test(number), 'numbers must be integers');
        i += number.length;
        continue;
      }
      i += 1;
    }
  }

  function parseJson(text, what) {
    checkJsonText(text);
    let value;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new RecordFormatError(what + ': not valid JSON');
    }
    require_(value !== null && typeof value === 'object' && !Array.isArray(value),
      what + ' is not a JSON object');
    return value;
  }

  function b64(text, size, what) {
    require_(typeof text === 'string', what + ': expected a base64 string');
    let bytes;
    try {
      bytes = sodium.from_base64(text, sodium.base64_variants.ORIGINAL);
    } catch (error) {
      throw new RecordFormatError('reader record: ' + what + ': invalid base64');
    }
    require_(sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL) === text,
      what + ': non-canonical base64');
    if (size !== null) {
      require_(bytes.length === size, what + ': expected ' + size + ' bytes');
    }
    return bytes;
  }

  function date(value, name) {
    require_(typeof value === 'string' && DATE.test(value), name + ' must be YYYY-MM-DD');
    const [y, m, d] = value.split('-').map(Number);
    const parsed = new Date(Date.UTC(y, m - 1, d));
    require_(y >= 1 && parsed.getUTCFullYear() === y && parsed.getUTCMonth() === m - 1 &&
      parsed.getUTCDate() === d, name + ' is not a date');
    return value;
  }

  function sameFields(object, fields) {
    const keys = Object.keys(object).sort();
    return keys.length === fields.length && keys.every(function (k, n) { return k === fields[n]; });
  }

  function suiteAndKey(payload) {
    const suite = payload.suite;
    require_(Number.isInteger(suite) && suite >= 1 && suite <= 255, 'suite must be 1..255');
    const size = Object.prototype.hasOwnProperty.call(SUITE_KEY_SIZES, suite) ?
      SUITE_KEY_SIZES[suite] : null;
    const key = b64(payload.public_key, size, 'public_key');
    require_(key.length > 0 && key.length <= MAX_KEY_SIZE, 'public_key has an impossible length');
    return [suite, key];
  }

  function parsePayload(bytes) {
    let text;
    try {
      text = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true}).decode(bytes);
    } catch (error) {
      throw new RecordFormatError('reader record payload: not valid UTF-8');
    }
    const payload = parseJson(text, 'reader record payload');
    require_(typeof payload.id === 'string' && ID.test(payload.id), 'id must be 32 hex');
    if (payload.type === 'revocation') {
      require_(sameFields(payload, REVOCATION_FIELDS), 'unexpected or missing fields');
      const [suite, key] = suiteAndKey(payload);
      return Object.freeze({type: 'revocation', id: payload.id, suite: suite, publicKey: key,
        issued: date(payload.issued, 'issued')});
    }
    require_(payload.type === 'reader', 'type must be reader or revocation');
    require_(sameFields(payload, READER_FIELDS), 'unexpected or missing fields');
    const [suite, key] = suiteAndKey(payload);
    const holder = payload.holder;
    require_(typeof holder === 'string' && Array.from(holder).length > 0 &&
      Array.from(holder).length <= MAX_HOLDER && !CONTROL.test(holder),
    'holder must be 1..200 characters, no control characters');
    require_(ROLES.indexOf(payload.role) >= 0, 'role must be focal_point or escrow');
    const mechanisms = payload.mechanisms;
    require_(Array.isArray(mechanisms) && mechanisms.every(function (m, n) {
      return typeof m === 'string' && MECHANISM.test(m) && (n === 0 || mechanisms[n - 1] < m);
    }), 'mechanisms must be a sorted list of distinct codes');
    require_(payload.role === 'escrow' || mechanisms.length > 0,
      "a focal point's record names a mechanism");
    const notBefore = date(payload.not_before, 'not_before');
    const notAfter = date(payload.not_after, 'not_after');
    require_(notBefore <= notAfter, 'not_before is after not_after');
    return Object.freeze({
      type: 'reader', id: payload.id, suite: suite, publicKey: key, holder: holder,
      role: payload.role, mechanisms: Object.freeze(mechanisms.slice()), notBefore: notBefore,
      notAfter: notAfter, issued: date(payload.issued, 'issued')
    });
  }

  function sameBytes(a, b) {
    return a.length === b.length && sodium.memcmp(a, b);
  }

  // The record (reader or revocation) if a pinned key signed it; throws RecordFormatError or
  // RecordSignatureError. `pinned` is an Array of 32-byte Uint8Arrays. Dates are the caller's.
  function verifyRecord(text, pinned) {
    require_(typeof text === 'string', 'expected the record file as text');
    require_(new TextEncoder().encode(text).length <= MAX_RECORD_SIZE, 'file too large');
    const document = parseJson(text, 'reader record');
    require_(document.format === FORMAT, 'not a reader record');
    require_(document.version === VERSION, 'unsupported version');
    require_(sameFields(document, ['format', 'payload', 'signatures', 'version']),
      'unexpected fields');
    const payload = b64(document.payload, null, 'payload');
    require_(Array.isArray(document.signatures) && document.signatures.length > 0,
      'signatures must be a list');
    const signatures = document.signatures.map(function (entry) {
      require_(entry !== null && typeof entry === 'object' && !Array.isArray(entry) &&
        sameFields(entry, ['org_key', 'signature']), 'a signature is {org_key, signature}');
      return [b64(entry.org_key, 32, 'org_key'), b64(entry.signature, 64, 'signature')];
    });
    const record = parsePayload(payload);
    const signed = new Uint8Array(CONTEXT.length + payload.length);
    signed.set(CONTEXT);
    signed.set(payload, CONTEXT.length);
    for (const [orgKey, signature] of signatures) {
      if (!pinned.some(function (key) { return sameBytes(key, orgKey); })) {
        continue;
      }
      let ok = false;
      try {
        ok = sodium.crypto_sign_verify_detached(signature, signed, orgKey);
      } catch (error) {
        ok = false;
      }
      if (ok) {
        return record;
      }
    }
    throw new RecordSignatureError('no signature by a pinned organisation key verifies');
  }

  function validOn(record, day) {
    return record.notBefore <= day && day <= record.notAfter;
  }

  function covers(record, mechanism) {
    if (record.role === 'escrow' && record.mechanisms.length === 0) {
      return true;
    }
    return record.mechanisms.indexOf(mechanism) >= 0;
  }

  function pinnedKeys(text) {
    return String(text || '').split(/[\s,]+/).filter(function (p) { return p; }).map(
      function (p) { return b64(p, 32, 'organisation public key'); });
  }

  // recipients: [{id, public_key, record}] as /report/keys/<code> returns them. Returns the same
  // list when every one is a certified reader of `mechanism` on `day` (YYYY-MM-DD, UTC) and at
  // least one is a focal point; otherwise throws ReaderCheckError (reason: unsigned, expired,
  // mechanism, key_mismatch, suite, no_focal_point).
  function checkRecipients(recipients, mechanism, pinnedText, day) {
    const pinned = pinnedKeys(pinnedText);
    if (!Array.isArray(recipients) || !pinned.length) {
      throw new ReaderCheckError('unsigned');
    }
    let focalPoints = 0;
    recipients.forEach(function (recipient) {
      let record;
      try {
        record = verifyRecord(recipient.record, pinned);
      } catch (error) {
        throw new ReaderCheckError('unsigned');
      }
      if (record.type !== 'reader') {
        throw new ReaderCheckError('unsigned');
      }
      if (record.suite !== 1 && record.suite !== 2) { // rptenv.js seals to X25519 and X-Wing keys
        throw new ReaderCheckError('suite');
      }
      let offered;
      try {
        offered = b64(recipient.public_key, SUITE_KEY_SIZES[record.suite], 'public_key');
      } catch (error) {
        throw new ReaderCheckError('key_mismatch');
      }
      if (!sameBytes(offered, record.publicKey)) {
        throw new ReaderCheckError('key_mismatch');
      }
      if (!validOn(record, day)) {
        throw new ReaderCheckError('expired');
      }
      if (!covers(record, mechanism)) {
        throw new ReaderCheckError('mechanism');
      }
      if (record.role === 'focal_point') {
        focalPoints += 1;
      }
    });
    if (!focalPoints) {
      throw new ReaderCheckError('no_focal_point');
    }
    return recipients;
  }

  return Object.freeze({
    RecordFormatError: RecordFormatError,
    RecordSignatureError: RecordSignatureError,
    ReaderCheckError: ReaderCheckError,
    verifyRecord: verifyRecord,
    validOn: validOn,
    covers: covers,
    pinnedKeys: pinnedKeys,
    checkRecipients: checkRecipients,
  });
}));
