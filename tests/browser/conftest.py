"""A live intake under gunicorn, a reviewer with an offline key, and Debian's Chromium via Playwright.

Without /usr/bin/chromium these tests are skipped with a message, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import BIN, CHROMIUM, CHROMIUM_ARGS, ROOT, LiveIntake
from tests.support.servers import free_port
from tests.support.services import require_service


@pytest.fixture(scope="module")
def live_intake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveIntake]:
    folder = tmp_path_factory.mktemp("live")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REPRISAL_")},
        "REPRISAL_INSTANCE_PATH": str(folder / "instance"),
        "REPRISAL_INTAKE_BIND": f"127.0.0.1:{port}",
        "REPRISAL_INTAKE_WORKERS": "2",
    }
    passphrase = folder / "passphrase"
    passphrase.write_text("a long passphrase for the CAT focal point\n")
    intake = LiveIntake(
        f"http://127.0.0.1:{port}", folder, env, folder / "cat.key", passphrase, folder / "org.key"
    )
    # The organisation key that certifies readers (made offline in a real deployment), pinned.
    env["REPRISAL_ORG_PUBLIC_KEYS"] = intake.run(
        str(BIN / "reprisal-decrypt"),
        "org-keygen",
        "--out",
        str(folder / "org.key"),
        "--unprotected",
    ).strip()
    public_key = intake.run(
        str(BIN / "reprisal-decrypt"),
        "keygen",
        "--out",
        str(intake.key),
        "--passphrase-file",
        str(passphrase),
    ).strip()
    intake.run(str(BIN / "reprisal-admin"), "init")
    record = folder / "cat.record"
    intake.run(
        str(BIN / "reprisal-decrypt"), "sign-reader", "--org-key", str(folder / "org.key"),
        "--public-key", public_key, "--holder", "CAT reprisal focal point", "--role",
        "focal_point", "--mechanism", "CAT", "--out", str(record),
    )  # fmt: skip
    intake.run(
        str(BIN / "reprisal-admin"),
        "reviewer",
        "add",
        "CAT focal point",
        "--mechanism",
        "CAT",
        "--public-key",
        public_key,
        "--record",
        str(record),
    )
    log = (folder / "gunicorn.log").open("wb")
    server = subprocess.Popen(
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
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(intake.url + "/", timeout=2).close()
                break
            except OSError:  # refused, reset or timed out while gunicorn starts
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        yield intake
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="session")
def playwright():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        require_service("Chromium at /usr/bin/chromium", "not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as manager:
        yield manager


@pytest.fixture(scope="module")
def chromium(playwright):  # type: ignore[no-untyped-def]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# ---- accessibility (axe-core from npm, tests only: never served, never vendored) -----------------

AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser build, installed by ``npm ci`` (a devDependency pinned in package.json).

    Missing, the accessibility tests are skipped with a message, except under CI=true, where they fail.
    """
    if not AXE_SCRIPT.exists():
        require_service(
            "axe-core at node_modules/axe-core", "not installed (run `npm ci` in the project root)"
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")
