/*
 * report.js: encrypts the report form in the browser, then sends ciphertext only.
 *
 * Progressive enhancement of the one server-rendered form: without JavaScript the form posts as it
 * is and the server encrypts on arrival. With JavaScript this script takes over the submit event,
 * builds the case key pair, the codename and the RPTENV envelopes with rptenv.js, uploads the
 * attachment envelopes in parts (Tor Browser cannot stream a request body), then commits.
 * On any failure it says what happened and offers to retry or to send without JavaScript; it never
 * sends plaintext by itself. All user-visible text comes from the page (data-msg-* attributes and
 * the receipt <template>), so it is translated with the page.
 */
(function () {
  'use strict';

  var form = document.getElementById('report-form');
  var panel = document.getElementById('js-panel');
  if (!form || !panel || !window.fetch || !window.Blob || !window.Promise ||
      !window.crypto || !window.crypto.getRandomValues || !window.performance) {
    return;
  }
  var PIECE = 1 << 20; // plaintext read from a File at a time
  // The form's own address (/report, or /fr/report in French): the JSON endpoints live under it, so
  // they answer in the page's language and record it with the case.
  var base = form.getAttribute('action');
  var progress = document.getElementById('js-progress');
  var statusLine = document.getElementById('js-status');
  var failure = document.getElementById('js-failure');
  var failureText = document.getElementById('js-failure-text');
  var retryButton = document.getElementById('js-retry');
  var plainButton = document.getElementById('js-send-plain');
  var submitButton = form.querySelector('button[type=submit]');
  var busy = false;
  var language = form.getAttribute('data-codename-language') || 'en';
  // The one-time token the codename derives from (docs/codename-v2.md), made here so that the
  // server never learns it on this path; a retry of the same send reuses it and so finds the case
  // already stored instead of making a second one.
  var tokenInput = form.querySelector('input[name=form_token]');
  tokenInput.value = newToken();

  form.noValidate = true; // checked by fieldProblems, with the same field errors as the server's
  document.getElementById('js-path-note').hidden = false;
  // Tor Browser reports itself as Firefox; at "Safer" and "Safest" it has no WebAssembly. Anything
  // else is another browser, or Tor Browser at "Standard": say so (a hint, never a refusal).
  var looksLikeFirefox = /Firefox\//.test(navigator.userAgent) && !/Chrome\//.test(navigator.userAgent);
  document.getElementById('browser-hint').hidden =
    looksLikeFirefox && typeof WebAssembly === 'undefined';
  document.getElementById('server-path-note').hidden = true;

  // The chosen mechanism is not offered again under "share with" (it receives the report anyway).
  function hideChosenMechanism() {
    var chosen = form.querySelector('input[name=mechanism]:checked');
    Array.prototype.forEach.call(form.querySelectorAll('input[name=share_with]'), function (box) {
      var row = box.closest('.choice') || box.parentNode;
      var same = chosen !== null && box.value === chosen.value;
      row.hidden = same;
      if (same) {
        box.checked = false;
      }
    });
  }
  Array.prototype.forEach.call(form.querySelectorAll('input[name=mechanism]'), function (radio) {
    radio.addEventListener('change', hideChosenMechanism);
  });
  hideChosenMechanism();

  function message(name) {
    return panel.getAttribute('data-msg-' + name) || name;
  }

  function say(name, fraction) {
    statusLine.textContent = message(name);
    if (typeof fraction === 'number') {
      progress.hidden = false;
      progress.value = Math.round(fraction * 1000);
    }
  }

  // --- answers checked here, as the server checks them on the no-JavaScript path (forms.py) ------
  // The server cannot read what this path sends, so a blank or overlong answer is caught here.

  var REQUIRED_CHOICES = ['mechanism', 'urgency', 'submitter_role', 'consent_given_by'];
  var MAX_CHARS = {what_happened: 50000, when: 300, where: 300, location_now: 300, identity: 5000};
  var errorSummary = document.getElementById('js-errors');

  function fieldProblems(data) {
    var problems = [];
    REQUIRED_CHOICES.forEach(function (name) {
      if (!data.get(name)) {
        problems.push({name: name, text: panel.getAttribute('data-err-' + name)});
      }
    });
    var text = data.get('what_happened');
    if (typeof text !== 'string' || !text.trim()) {
      problems.push({name: 'what_happened', text: panel.getAttribute('data-err-what_happened')});
    }
    if (!data.get('consent_store_assess')) {
      problems.push({name: 'consent_store_assess',
        text: panel.getAttribute('data-err-consent_store_assess')});
    }
    Object.keys(MAX_CHARS).forEach(function (name) {
      var value = data.get(name);
      if (typeof value === 'string' && value.length > MAX_CHARS[name]) {
        problems.push({name: name, text: panel.getAttribute('data-err-too-long')
          .replace('{max}', String(MAX_CHARS[name]))});
      }
    });
    return problems;
  }

  // The element an error belongs to: a group of choices is its <fieldset id=name>, else the input.
  function fieldTarget(name) {
    return document.getElementById(name);
  }

  function firstInput(name) {
    return document.getElementById(name + '-0') || document.getElementById(name);
  }

  function clearFieldErrors() {
    errorSummary.hidden = true;
    errorSummary.querySelector('ul').textContent = '';
    Array.prototype.forEach.call(form.querySelectorAll('.js-field-error'), function (node) {
      node.remove();
    });
    Array.prototype.forEach.call(form.querySelectorAll('[data-js-invalid]'), function (node) {
      node.removeAttribute('aria-invalid');
      node.removeAttribute('data-js-invalid');
      var described = (node.getAttribute('aria-describedby') || '').split(' ').filter(
        function (id) { return id && id !== node.id + '-error'; });
      if (described.length) {
        node.setAttribute('aria-describedby', described.join(' '));
      } else {
        node.removeAttribute('aria-describedby');
      }
    });
  }

  function showFieldErrors(problems) {
    clearFieldErrors();
    var list = errorSummary.querySelector('ul');
    problems.forEach(function (problem) {
      var target = fieldTarget(problem.name);
      if (!target) {
        return;
      }
      var part = target.closest('details');
      if (part) {
        part.open = true;
      }
      var note = document.createElement('p');
      note.className = 'field-error js-field-error';
      note.id = target.id + '-error';
      var span = document.createElement('span');
      span.textContent = message('error-prefix') + ' ' + problem.text;
      note.appendChild(span);
      var container = target.tagName === 'FIELDSET' ? target : target.closest('.field');
      var anchor = container.querySelector('legend, label');
      if (anchor && anchor.parentNode === container) {
        anchor.after(note);
      } else {
        container.insertBefore(note, container.firstChild);
      }
      target.setAttribute('aria-invalid', 'true');
      target.setAttribute('data-js-invalid', '');
      var described = (target.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
      described.push(note.id);
      target.setAttribute('aria-describedby', described.join(' '));
      var item = document.createElement('li');
      var link = document.createElement('a');
      link.href = '#' + firstInput(problem.name).id;
      link.textContent = problem.text;
      item.appendChild(link);
      list.appendChild(item);
    });
    errorSummary.hidden = false;
    errorSummary.focus();
  }

  // A refusal that names a field (the server's detail starts with it) is shown on that field.
  function refusedField(error) {
    if (error.detail === 'no_recipients') {
      return {name: 'mechanism', text: panel.getAttribute('data-err-no_recipients')};
    }
    var named = /^([a-z_]+)(?:\.([a-z_]+))?/.exec(error.field || '');
    if (!named) {
      return null;
    }
    var name = named[2] ? named[1] + '_' + named[2] : named[1];
    var text = panel.getAttribute('data-err-' + name);
    return text && fieldTarget(name) ? {name: name, text: text} : null;
  }

  function csrfToken() {
    return form.querySelector('input[name=csrf_token]').value;
  }

  function newToken() {
    var bytes = new Uint8Array(32);
    window.crypto.getRandomValues(bytes);
    var text = btoa(String.fromCharCode.apply(null, bytes));
    return text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // --- the crypto code, fetched when the person sends (docs/browser-encryption.md) -------------
  // The page itself stays light; libsodium (about 300 KB compressed) comes only with Send.

  var cryptoLoaded = null;

  function addScript(listed) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement('script');
      script.src = listed.getAttribute('src');
      if (listed.getAttribute('integrity')) {
        script.integrity = listed.getAttribute('integrity');
      }
      script.async = false;
      script.onload = resolve;
      script.onerror = function () { reject(new StepError('network')); };
      document.body.appendChild(script);
    });
  }

  function loadCrypto() {
    if (!cryptoLoaded) {
      cryptoLoaded = (async function () {
        var listed = document.getElementById('crypto-scripts').content.querySelectorAll('script');
        for (var i = 0; i < listed.length; i += 1) {
          await addScript(listed[i]);
        }
        if (!window.RPTENV || !window.CODENAME || !window.READER_RECORDS) {
          throw new StepError('encryption');
        }
        await RPTENV.ready;
      })();
      cryptoLoaded.catch(function () { cryptoLoaded = null; });
    }
    return cryptoLoaded;
  }

  // --- how long encrypting the chosen files will take here ------------------------------------
  // Without WebAssembly or a JIT (Tor Browser at "Safer"), libsodium runs as interpreted
  // JavaScript, many times slower. Measured on a small sample, never guessed from the browser.

  var SAMPLE_BYTES = 512 * 1024;
  var PAUSE_ABOVE_SECONDS = 30;
  var slowChoice = document.getElementById('slow-choice');
  var slowAccepted = false;

  function encryptionSpeed() {
    var sample = new Uint8Array(SAMPLE_BYTES);
    for (var at = 0; at < sample.length; at += 65536) {
      window.crypto.getRandomValues(sample.subarray(at, at + 65536));
    }
    var keys = RPTENV.generateCaseKeyPair();
    var started = performance.now();
    var writer = new RPTENV.EnvelopeWriter([keys.publicKey], {kind: 'attachment', name: 'x'}, 16);
    writer.header();
    writer.push(sample);
    for (var chunk of writer.finishChunks()) {
      chunk.fill(0);
    }
    var seconds = Math.max((performance.now() - started) / 1000, 0.001);
    keys.privateKey.fill(0);
    return sample.length / seconds;
  }

  // Resolves when the person chooses to encrypt here; choosing the server sends the form instead.
  function askWhenSlow(totalBytes) {
    if (slowAccepted || totalBytes <= SAMPLE_BYTES * 2) {
      return Promise.resolve();
    }
    say('measuring');
    var seconds = totalBytes / encryptionSpeed();
    // data-pause-above-seconds on the form lets a test make the pause independent of the
    // machine's speed; people always get the default.
    if (seconds <= (Number(form.dataset.pauseAboveSeconds) || PAUSE_ABOVE_SECONDS)) {
      return Promise.resolve();
    }
    document.getElementById('slow-estimate').textContent = seconds <= 90
      ? message('estimate-seconds').replace('{seconds}', String(Math.ceil(seconds / 5) * 5))
      : message('estimate').replace('{minutes}', String(Math.ceil(seconds / 60)));
    slowChoice.hidden = false;
    slowChoice.focus();
    return new Promise(function (resolve) {
      document.getElementById('slow-here').onclick = function () {
        slowAccepted = true;
        slowChoice.hidden = true;
        resolve();
      };
      document.getElementById('slow-server').onclick = sendThroughServer;
    });
  }

  function todayUtc() {
    return new Date().toISOString().slice(0, 10);
  }

  function StepError(name, detail) {
    this.name = name;
    this.detail = detail;
  }

  async function request(method, url, body, contentType) {
    var headers = {'X-CSRFToken': csrfToken(), 'Accept': 'application/json'};
    if (contentType) {
      headers['Content-Type'] = contentType;
    }
    var response;
    try {
      response = await fetch(url, {
        method: method, body: body, headers: headers, credentials: 'same-origin',
        cache: 'no-store', redirect: 'error', referrerPolicy: 'same-origin'
      });
    } catch (error) {
      throw new StepError('network');
    }
    var data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (!response.ok) {
      var busyNow = response.status === 429 || response.status === 503;
      var failed = new StepError(busyNow ? 'busy' : 'refused', data && data.error);
      failed.field = data && typeof data.detail === 'string' ? data.detail : '';
      throw failed;
    }
    return data;
  }

  // The same answers object the server builds on the no-JavaScript path (ReportForm.report_data).
  // Names and contact details are not in it: they are sealed as their own item (identity).
  function answers(data) {
    var single = ['mechanism', 'what_happened', 'when', 'where', 'setting', 'state', 'location_now',
      'urgency', 'in_detention', 'relation', 'activity', 'submitter_role', 'victim_type',
      'gender', 'age_band'];
    var multiple = ['acts', 'perpetrators', 'profiles', 'other_grounds'];
    var result = {};
    single.forEach(function (name) {
      var value = data.get(name);
      if (typeof value === 'string' && value !== '') {
        result[name] = value;
      }
    });
    multiple.forEach(function (name) {
      var values = data.getAll(name).filter(function (v) { return typeof v === 'string'; });
      if (values.length) {
        result[name] = values;
      }
    });
    result.consent = consent(data);
    result.form = 'report';
    result.form_version = 1;
    var sorted = {};
    Object.keys(result).sort().forEach(function (key) { sorted[key] = result[key]; });
    return sorted;
  }

  function consent(data) {
    var choices = {store_assess: data.get('consent_store_assess') ? 'granted' : 'refused'};
    Array.prototype.forEach.call(form.querySelectorAll('input[type=radio][name^=consent_]:checked'),
      function (input) {
        var scope = input.name.slice('consent_'.length);
        if (scope !== 'given_by') {
          choices[scope] = input.value;
        }
      });
    var chosen = data.get('mechanism');
    choices.share_with = data.getAll('share_with').filter(function (code) { return code !== chosen; });
    choices.given_by = data.get('consent_given_by');
    return choices;
  }

  function chosenFiles() {
    var input = form.querySelector('input[type=file][name=attachments]');
    return input && input.files ? Array.prototype.slice.call(input.files) : [];
  }

  async function uploadFile(file, casePublicKey, done, total) {
    var start = await request('POST', base + '/uploads');
    var writer = new RPTENV.EnvelopeWriter([casePublicKey], {
      kind: 'attachment', name: file.name, type: file.type || 'application/octet-stream',
      created: todayUtc()
    }, 16);
    var pending = [writer.header()];
    var pendingSize = pending[0].length;
    var part = 0;
    var partSize = start.part_size || (4 << 20);
    async function flush() {
      var body = new Uint8Array(pendingSize);
      var at = 0;
      pending.forEach(function (chunk) {
        body.set(chunk, at);
        at += chunk.length;
      });
      await request('POST', base + '/uploads/' + encodeURIComponent(start.upload) + '/parts/' + part,
        body, 'application/octet-stream');
      part += 1;
      pending = [];
      pendingSize = 0;
    }
    function keep(chunks) {
      chunks.forEach(function (chunk) {
        pending.push(chunk);
        pendingSize += chunk.length;
      });
    }
    for (var offset = 0; offset < file.size; offset += PIECE) {
      var plain;
      try {
        plain = new Uint8Array(await file.slice(offset, offset + PIECE).arrayBuffer());
      } catch (error) {
        throw new StepError('file');
      }
      keep(writer.push(plain));
      plain.fill(0);
      if (pendingSize >= partSize) {
        await flush();
      }
      say('uploading', (done + Math.min(offset + PIECE, file.size)) / total);
    }
    for (var chunk of writer.finishChunks()) {
      keep([chunk]);
      if (pendingSize >= partSize) {
        await flush();
      }
    }
    if (pendingSize > 0) {
      await flush();
    }
    return start.upload;
  }

  // Seal only to keys the organisation certified (docs/spec/reader-record-v1.md): every offered
  // key must carry a record that verifies against the keys pinned in this page, is valid today and
  // covers the mechanism; otherwise nothing is encrypted or sent.
  async function certifiedKeys(mechanism) {
    var keys = await request('GET', base + '/keys/' + encodeURIComponent(mechanism));
    await RPTENV.ready;
    try {
      READER_RECORDS.checkRecipients(keys && keys.recipients, mechanism,
        panel.getAttribute('data-org-keys'), todayUtc());
    } catch (error) {
      throw new StepError('unsigned');
    }
    return keys;
  }

  function caseSuite(recipients) {
    var hybrid = recipients.length > 0 && recipients.every(function (r) {
      return RPTENV.fromBase64(r.public_key).length === RPTENV.XWING_PUBLIC_KEY_SIZE;
    });
    return hybrid ? RPTENV.SUITE_HYBRID : RPTENV.SUITE_CLASSICAL;
  }

  async function sendEncrypted() {
    var data = new FormData(form);
    var mechanism = data.get('mechanism');
    say('preparing', 0);
    await loadCrypto();
    var files = chosenFiles();
    var total = files.reduce(function (sum, f) { return sum + f.size; }, 0) || 1;
    await askWhenSlow(total);
    say('preparing', 0);
    var keys = await certifiedKeys(mechanism);
    var words;
    try {
      var wordResponse = await fetch(base + '/words/' + encodeURIComponent(language) + '.txt',
        {credentials: 'same-origin'});
      if (!wordResponse.ok) {
        throw new StepError('network');
      }
      words = (await wordResponse.text()).split('\n').filter(function (w) { return w; });
    } catch (error) {
      throw new StepError('network');
    }
    await RPTENV.ready;
    var codename = CODENAME.fromSecret(CODENAME.tokenSecret(tokenInput.value), language, words);
    var submitter = CODENAME.deriveKeys(codename, language);
    // One suite for every key and envelope of the case: X-Wing when every reader holds a hybrid
    // key, X25519 otherwise (docs/spec/rptenv-v2.md sections 3-4). The server checks the same.
    var suite = caseSuite(keys.recipients);
    var caseKeys = RPTENV.generateCaseKeyPair(suite);
    say('encrypting', 0);
    var report = RPTENV.encryptBytes(new TextEncoder().encode(JSON.stringify(answers(data))),
      [caseKeys.publicKey], {kind: 'report', created: todayUtc()}, 12);
    // The identity gets a key of its own, sealed to the same readers: sharing the case key with
    // another mechanism never hands it over (docs/spec/rptenv-v1-identity.md).
    var identityText = (data.get('identity') || '').trim();
    var identityKeys = identityText ? RPTENV.generateCaseKeyPair(suite) : null;
    var identity = identityKeys ? RPTENV.encryptBytes(new TextEncoder().encode(identityText),
      [identityKeys.publicKey], {kind: 'identity', created: todayUtc()}, 12) : null;
    var uploads = [];
    var done = 0;
    for (var i = 0; i < files.length; i += 1) {
      uploads.push(await uploadFile(files[i], caseKeys.publicKey, done, total));
      done += files[i].size;
    }
    say('committing', 1);
    var receipt;
    for (var attempt = 0; ; attempt += 1) {
      var payload = {
        mechanism: mechanism,
        urgency: data.get('urgency'),
        in_detention: data.get('in_detention') || null,
        consent: consent(data),
        case_public_key: RPTENV.toBase64(caseKeys.publicKey),
        submitter_public_key: RPTENV.toBase64(suite === RPTENV.SUITE_HYBRID
          ? submitter.hybridSubmitterPublicKey : submitter.submitterPublicKey),
        lookup_tag: RPTENV.toBase64(submitter.lookupTag),
        access: keys.recipients.map(function (r) {
          return {reviewer: r.id, public_key: r.public_key, sealed_case_key: RPTENV.toBase64(
            RPTENV.sealCaseKey(caseKeys.privateKey, RPTENV.fromBase64(r.public_key)))};
        }),
        report: RPTENV.toBase64(report),
        attachments: uploads
      };
      if (identityKeys) {
        payload.identity = RPTENV.toBase64(identity);
        payload.identity_access = keys.recipients.map(function (r) {
          return {reviewer: r.id, sealed_item_key: RPTENV.toBase64(
            RPTENV.sealCaseKey(identityKeys.privateKey, RPTENV.fromBase64(r.public_key)))};
        });
      }
      try {
        receipt = await request('POST', base + '/commit', JSON.stringify(payload), 'application/json');
        break;
      } catch (error) {
        // The focal points of the mechanism changed meanwhile: seal the case key to the new list.
        if (attempt === 0 && error.detail === 'recipients_changed') {
          keys = await certifiedKeys(mechanism);
          continue;
        }
        throw error;
      }
    }
    caseKeys.privateKey.fill(0);
    if (identityKeys) {
      identityKeys.privateKey.fill(0);
    }
    submitter.submitterSecretKey.fill(0);
    submitter.hybridSubmitterSeed.fill(0);
    showReceipt(codename, receipt, [mechanism].concat(data.getAll('share_with')));
  }

  // Until the person confirms they wrote the codename down, nothing on the page leads away from
  // it: the site's links are hidden and leaving or reloading asks first.
  function holdThePage(event) {
    event.preventDefault();
    event.returnValue = '';
    return '';
  }

  function siteLinks(shown) {
    Array.prototype.forEach.call(document.querySelectorAll(
      'header.site nav, header.site .brand a'), function (node) {
      node.hidden = !shown;
    });
  }

  function showReceipt(codename, receipt, readable) {
    var template = document.getElementById('receipt-template');
    var fragment = template.content.cloneNode(true);
    // Who can read it: the chosen mechanism's readers and those of each "share with" choice,
    // copied from the form's list (the page carries each list once).
    var readerList = slot('readers');
    Array.prototype.forEach.call(form.querySelectorAll('[data-readers-for]'), function (node) {
      if (readable.indexOf(node.getAttribute('data-readers-for')) >= 0) {
        readerList.appendChild(node.cloneNode(true));
      }
    });
    function slot(name) {
      return fragment.querySelector('[data-slot=' + name + ']');
    }
    function fill(name, text) {
      var node = slot(name);
      if (node) {
        node.textContent = text;
      }
    }
    slot(receipt.repeat ? 'heading-new' : 'heading-repeat').remove();
    if (!receipt.repeat) {
      slot('repeat-line').remove();
    }
    var list = slot('codename-words');
    codename.split(' ').forEach(function (word) {
      var item = document.createElement('li');
      item.textContent = word;
      list.appendChild(item);
    });
    list.setAttribute('lang', language);
    slot('codename').setAttribute('lang', language);
    fill('codename', codename);
    fill('date', receipt.created);
    fill('mechanism', receipt.mechanism);
    if (!receipt.files) {
      slot('files-line').remove();
    } else {
      fill('files', String(receipt.files));
    }
    var main = document.getElementById('main');
    main.textContent = '';
    main.appendChild(fragment);
    siteLinks(false);
    window.addEventListener('beforeunload', holdThePage);
    main.querySelector('[data-slot=confirm]').addEventListener('click', function () {
      var part = main.querySelector('[data-slot=codename-part]');
      part.remove();
      main.querySelector('[data-slot=after]').hidden = false;
      window.removeEventListener('beforeunload', holdThePage);
      siteLinks(true);
      main.querySelector('h1').focus();
    });
    document.title = main.querySelector('h1').textContent;
    main.querySelector('h1').focus();
    window.scrollTo(0, 0);
  }

  function showFailure(error) {
    var name = error instanceof StepError ? error.name : 'encryption';
    var named = error instanceof StepError && error.name === 'refused' ? refusedField(error) : null;
    if (named) {
      showFieldErrors([named]);
      name = 'fields';
    }
    failureText.textContent = message('failed-' + name);
    failure.hidden = false;
    progress.hidden = true;
    statusLine.textContent = '';
    failure.focus();
  }

  async function run() {
    if (busy) {
      return;
    }
    var problems = fieldProblems(new FormData(form));
    if (problems.length) {
      showFieldErrors(problems);
      return;
    }
    clearFieldErrors();
    busy = true;
    failure.hidden = true;
    submitButton.disabled = true;
    try {
      await sendEncrypted();
    } catch (error) {
      showFailure(error);
    } finally {
      busy = false;
      submitButton.disabled = false;
    }
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    run();
  });
  retryButton.addEventListener('click', run);
  // Only when the person chooses it: the form posts as it would without JavaScript.
  function sendThroughServer() {
    window.removeEventListener('beforeunload', holdThePage);
    HTMLFormElement.prototype.submit.call(form);
  }
  plainButton.addEventListener('click', sendThroughServer);
})();
