/*
 * codename.js: codenames version 2 in the browser (docs/codename-v2.md, normative).
 *
 * The same bytes as crypto/codename.py (codename_from_secret, derive_codename_v2_keys); the
 * vectors in tests/vectors/codename-v2.json pin both. Needs libsodium-wrappers (global `sodium`
 * in a browser; in node, the copy rptenv.js loads). No network access, no logging.
 */
(function (root, factory) {
  'use strict';
  if (typeof module === 'object' && module && module.exports && typeof require === 'function') {
    module.exports = factory(require('./rptenv.js').sodium);
  } else {
    root.CODENAME = factory(root.sodium);
  }
}(typeof globalThis !== 'undefined' ? globalThis : (typeof self !== 'undefined' ? self : this),
function (sodium) {
  'use strict';

  const MIN_BITS = 128;
  const SECRET_SIZE = 32;
  const LANGUAGES = ['en', 'es', 'fr', 'ru', 'zh'];

  function ascii(text) {
    return Uint8Array.from(text, function (c) { return c.charCodeAt(0); });
  }

  function concat(parts) {
    let size = 0;
    parts.forEach(function (p) { size += p.length; });
    const out = new Uint8Array(size);
    let at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  function checkLanguage(language) {
    if (LANGUAGES.indexOf(language) < 0) {
      throw new TypeError('no codename word list for ' + language);
    }
  }

  /** The fewest words of a list of `size` words that carry at least 128 bits. */
  function wordCount(size) {
    return Math.ceil(MIN_BITS / Math.log2(size));
  }

  /** The codename a 32-byte secret gives in `language`, with that language's list `words`. */
  function fromSecret(secret, language, words) {
    checkLanguage(language);
    if (!(secret instanceof Uint8Array) || secret.length !== SECRET_SIZE) {
      throw new TypeError('a codename secret is 32 bytes');
    }
    if (!Array.isArray(words) || words.length < 2) {
      throw new TypeError('the word list must be an Array of words');
    }
    let bits = 0;
    while ((1 << bits) < words.length) {
      bits += 1;
    }
    const mask = (1 << bits) - 1;
    const wanted = wordCount(words.length);
    const label = concat([ascii('RPTENV codename v2 words'), [0], ascii(language), [0]]);
    const chosen = [];
    for (let counter = 0; chosen.length < wanted; counter += 1) {
      const count = new Uint8Array([counter >>> 24, (counter >>> 16) & 255, (counter >>> 8) & 255,
        counter & 255]);
      const block = sodium.crypto_generichash(64, concat([label, count]), secret);
      for (let i = 0; i < block.length && chosen.length < wanted; i += 2) {
        const value = ((block[i] << 8) | block[i + 1]) & mask;
        if (value < words.length) {
          chosen.push(words[value]);
        }
      }
    }
    return chosen.join(' ');
  }

  /**
   * {lookupTag, submitterPublicKey, submitterSecretKey, hybridSubmitterPublicKey,
   * hybridSubmitterSeed} of a codename exactly as listed. The hybrid pair is the X-Wing (suite 2)
   * submitter key: its 32-byte seed and its 1216-byte public key.
   */
  function deriveKeys(codename, language) {
    checkLanguage(language);
    const message = concat([ascii('RPTENV codename v2'), [0], ascii(language), [0],
      sodium.from_string(codename)]);
    const rootKey = sodium.crypto_generichash(32, message);
    try {
      const lookupTag = sodium.crypto_generichash(32, ascii('RPTENV v1 lookup tag'), rootKey);
      const secretKey = sodium.crypto_generichash(32, ascii('RPTENV v1 submitter key'), rootKey);
      const hybridSeed = sodium.crypto_generichash(32,
        ascii('RPTENV codename v2 X-Wing submitter key'), rootKey);
      const hybridPair = sodium.crypto_kem_xwing_seed_keypair(hybridSeed);
      hybridPair.privateKey.fill(0);
      return {
        lookupTag: lookupTag,
        submitterPublicKey: sodium.crypto_scalarmult_base(secretKey),
        submitterSecretKey: secretKey,
        hybridSubmitterPublicKey: hybridPair.publicKey,
        hybridSubmitterSeed: hybridSeed,
      };
    } finally {
      rootKey.fill(0);
    }
  }

  /** A fresh one-time form token: 32 random bytes, base64url without padding (43 characters). */
  function newToken() {
    return sodium.to_base64(sodium.randombytes_buf(SECRET_SIZE),
      sodium.base64_variants.URLSAFE_NO_PADDING);
  }

  /** The secret a form token carries. */
  function tokenSecret(token) {
    const secret = sodium.from_base64(token, sodium.base64_variants.URLSAFE_NO_PADDING);
    if (secret.length !== SECRET_SIZE) {
      throw new TypeError('a form token carries 32 bytes');
    }
    return secret;
  }

  return Object.freeze({
    LANGUAGES: Object.freeze(LANGUAGES.slice()),
    MIN_BITS: MIN_BITS,
    wordCount: wordCount,
    fromSecret: fromSecret,
    deriveKeys: deriveKeys,
    newToken: newToken,
    tokenSecret: tokenSecret,
  });
}));
