"""A live intake under gunicorn, a reviewer with an offline key, and Debian's Chromium via Playwright.

Without /usr/bin/chromium these tests are skipped with a message, except under CI=true, where they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_service
from tests.ops.harness import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


@dataclass
class LiveIntake:
    url: str
    folder: Path
    env: dict[str, str]
    key: Path
    passphrase: Path
    opened: dict[str, list[bytes]] = field(default_factory=dict)

    def run(self, *command: str) -> str:
        result = subprocess.run(
            command, capture_output=True, text=True, env=self.env, cwd=self.folder, check=False
        )
        assert result.returncode == 0, f"{command}: {result.stderr}"
        return result.stdout

    def stored(self) -> tuple[int, int]:
        """(cases, items) in the live database, as `reprisal-admin case list --json` counts them."""
        cases = json.loads(self.run(str(BIN / "reprisal-admin"), "case", "list", "--json"))
        return len(cases), sum(case["items"] for case in cases)

    def decrypted_cases(self) -> list[bytes]:
        """Every file of every case, exported and decrypted offline as a focal point would."""
        for case in json.loads(self.run(str(BIN / "reprisal-admin"), "case", "list", "--json")):
            if len(self.opened.get(case["ref"], [])) == case["items"]:
                continue  # opened before, and nothing was added since
            bundle = self.folder / f"{case['ref']}-{time.monotonic_ns()}.zip"
            out = self.folder / f"open-{bundle.stem}"
            self.run(
                str(BIN / "reprisal-admin"), "case", "export", case["ref"], "--out", str(bundle)
            )
            self.run(
                str(BIN / "reprisal-decrypt"),
                "open",
                "--key",
                str(self.key),
                "--passphrase-file",
                str(self.passphrase),
                str(bundle),
                "--out",
                str(out),
            )
            self.opened[case["ref"]] = [
                p.read_bytes()
                for p in sorted(out.rglob("*"))
                if p.is_file() and p.name != "metadata.json"
            ]
        return [content for contents in self.opened.values() for content in contents]


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
    intake = LiveIntake(f"http://127.0.0.1:{port}", folder, env, folder / "cat.key", passphrase)
    public_key = intake.run(
        str(BIN / "reprisal-decrypt"),
        "keygen",
        "--out",
        str(intake.key),
        "--passphrase-file",
        str(passphrase),
    ).strip()
    intake.run(str(BIN / "reprisal-admin"), "init")
    intake.run(
        str(BIN / "reprisal-admin"),
        "reviewer",
        "add",
        "CAT focal point",
        "--mechanism",
        "CAT",
        "--public-key",
        public_key,
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


def shown_codename(page: Any) -> str:
    """The codename on a receipt (its large-text copy, folded away in a <details> at first)."""
    page.wait_for_selector("#codename", state="attached", timeout=180_000)
    return (page.text_content("#codename") or "").strip()


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
