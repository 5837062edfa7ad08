"""The JavaScript path in Debian's Chromium: bytes transferred before the person presses Send
(target: at most 150 KB), and a 20 MB attachment encrypted in the browser and sent, with the JIT and
with --js-flags=--jitless (no JIT, no WebAssembly, as Tor Browser at "Safer"; target: within 30 s, or
the page shows its estimate before it starts).

    .venv/bin/python bench/js_path.py [--mib 20] [--jitless-limit 600]

Starts its own intake under gunicorn on a free port, with an SQLite database and one CAT reviewer,
in a temporary folder (deleted afterwards). The baseline, measured in the same run, is what the page
cost before issue 18: every crypto script loaded with the page, uncompressed.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from _common import ROOT, harness, machine, workdir

BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
CRYPTO_SCRIPTS = [
    "vendor/libsodium/libsodium.js",
    "js/libsodium-ready.js",
    "vendor/libsodium/libsodium-wrappers.js",
    "js/rptenv.js",
    "js/codename.js",
]


def start_intake(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = harness.free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REPRISAL_")},
        "REPRISAL_INSTANCE_PATH": str(folder / "instance"),
        "REPRISAL_INTAKE_BIND": f"127.0.0.1:{port}",
        "REPRISAL_INTAKE_WORKERS": "2",
    }
    (folder / "passphrase").write_text("a long passphrase for the CAT focal point\n")
    key = subprocess.run(  # noqa: S603 - our own installed commands
        [
            str(BIN / "reprisal-decrypt"),
            "keygen",
            "--out",
            str(folder / "cat.key"),
            "--passphrase-file",
            str(folder / "passphrase"),
        ],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    for command in (
        ["init"],
        ["reviewer", "add", "CAT", "--mechanism", "CAT", "--public-key", key],
    ):
        subprocess.run(  # noqa: S603
            [str(BIN / "reprisal-admin"), *command],
            env=env,
            cwd=folder,
            capture_output=True,
            check=True,
        )
    log = (folder / "gunicorn.log").open("wb")
    server = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "deploy/gunicorn/intake.conf.py"),
            "reprisal_intake:create_app()",
        ],
        env=env,
        cwd=folder,
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(url + "/", timeout=2).close()  # noqa: S310 - http://127.0.0.1
            return server, url
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def fill(page: Any, file: dict[str, Any] | None) -> None:
    page.check("input[name=mechanism][value=CAT]")
    page.fill("#what_happened", "Benchmark report")
    page.check("input[name=urgency][value=urgent]")
    page.check("input[name=submitter_role][value=victim]")
    page.check("#consent_store_assess")
    page.check("input[name=consent_given_by][value=victim]")
    if file:
        page.locator("details", has=page.locator("[name=attachments]")).locator("summary").click()
        page.set_input_files("#attachments", files=[file])


def bytes_before_send(browser: Any, url: str) -> int:
    context = browser.new_context()
    sizes: list[Any] = []
    try:
        page = context.new_page()
        page.on("requestfinished", lambda request: sizes.append(request.sizes()))
        page.goto(url + "/report")
        page.wait_for_load_state("networkidle")
        fill(page, None)  # filling the form fetches nothing more
        page.wait_for_timeout(300)
    finally:
        context.close()
    return sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes)


def send_file(browser: Any, url: str, size: int, limit: float) -> tuple[str, float, float | None]:
    """(what happened, seconds to the estimate or receipt, seconds to the receipt or None)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url + "/report")
        data = secrets.token_bytes(size)
        fill(page, {"name": "evidence.bin", "mimeType": "application/octet-stream", "buffer": data})
        started = time.monotonic()
        page.click("#report-form button[type=submit]")
        page.wait_for_selector(
            "#codename, #slow-choice:not([hidden])", state="attached", timeout=limit * 1000
        )
        first = time.monotonic() - started
        if page.query_selector("#codename"):
            return "sent", first, first
        estimate = page.inner_text("#slow-estimate")
        page.click("#slow-here")
        try:
            page.wait_for_selector("#codename", state="attached", timeout=limit * 1000)
        except Exception:
            return f"estimate shown ({estimate!r}); not sent within {limit:.0f} s", first, None
        return f"estimate shown ({estimate!r}), then sent", first, time.monotonic() - started
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=float, default=20)
    parser.add_argument("--jitless-limit", type=float, default=600)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(machine())
    static = ROOT / "reprisal_intake" / "static"
    baseline = sum((static / name).stat().st_size for name in [*CRYPTO_SCRIPTS, "js/report.js"])
    folder = workdir()
    server, url = start_intake(folder)
    size = int(args.mib * 1024 * 1024)
    try:
        with sync_playwright() as manager:
            browser = manager.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                before = bytes_before_send(browser, url)
                jit = send_file(browser, url, size, 300)
            finally:
                browser.close()
            browser = manager.chromium.launch(
                executable_path=CHROMIUM, args=[*ARGS, "--js-flags=--jitless"]
            )
            try:
                jitless = send_file(browser, url, size, args.jitless_limit)
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"bytes transferred before Send: {before / 1000:.1f} kB (target <= 150 kB); "
        f"the scripts alone cost {baseline / 1000:.1f} kB before (uncompressed, all on load): "
        f"ratio {before / baseline:.3f}"
    )
    print(f"{args.mib:g} MiB attachment, JIT:      {jit[0]} in {jit[1]:.1f} s")
    done = f"{jitless[2]:.1f} s" if jitless[2] is not None else "not within the limit"
    print(
        f"{args.mib:g} MiB attachment, --jitless: {jitless[0]}; first answer after "
        f"{jitless[1]:.1f} s, receipt after {done} "
        f"(target: sent within 30 s, or the estimate shown before it starts)"
    )
    if jitless[2] is not None:
        print(f"--jitless / JIT time ratio: {jitless[2] / jit[1]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
