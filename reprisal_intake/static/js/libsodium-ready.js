/*
 * Loaded between the vendored libsodium.js and libsodium-wrappers.js (0.8.4).
 *
 * When WebAssembly is missing (Tor Browser at "Safer") or refused by the page's policy, libsodium.js
 * switches to its pure-JavaScript build, and once that build is up it deletes every own property of
 * the module object, `ready` included, and copies the new build's functions in. In a browser that
 * happens in the microtasks between <script> elements, so libsodium-wrappers.js could find no
 * `ready` promise and fail to load. Keeping the same promise on the module's prototype survives the
 * deletion (only own properties are deleted); it resolves once the fallback build is initialised.
 */
(function (root) {
  'use strict';
  var module = root.libsodium;
  if (!module || typeof module !== 'object') {
    return;
  }
  if (module.ready && typeof module.ready.then === 'function') {
    Object.setPrototypeOf(module, {ready: module.ready});
  } else if (typeof module._sodium_init === 'function') {
    // The fallback build finished before this script ran: the module is ready.
    Object.setPrototypeOf(module, {ready: Promise.resolve()});
  }
})(this);
