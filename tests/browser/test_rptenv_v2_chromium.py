"""Suite 2 (X-Wing) in Debian's Chromium: rptenv.js with the vendored libsodium.js against the
Python `crypto` package, both ways, with the JIT (WebAssembly) and with --js-flags=--jitless (no
WebAssembly: libsodium.js's JavaScript build).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nacl.public import PrivateKey

import crypto
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "reprisal_intake" / "static"
SCRIPTS = [
    STATIC / "vendor" / "libsodium" / "libsodium.js",
    STATIC / "js" / "libsodium-ready.js",  # as the report page loads them
    STATIC / "vendor" / "libsodium" / "libsodium-wrappers.js",
    STATIC / "js" / "rptenv.js",
    STATIC / "js" / "codename.js",
]
CASE_VECTORS = json.loads((ROOT / "tests" / "vectors" / "case-v2.json").read_text("utf-8"))
XWING_VECTORS = json.loads((ROOT / "tests" / "vectors" / "xwing-draft.json").read_text("utf-8"))
REPORT = json.dumps({"what": "arrested at the airport after the session", "where": "T2"}).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


@pytest.fixture(scope="module", params=["jit", "jitless"])
def page(playwright: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    args = [*CHROMIUM_ARGS] + (["--js-flags=--jitless"] if request.param == "jitless" else [])
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    try:
        tab = browser.new_page()
        tab.goto("about:blank")
        for script in SCRIPTS:
            tab.add_script_tag(path=str(script))
        tab.evaluate("() => RPTENV.ready")
        has_wasm = tab.evaluate("() => typeof WebAssembly === 'object'")
        assert has_wasm == (request.param == "jit")
        yield tab
    finally:
        browser.close()


def test_libsodium_js_xwing_in_chromium_passes_the_draft_vectors(page: Any) -> None:
    results = page.evaluate(
        """(vectors) => vectors.map((v) => {
            const s = RPTENV.sodium;
            const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
            const unhex = (t) => Uint8Array.from(t.match(/../g), (h) => parseInt(h, 16));
            const pair = s.crypto_kem_xwing_seed_keypair(unhex(v.seed));
            const enc = s.crypto_kem_xwing_enc_deterministic(pair.publicKey, unhex(v.eseed));
            return [hex(pair.publicKey) === v.pk, hex(enc.ciphertext) === v.ct,
                    hex(enc.sharedSecret) === v.ss,
                    hex(s.crypto_kem_xwing_dec(unhex(v.ct), unhex(v.seed))) === v.ss];
        })""",
        XWING_VECTORS["vectors"],
    )
    assert results == [[True, True, True, True]] * 3


def test_chromium_seals_a_hybrid_case_python_opens(page: Any) -> None:
    hybrid, classical = crypto.generate_hybrid_key(), crypto.generate_keypair()
    answer = page.evaluate(
        """([report, readers]) => {
            const R = RPTENV;
            const caseKey = R.generateCaseKeyPair(R.SUITE_HYBRID);
            const envelope = R.encryptBytes(R.fromBase64(report), [caseKey.publicKey], { kind: 'report' });
            return {
                casePublicKey: R.toBase64(caseKey.publicKey),
                envelope: R.toBase64(envelope),
                stanzas: readers.map((pk) => R.toBase64(R.sealCaseKey(caseKey.privateKey, R.fromBase64(pk)))),
            };
        }""",
        [b64(REPORT), [b64(bytes(hybrid.public_key)), b64(bytes(classical.public_key))]],
    )
    stanzas = [unb64(s) for s in answer["stanzas"]]
    assert [len(s) for s in stanzas] == [1168, 80]
    envelope = unb64(answer["envelope"])
    assert envelope[6:8] == b"\x02\x02"
    case_public_key = crypto.reader_public_key_from_base64(answer["casePublicKey"])
    for reader in (hybrid, classical):
        case_key = crypto.open_case_key(stanzas, reader, case_public_key=case_public_key)
        assert crypto.decrypt(envelope, case_key) == ({"v": 1, "kind": "report"}, REPORT)
    with pytest.raises(crypto.NotARecipientError):
        crypto.open_case_key(stanzas, PrivateKey(hybrid.x25519_secret_key))


def test_python_seals_chromium_opens(page: Any) -> None:
    reader_seed = page.evaluate(
        "() => { const k = RPTENV.generateCaseKeyPair(2); window.readerSeed = k.privateKey;"
        " return RPTENV.toBase64(k.publicKey); }"
    )
    reader_public_key = crypto.reader_public_key_from_base64(reader_seed)
    case_key = crypto.generate_hybrid_key()
    envelope = crypto.encrypt(REPORT, [case_key.public_key], {"kind": "reply"})
    stanza = crypto.seal_case_key(case_key, reader_public_key)
    opened = page.evaluate(
        """([stanza, envelope]) => {
            const R = RPTENV;
            const caseSecret = R.openCaseKey(R.fromBase64(stanza), window.readerSeed, R.SUITE_HYBRID);
            const opened = R.openEnvelope(R.fromBase64(envelope), caseSecret, R.SUITE_HYBRID);
            let refused = '';
            try { R.openEnvelope(R.fromBase64(envelope), caseSecret); } catch (e) { refused = e.name; }
            return { data: R.toBase64(opened.data), kind: opened.metadata.kind, refused: refused };
        }""",
        [b64(stanza), b64(envelope)],
    )
    assert opened == {"data": b64(REPORT), "kind": "reply", "refused": "NotARecipientError"}


def test_chromium_passes_the_codename_x_wing_submitter_and_suite_2_case_vectors(page: Any) -> None:
    """tests/vectors/case-v2.json in the browser, as in Python and node."""
    results = page.evaluate(
        """(vectors) => {
            const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
            const unhex = (t) => Uint8Array.from(t.match(/../g), (h) => parseInt(h, 16));
            const text = (b) => new TextDecoder().decode(b);
            const keys = vectors.submitter_keys.map((v) => {
                const k = CODENAME.deriveKeys(v.codename, v.language);
                return hex(k.hybridSubmitterSeed) === v.xwing_submitter_seed &&
                    hex(k.hybridSubmitterPublicKey) === v.xwing_submitter_public_key;
            });
            const c = vectors.case;
            const seed = RPTENV.openCaseKey(unhex(c.access_stanza), unhex(c.reviewer_seed), 2);
            const submitter = CODENAME.deriveKeys(c.codename, c.language);
            let classicalRefused = false;
            try {
                RPTENV.openEnvelope(unhex(c.reply), submitter.submitterSecretKey, 1);
            } catch (error) {
                classicalRefused = error instanceof RPTENV.NotARecipientError;
            }
            return {
                keys: keys,
                caseSeed: hex(seed),
                casePublicKey: hex(RPTENV.publicKeyFromSecretKey(seed, 2)),
                report: text(RPTENV.openEnvelope(unhex(c.report), seed, 2).data),
                replyByCase: text(RPTENV.openEnvelope(unhex(c.reply), seed, 2).data),
                replyBySubmitter: text(RPTENV.openEnvelope(unhex(c.reply),
                    submitter.hybridSubmitterSeed, 2).data),
                classicalRefused: classicalRefused,
            };
        }""",
        CASE_VECTORS,
    )
    case = CASE_VECTORS["case"]
    assert results == {
        "keys": [True] * len(CASE_VECTORS["submitter_keys"]),
        "caseSeed": case["case_seed"],
        "casePublicKey": case["case_public_key"],
        "report": case["report_plaintext"],
        "replyByCase": case["reply_plaintext"],
        "replyBySubmitter": case["reply_plaintext"],
        "classicalRefused": True,
    }
