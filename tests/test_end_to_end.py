"""The whole no-JavaScript story, as a new user tries it, through gunicorn and the real commands:

keygen offline -> the organisation signs its record -> reviewer add --record -> a report with a unique phrase and a 5 MB file through the form ->
case export -> reprisal-decrypt open shows the phrase and the identical file. Afterwards the phrase, the
file and the codename appear in no file under the instance folder, the database, the temporary folder
or any log.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from nacl.public import PrivateKey

from crypto import XWingSecretKey, dump_key_file, load_key_file
from tests.factories import CONSENT_SCOPES_ASKED
from tests.support.servers import free_port, multipart

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


class Browser:
    """A browser with JavaScript off: cookies, forms, nothing else."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, str]:
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Content-Type": content_type}, method="POST"
        )
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def files_containing(
    folder: Path, needles: list[bytes], since: float, skip: Path | None = None
) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        try:
            if skip and path.is_relative_to(skip):
                continue
            if not path.is_file() or path.is_symlink() or path.stat().st_mtime < since:
                continue
            if path.stat().st_size > 64 * 1024 * 1024:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        hits.extend(f"{path}: {needle[:20]!r}" for needle in needles if needle in data)
    return hits


def test_a_report_goes_from_the_form_to_the_offline_reviewer_and_leaves_no_trace(
    tmp_path: Path,
) -> None:
    started = time.time() - 1
    instance = tmp_path / "instance"
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    logs = tmp_path / "logs"
    logs.mkdir()
    decrypted = tmp_path / "decrypted"
    port = free_port()
    env = {
        **os.environ,
        "REPRISAL_INSTANCE_PATH": str(instance),
        "TMPDIR": str(temporary),
        "REPRISAL_INTAKE_BIND": f"127.0.0.1:{port}",
        "REPRISAL_INTAKE_WORKERS": "2",
    }
    env.pop("REPRISAL_DATABASE_URL", None)

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=tmp_path, check=False
        )
        assert result.returncode == 0, f"{command}: {result.stderr}"
        return result

    # A focal point makes a key offline; only the public key reaches the server.
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse battery staple reprisal\n")
    public_key = run(
        str(BIN / "reprisal-decrypt"),
        "keygen",
        "--out",
        str(tmp_path / "cat.key"),
        "--passphrase-file",
        str(passphrase),
    ).stdout.strip()
    run(str(BIN / "reprisal-admin"), "init")
    # The organisation certifies the key offline (a second person); the deployment pins its key.
    env["REPRISAL_ORG_PUBLIC_KEYS"] = run(
        str(BIN / "reprisal-decrypt"), "org-keygen", "--out", str(tmp_path / "org.key"),
        "--unprotected",
    ).stdout.strip()  # fmt: skip
    run(
        str(BIN / "reprisal-decrypt"), "sign-reader", "--org-key", str(tmp_path / "org.key"),
        "--public-key", public_key, "--holder", "CAT reprisal focal point", "--role",
        "focal_point", "--mechanism", "CAT", "--out", str(tmp_path / "cat.record"),
    )  # fmt: skip
    run(
        str(BIN / "reprisal-admin"),
        "reviewer",
        "add",
        "CAT focal point",
        "--mechanism",
        "CAT",
        "--public-key",
        public_key,
        "--record",
        str(tmp_path / "cat.record"),
    )

    phrase = f"UNIQUE-{secrets.token_hex(8)}-they confiscated my passport"
    attachment = secrets.token_bytes(5 * 1024 * 1024)
    with (logs / "gunicorn.out").open("wb") as out, (logs / "gunicorn.err").open("wb") as err:
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                str(ROOT / "deploy/gunicorn/intake.conf.py"),
                "reprisal_intake:create_app()",
            ],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=err,
        )
        try:
            browser = Browser(f"http://127.0.0.1:{port}")
            for _ in range(100):
                try:
                    form_page = browser.get("/report")
                    break
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.1)
            else:
                pytest.fail("gunicorn did not start")
            fields = [
                ("csrf_token", csrf(form_page)),
                ("mechanism", "CAT"),
                ("what_happened", phrase),
                ("acts", "travel_ban"),
                ("acts", "passport"),
                ("urgency", "urgent"),
                ("submitter_role", "victim"),
                ("consent_store_assess", "y"),
                ("consent_given_by", "victim"),
                *[(f"consent_{s}", "not_asked") for s in CONSENT_SCOPES_ASKED],
            ]
            body, content_type = multipart(
                fields, [("attachments", "evidence.bin", "application/octet-stream", attachment)]
            )
            status, receipt = browser.post("/report", body, content_type)
            assert status == 200, receipt[:2000]
            codename = re.search(
                r'<p class="codename" id="codename"[^>]*>([a-z \-]+)</p>', receipt
            ).group(1)
        finally:
            server.terminate()
            server.wait(timeout=30)

    cases = json.loads(run(str(BIN / "reprisal-admin"), "case", "list", "--json").stdout)
    assert [c["mechanisms"] for c in cases] == [["CAT"]]
    # Exported with the reader's key, the bundle's manifest is authenticated (bundle v2); without
    # it, version 1, and the offline tool says its manifest is not authenticated.
    unauthenticated = tmp_path / "case-v1.zip"
    run(
        str(BIN / "reprisal-admin"),
        "case",
        "export",
        cases[0]["ref"],
        "--out",
        str(unauthenticated),
    )
    bundle = tmp_path / "case.zip"
    exported = run(
        str(BIN / "reprisal-admin"), "case", "export", cases[0]["ref"], "--out", str(bundle),
        "--key", str(tmp_path / "cat.key"), "--passphrase-file", str(passphrase),
    )  # fmt: skip
    assert "authenticated manifest" in exported.stdout
    opened = run(
        str(BIN / "reprisal-decrypt"),
        "open",
        "--key",
        str(tmp_path / "cat.key"),
        "--passphrase-file",
        str(passphrase),
        str(bundle),
        "--out",
        str(decrypted),
    )
    assert "NOT authenticated" not in opened.stderr
    flagged = run(
        str(BIN / "reprisal-decrypt"), "open", "--key", str(tmp_path / "cat.key"),
        "--passphrase-file", str(passphrase), str(unauthenticated), "--out", str(decrypted / "v1"),
    )  # fmt: skip
    # a hybrid reader's stanza makes the bundle version 3 (rptenv-v2.md section 6); no MAC here
    assert "bundle version 3: its manifest is NOT authenticated" in flagged.stderr

    # The reviewer's key is hybrid (keygen's default, suite 2): its X25519 half alone opens nothing.
    reviewer_key = load_key_file((tmp_path / "cat.key").read_text(), passphrase.read_text().strip())
    assert isinstance(reviewer_key, XWingSecretKey)
    half = tmp_path / "x25519-half.key"
    half.write_text(dump_key_file(PrivateKey(reviewer_key.x25519_secret_key), None))
    refused = subprocess.run(
        [str(BIN / "reprisal-decrypt"), "open", "--key", str(half), str(bundle),
         "--out", str(tmp_path / "half")],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert refused.returncode == 1 and "NotARecipientError" in refused.stderr

    texts = [p.read_bytes() for p in decrypted.rglob("*") if p.is_file()]
    assert any(phrase.encode() in text for text in texts), (
        "the phrase is not in the decrypted report"
    )
    assert attachment in texts, "the attachment did not come back identical"

    needles = [phrase.encode(), attachment[1000:1064], codename.encode()]
    assert files_containing(instance, needles, started) == []
    assert files_containing(temporary, needles, started) == []
    assert files_containing(logs, needles, started) == []
    assert files_containing(Path("/tmp"), needles, started, skip=decrypted) == []
    log_text = (logs / "gunicorn.out").read_text() + (logs / "gunicorn.err").read_text()
    assert "127.0.0.1" not in log_text.replace(f"127.0.0.1:{port}", "")
    assert "GET /" not in log_text and "POST /" not in log_text
