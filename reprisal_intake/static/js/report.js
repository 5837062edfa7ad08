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
  if (!form || !panel || !window.RPTENV || !window.READER_RECORDS || !window.fetch || !window.Blob) {
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

  document.getElementById('js-path-note').hidden = false;
  document.getElementById('server-path-note').hidden = true;

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

  function csrfToken() {
    return form.querySelector('input[name=csrf_token]').value;
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
      throw new StepError(busyNow ? 'busy' : 'refused', data && data.error);
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
    choices.share_with = data.getAll('share_with');
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

  async function sendEncrypted() {
    var data = new FormData(form);
    var mechanism = data.get('mechanism');
    say('preparing', 0);
    var keys = await certifiedKeys(mechanism);
    var words;
    try {
      var wordResponse = await fetch(base + '/wordlist.txt', {credentials: 'same-origin'});
      words = (await wordResponse.text()).split('\n').filter(function (w) { return w; });
    } catch (error) {
      throw new StepError('network');
    }
    await RPTENV.ready;
    var codename = RPTENV.generateCodename(words);
    var submitter = RPTENV.deriveCodenameKeys(codename);
    var caseKeys = RPTENV.generateCaseKeyPair();
    say('encrypting', 0);
    var report = RPTENV.encryptBytes(new TextEncoder().encode(JSON.stringify(answers(data))),
      [caseKeys.publicKey], {kind: 'report', created: todayUtc()}, 12);
    // The identity gets a key of its own, sealed to the same readers: sharing the case key with
    // another mechanism never hands it over (docs/spec/rptenv-v1-identity.md).
    var identityText = (data.get('identity') || '').trim();
    var identityKeys = identityText ? RPTENV.generateCaseKeyPair() : null;
    var identity = identityKeys ? RPTENV.encryptBytes(new TextEncoder().encode(identityText),
      [identityKeys.publicKey], {kind: 'identity', created: todayUtc()}, 12) : null;
    var files = chosenFiles();
    var total = files.reduce(function (sum, f) { return sum + f.size; }, 0) || 1;
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
        submitter_public_key: RPTENV.toBase64(submitter.submitterPublicKey),
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
    showReceipt(codename, receipt, [mechanism].concat(data.getAll('share_with')));
  }

  function showReceipt(codename, receipt, readable) {
    var template = document.getElementById('receipt-template');
    var fragment = template.content.cloneNode(true);
    // Who can read it: the chosen mechanism's readers and those of each "share with" choice.
    Array.prototype.forEach.call(fragment.querySelectorAll('[data-readers-for]'), function (node) {
      if (readable.indexOf(node.getAttribute('data-readers-for')) < 0) {
        node.remove();
      }
    });
    function fill(slot, text) {
      var node = fragment.querySelector('[data-slot=' + slot + ']');
      if (node) {
        node.textContent = text;
      }
    }
    fill('codename', codename);
    fill('date', receipt.created);
    fill('mechanism', receipt.mechanism);
    if (!receipt.files) {
      var files = fragment.querySelector('[data-slot=files-line]');
      if (files) {
        files.remove();
      }
    } else {
      fill('files', String(receipt.files));
    }
    var main = document.getElementById('main');
    main.textContent = '';
    main.appendChild(fragment);
    document.title = main.querySelector('h1').textContent;
    main.querySelector('h1').focus();
    window.scrollTo(0, 0);
  }

  function showFailure(error) {
    var name = error instanceof StepError ? error.name : 'encryption';
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
  plainButton.addEventListener('click', function () {
    HTMLFormElement.prototype.submit.call(form);
  });
})();
