// WebAuthn security keys for the admin app. The only script it runs: TOTP works without it.
// Buttons carry their endpoints and the CSRF token in data- attributes (no inline script).
"use strict";
(function () {
  function toBytes(b64url) {
    const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((b64url.length + 3) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }
  function toB64url(buffer) {
    let text = "";
    new Uint8Array(buffer).forEach((b) => { text += String.fromCharCode(b); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  async function post(url, csrf, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: body === undefined ? "{}" : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || message("refused"));
    return data;
  }
  // The page's language: messages come from the error box's data- attributes.
  function message(name) {
    const box = document.getElementById("webauthn-error");
    return (box && box.dataset[name]) || name;
  }
  function showError(text) {
    const box = document.getElementById("webauthn-error");
    if (box) { box.textContent = text; box.hidden = false; }
  }
  async function register(button) {
    const options = await post(button.dataset.optionsUrl, button.dataset.csrf);
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    (options.excludeCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
    const credential = await navigator.credentials.create({ publicKey: options });
    const result = await post(button.dataset.verifyUrl, button.dataset.csrf, {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toB64url(credential.response.clientDataJSON),
        attestationObject: toB64url(credential.response.attestationObject),
      },
    });
    window.location.assign(result.redirect);
  }
  async function signIn(button) {
    const options = await post(button.dataset.optionsUrl, button.dataset.csrf);
    options.challenge = toBytes(options.challenge);
    (options.allowCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
    const credential = await navigator.credentials.get({ publicKey: options });
    const result = await post(button.dataset.verifyUrl, button.dataset.csrf, {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toB64url(credential.response.clientDataJSON),
        authenticatorData: toB64url(credential.response.authenticatorData),
        signature: toB64url(credential.response.signature),
        userHandle: credential.response.userHandle ? toB64url(credential.response.userHandle) : null,
      },
    });
    window.location.assign(result.redirect);
  }
  function bind(id, action) {
    const button = document.getElementById(id);
    if (!button) return;
    if (!window.PublicKeyCredential) {
      button.disabled = true;
      showError(message("unsupported"));
      return;
    }
    button.addEventListener("click", () => {
      action(button).catch((error) => showError(error.message || String(error)));
    });
  }
  document.addEventListener("DOMContentLoaded", () => {
    bind("webauthn-register", register);
    bind("webauthn-signin", signIn);
  });
})();
