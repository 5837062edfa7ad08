"""What suite 2 (X-Wing) costs beside suite 1 (X25519), measured in the same run.

    .venv/bin/python bench/pq_cost.py            # ~30 s; node optional (browser library figures)

Prints, for each suite: sealing and opening one stanza (a file key, and a case key for a reviewer),
the stanza and header sizes, what the intake's server path spends sealing one report to 3 readers
(a case key of the suite, the report's envelope, 3 access stanzas, the submitter public key of the
suite from the codename: X-Wing for suite 2) and a reader spends opening it; then the same
report encrypted by the browser library (rptenv.js, libsodium.js with and without WebAssembly) in
Debian's Chromium (via Playwright) and under node. The two suites are timed in alternating rounds (suite 1, suite 2, suite 1, ...) and each
figure is the best round (the mean of a batch of calls): on a shared machine the best round is the
least disturbed one. Each ratio divides figures of this run only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import machine  # noqa: E402
from crypto import (  # noqa: E402
    CHUNK_LOG2_TEXT,
    CaseKey,
    decrypt,
    encrypt,
    generate_hybrid_key,
    generate_keypair,
    open_case_key,
    seal_case_key,
)
from crypto.codename import derive_codename_v2_keys  # noqa: E402
from crypto.envelope import header_size  # noqa: E402
from crypto.stanzas import (  # noqa: E402
    FILE_KEY_LABEL,
    SUITE_STANZA_SIZES,
    open_stanza,
    seal_stanza,
)

NODE_SCRIPT = ROOT / "bench" / "pq_cost_node.js"
REPORT = json.dumps({"what": "x" * 3000, "where": "airport", "when": "2026-11-30"}).encode()
READERS = 3
CODENAME = "spectrum embellish mockup navy bottom gravy ipod favored hazard freight"


def best_ms(
    actions: tuple[Callable[[], object], Callable[[], object]], *, rounds: int = 9, batch: int = 30
) -> tuple[float, float]:
    """For (suite 1, suite 2): the best of `rounds` alternating rounds of `batch` calls, in ms."""
    samples: tuple[list[float], list[float]] = ([], [])
    for action in actions:
        action()
    for _ in range(rounds):
        for action, found in zip(actions, samples, strict=True):
            start = time.perf_counter()
            for _ in range(batch):
                action()
            found.append((time.perf_counter() - start) / batch * 1000)
    return min(samples[0]), min(samples[1])


def new_key(suite: int) -> CaseKey:
    return generate_hybrid_key() if suite == 2 else generate_keypair()


def python_actions(suite: int) -> dict[str, Callable[[], object]]:
    reader = new_key(suite)
    readers = [new_key(suite) for _ in range(READERS)]
    secret = bytes(32)
    stanza = seal_stanza(secret, reader.public_key, FILE_KEY_LABEL)
    case_key = new_key(suite)
    access = seal_case_key(case_key, reader.public_key)

    def seal_report() -> tuple[bytes, list[bytes]]:
        # As the no-JS path does: the case key and the submitter key are of the readers' suite.
        submitter = derive_codename_v2_keys(CODENAME, "en").submitter_public_key(suite)
        key = new_key(suite)
        envelope = encrypt(REPORT, [key.public_key], {"kind": "report"}, chunk_log2=CHUNK_LOG2_TEXT)
        assert len(bytes(submitter)) in (32, 1216)
        return envelope, [seal_case_key(key, r.public_key) for r in readers]

    envelope, stanzas = seal_report()

    def open_report() -> bytes:
        key = open_case_key(stanzas, readers[-1], case_suite=suite)
        return decrypt(envelope, key)[1]

    return {
        "keygen": lambda: new_key(suite),
        "seal file-key stanza": lambda: seal_stanza(secret, reader.public_key, FILE_KEY_LABEL),
        "open file-key stanza": lambda: open_stanza(stanza, reader, FILE_KEY_LABEL),
        "seal access stanza": lambda: seal_case_key(case_key, reader.public_key),
        "open access stanza": lambda: open_case_key([access], reader, case_suite=suite),
        "seal a report to 3 readers (server)": seal_report,
        "open that report (3rd reader's stanza)": open_report,
    }


def node_figures() -> dict[str, dict[str, float]] | None:
    node = shutil.which("node")
    if node is None:
        return None
    figures: dict[str, dict[str, float]] = {}
    for build, flags in (("WebAssembly", []), ("JavaScript (no WebAssembly)", ["--noexpose-wasm"])):
        result = subprocess.run(  # noqa: S603 - node from PATH, fixed arguments
            [node, *flags, str(NODE_SCRIPT), str(len(REPORT)), str(READERS)],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        figures[build] = json.loads(result.stdout)
    return figures


CHROMIUM = Path("/usr/bin/chromium")
PAGE_SCRIPTS = [
    ROOT / "reprisal_intake/static/vendor/libsodium/libsodium.js",
    ROOT / "reprisal_intake/static/js/libsodium-ready.js",
    ROOT / "reprisal_intake/static/vendor/libsodium/libsodium-wrappers.js",
    ROOT / "reprisal_intake/static/js/rptenv.js",
    ROOT / "reprisal_intake/static/js/codename.js",
]
# As report.js does: the codename's keys (codename.js derives the X-Wing submitter key for either
# suite), a case key of the readers' suite, the report's envelope, one access stanza per reader.
PAGE_TIMING = """([reportBytes, readerCount, codename]) => {
    const R = RPTENV;
    const report = new Uint8Array(reportBytes).fill(120);
    const actions = [1, 2].map((suite) => {
        const readers = Array.from({ length: readerCount }, () => R.generateCaseKeyPair(suite));
        return () => {
            const submitter = CODENAME.deriveKeys(codename, 'en');
            submitter.hybridSubmitterSeed.fill(0);
            const key = R.generateCaseKeyPair(suite);
            R.encryptBytes(report, [key.publicKey], { kind: 'report' }, 12);
            for (const reader of readers) R.sealCaseKey(key.privateKey, reader.publicKey);
        };
    });
    const best = [Infinity, Infinity];
    actions.forEach((action) => action());
    for (let round = 0; round < 9; round++) {
        actions.forEach((action, index) => {
            const start = performance.now();
            for (let i = 0; i < 6; i++) action();
            best[index] = Math.min(best[index], (performance.now() - start) / 6);
        });
    }
    return best;
}"""


def chromium_figures() -> dict[str, list[float]] | None:
    """Encrypting a report to 3 readers in Debian's Chromium, with the JIT and --jitless."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not CHROMIUM.exists():
        return None
    base = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    figures: dict[str, list[float]] = {}
    with sync_playwright() as manager:
        for name, extra in (
            ("WebAssembly", []),
            ("--jitless, no WebAssembly", ["--js-flags=--jitless"]),
        ):
            browser = manager.chromium.launch(executable_path=str(CHROMIUM), args=[*base, *extra])
            try:
                page = browser.new_page()
                page.goto("about:blank")
                for script in PAGE_SCRIPTS:
                    page.add_script_tag(path=str(script))
                page.evaluate("() => RPTENV.ready")
                figures[name] = page.evaluate(PAGE_TIMING, [len(REPORT), READERS, CODENAME])
            finally:
                browser.close()
    return figures


def main() -> int:
    print(f"pq_cost: {machine()}")
    print(f"report: {len(REPORT)} bytes of answers, {READERS} readers\n")
    sizes = {
        "stanza (bytes)": (SUITE_STANZA_SIZES[1], SUITE_STANZA_SIZES[2]),
        "envelope header, 1 stanza (bytes)": (header_size(1, 1), header_size(1, 2)),
        "envelope header, 3 stanzas (bytes)": (header_size(3, 1), header_size(3, 2)),
    }
    print(f"{'size':<42}{'suite 1':>12}{'suite 2':>12}{'2 / 1':>9}")
    for name, (one, two) in sizes.items():
        print(f"{name:<42}{one:>12,}{two:>12,}{two / one:>9.1f}")

    one, two = python_actions(1), python_actions(2)
    print(f"\n{'Python (crypto/), best ms':<42}{'suite 1':>12}{'suite 2':>12}{'2 / 1':>9}")
    for name in one:
        a, b = best_ms((one[name], two[name]))
        print(f"{name:<42}{a:>12.3f}{b:>12.3f}{b / a:>9.1f}")

    in_chromium = chromium_figures()
    if in_chromium is None:
        print("\nno Chromium at /usr/bin/chromium (or no playwright): no browser figures")
    else:
        print(
            f"\n{'Chromium: encrypt a report to 3 readers, best ms':<52}{'suite 1':>10}{'suite 2':>10}{'2 / 1':>7}"
        )
        for name, (a, b) in in_chromium.items():
            print(f"{name:<52}{a:>10.3f}{b:>10.3f}{b / a:>7.1f}")

    browser = node_figures()
    if browser is None:
        print("\nnode is not on PATH: no figures for the browser library")
        return 0
    for build, figures in browser.items():
        print(
            f"\n{'rptenv.js under node, ' + build + ', best ms':<42}{'suite 1':>12}{'suite 2':>12}{'2 / 1':>9}"
        )
        for name in ("seal access stanza", "open access stanza", "encrypt a report to 3 readers"):
            a, b = figures[f"{name} 1"], figures[f"{name} 2"]
            print(f"{name:<42}{a:>12.3f}{b:>12.3f}{b / a:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
