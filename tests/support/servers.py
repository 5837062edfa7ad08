"""Shared pieces of the load, fault and rate-limit tests (and the benchmarks in bench/): a real gunicorn
on a free loopback port, a form-filling client without JavaScript, throwaway databases, and a check that
every acknowledged report is present, complete and decryptable.

Traffic goes to 127.0.0.1 only; every wait is bounded.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from nacl.public import PrivateKey
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from crypto.codename import codename_from_secret, read_codename
from crypto.envelope import decrypt_to
from crypto.keys import generate_hybrid_key, generate_keypair, open_case_key
from crypto.stanzas import SUITE_CLASSICAL, SUITE_HYBRID, ReaderKey
from tests.factories import CONSENT_SCOPES_ASKED, ORG_PUBLIC_KEY, reader_record

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
INTAKE_CONF = ROOT / "deploy/gunicorn/intake.conf.py"
INTAKE_APP = "reprisal_intake:create_app()"
POSTGRES_ADMIN_URL = os.environ.get(
    "REPRISAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# The server binaries (initdb, pg_ctl) of the newest PostgreSQL installed the Debian way.
PG_BIN = max(
    (p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()),
    key=lambda p: int(p.parent.name),
    default=Path("/usr/lib/postgresql/15/bin"),
)
CODENAME = re.compile(r'<p class="codename" id="codename"[^>]*>([a-z \-]+)</p>')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CONSENT_SCOPES = CONSENT_SCOPES_ASKED


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- databases -------------------------------------------------------------------------------------


class ServiceMissing(Exception):
    """A local server a test needs is not there."""


@contextmanager
def postgres_database(admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server at ``admin_url``, dropped afterwards."""
    name = f"reprisal_ops_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        raise ServiceMissing(str(error.orig).splitlines()[0]) from error
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own (initdb into a temporary folder, its own port), so that a test
    may stop, kill and restart it without touching the shared server. Durable settings (fsync on)."""

    def __init__(self, base: Path) -> None:
        if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
            raise ServiceMissing(f"no PostgreSQL binaries in {PG_BIN} or no runuser")
        self.base = base
        self.data = base / "data"
        self.port = free_port()
        self.log = base / "postgres.log"
        base.mkdir(parents=True, exist_ok=True)
        shutil.chown(base, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        command = ["runuser", "-u", "postgres", "--", str(PG_BIN / tool), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed: {result.stderr[-2000:]}")

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._run(
            "pg_ctl", action, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
            "-t", "60", *extra,
        )  # fmt: skip

    def start(self) -> None:
        self._ctl("start")

    def restart(self, mode: str = "immediate") -> None:
        """``immediate`` is a crash: no checkpoint, recovery from the WAL on start."""
        self._ctl("restart", "-m", mode)

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", "-t", "60")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


# --- the instance: schema and one reviewer ---------------------------------------------------------


@dataclass
class Instance:
    path: Path
    database_url: str
    reviewer_key: ReaderKey
    env: dict[str, str] = field(default_factory=dict)


def prepare_instance(
    path: Path, database_url: str, *, suite: int = SUITE_CLASSICAL, **extra_env: str
) -> Instance:
    """Migrate the database and add a CAT reviewer through ``reprisal-admin``, as an operator would;
    ``suite`` 2 gives the reviewer a hybrid (X-Wing) key, sealed to with suite-2 stanzas."""
    path.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "REPRISAL_INSTANCE_PATH": str(path),
        "REPRISAL_DATABASE_URL": database_url,
        # The test organisation key certifies the reviewer (docs/spec/reader-record-v1.md).
        "REPRISAL_ORG_PUBLIC_KEYS": base64.b64encode(ORG_PUBLIC_KEY).decode(),
        **extra_env,
    }
    key: ReaderKey = generate_hybrid_key() if suite == SUITE_HYBRID else generate_keypair()
    public = base64.b64encode(bytes(key.public_key)).decode()
    record = path / "cat-focal-point.record"
    record.write_text(
        reader_record(bytes(key.public_key), "CAT", holder="CAT focal point", suite=suite)
    )
    for command in (
        ["init"],
        ["reviewer", "add", "CAT focal point", "--mechanism", "CAT", "--public-key", public,
         "--record", str(record)],
    ):  # fmt: skip
        result = subprocess.run(
            [str(BIN / "reprisal-admin"), *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
    return Instance(path, database_url, key, env)


# --- gunicorn --------------------------------------------------------------------------------------


class Gunicorn:
    """The intake under gunicorn with the production config, on a free loopback port."""

    def __init__(
        self,
        instance: Instance,
        log_dir: Path,
        *,
        workers: int = 2,
        config: Path = INTAKE_CONF,
        app: str = INTAKE_APP,
        **extra_env: str,
    ) -> None:
        self.port = free_port()
        self.env = {
            **instance.env,
            "REPRISAL_INTAKE_BIND": f"127.0.0.1:{self.port}",
            "REPRISAL_INTAKE_WORKERS": str(workers),
            **extra_env,
        }
        log_dir.mkdir(parents=True, exist_ok=True)
        self.stdout_path = log_dir / f"gunicorn-{self.port}.out"
        self.stderr_path = log_dir / f"gunicorn-{self.port}.err"
        self.command = [str(BIN / "gunicorn"), "-c", str(config), app]
        self.process: subprocess.Popen[bytes] | None = None
        self.workers = workers

    def __enter__(self) -> Gunicorn:
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                self.command, env=self.env, cwd=ROOT, stdout=out, stderr=err
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log()[-3000:]}")
            try:
                status, _body = get(self.port, "/safety")
                if status == 200 and len(self.worker_pids()) >= self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn did not start within 60 s")

    def __exit__(self, *_exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in children.split()]

    def log(self) -> str:
        return self.stdout_path.read_text(errors="replace") + self.stderr_path.read_text(
            errors="replace"
        )


def proc_status_kib(pid: int, field_name: str) -> int:
    """A ``/proc/<pid>/status`` memory figure (VmRSS, VmHWM, ...) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise KeyError(field_name)


# --- a browser with JavaScript off ----------------------------------------------------------------


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


def multipart(
    fields: list[tuple[str, str]],
    files: list[tuple[str, str, str, bytes]] = (),  # type: ignore[assignment]
) -> tuple[bytes, str]:
    boundary = "----reprisal" + secrets.token_hex(12)
    parts: list[bytes] = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, filename, media_type, data in files or []:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
            f"\r\nContent-Type: {media_type}\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def report_fields(csrf_token: str, phrase: str) -> list[tuple[str, str]]:
    return [
        ("csrf_token", csrf_token),
        ("mechanism", "CAT"),
        ("what_happened", phrase),
        ("acts", "travel_ban"),
        ("urgency", "urgent"),
        ("submitter_role", "victim"),
        ("consent_store_assess", "y"),
        ("consent_given_by", "victim"),
        *[(f"consent_{scope}", "not_asked") for scope in CONSENT_SCOPES],
    ]


STORED = 303  # a report was stored: post/redirect/get to its receipt


@dataclass
class Outcome:
    status: int  # 0: the connection failed
    codename: str | None
    body: str


class Reporter:
    """One person's browser: fetches the form once (cookie and CSRF token), then sends reports.

    A new connection per request, as gunicorn's sync workers close each one.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("GET", "/report")
            response = connection.getresponse()
            page = response.read().decode()
            cookie = response.getheader("Set-Cookie") or ""
        finally:
            connection.close()
        match = CSRF.search(page)
        assert match, "no CSRF token on /report"
        self.token = match.group(1)
        self.cookie = cookie.split(";", 1)[0]

    def body(
        self, phrase: str, attachment: bytes | None = None, form_token: str = ""
    ) -> tuple[bytes, str]:
        files = [("attachments", "evidence.bin", "application/octet-stream", attachment)]
        fields = [*report_fields(self.token, phrase), ("form_token", form_token)]
        return multipart(fields, files if attachment else [])

    def submit(self, phrase: str, attachment: bytes | None = None, timeout: float = 120) -> Outcome:
        # Each report is a fresh form, with its own one-time token (docs/codename-v2.md).
        secret = secrets.token_bytes(32)
        form_token = base64.urlsafe_b64encode(secret).rstrip(b"=").decode()
        body, content_type = self.body(phrase, attachment, form_token)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(
                "POST",
                "/report",
                body=body,
                headers={"Content-Type": content_type, "Cookie": self.cookie},
            )
            response = connection.getresponse()
            page = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException) as error:
            return Outcome(0, None, type(error).__name__)
        finally:
            connection.close()
        if response.status == 303:
            # Stored: the receipt the redirect leads to shows the codename of this token.
            return Outcome(response.status, codename_from_secret(secret, "en"), page)
        return Outcome(response.status, None, page)


# --- checking what was stored ----------------------------------------------------------------------


@dataclass
class StoreCheck:
    cases: int
    acknowledged: int
    incomplete: list[str]
    missing: list[str]
    unreadable: list[str]


def check_store(
    database_url: str,
    reviewer_key: PrivateKey,
    acknowledged: dict[str, str],
    attachments: dict[str, bytes] | None = None,
) -> StoreCheck:
    """Every acknowledged report (codename -> phrase) is stored and decrypts to its phrase (and its
    attachment, if given); every case in the database is complete: an access stanza, a lookup tag, a
    report item, and every item's pieces numbered without gaps, adding up to its size and hash."""
    from reprisal_intake.db import make_engine
    from reprisal_intake.envelopes import open_envelope
    from reprisal_intake.models import AccessStanza, Case, EnvelopeChunk, Item, SubmitterTag

    engine = make_engine(database_url)
    incomplete: list[str] = []
    missing: list[str] = []
    unreadable: list[str] = []
    try:
        with engine.connect() as connection:
            refs = set(connection.scalars(select(Case.ref)))
            stanzas: dict[str, list[bytes]] = {}
            for ref, sealed in connection.execute(
                select(AccessStanza.case_ref, AccessStanza.sealed_case_key)
            ):
                stanzas.setdefault(ref, []).append(sealed)
            tags = {
                ref: tag
                for tag, ref in connection.execute(select(SubmitterTag.tag, SubmitterTag.case_ref))
            }
            items = list(
                connection.execute(
                    select(Item.id, Item.case_ref, Item.seq, Item.kind, Item.size, Item.sha256)
                )
            )
            pieces: dict[str, tuple[int, int, hashlib._Hash]] = {}
            rows = connection.execution_options(stream_results=True, yield_per=64).execute(
                select(EnvelopeChunk.item_id, EnvelopeChunk.seq, EnvelopeChunk.data).order_by(
                    EnvelopeChunk.item_id, EnvelopeChunk.seq
                )
            )
            for item_id, seq, data in rows:
                count, size, digest = pieces.get(item_id, (0, 0, hashlib.sha256()))
                if seq != count:
                    count = -(10**9)  # a gap: never matches
                digest.update(data)
                pieces[item_id] = (count + 1, size + len(data), digest)
        reports: dict[str, str] = {}
        for item_id, ref, seq, kind, size, sha256 in items:
            count, stored, digest = pieces.get(item_id, (0, 0, hashlib.sha256()))
            if count <= 0 or stored != size or digest.hexdigest() != sha256:
                incomplete.append(f"{ref}: item {seq} pieces")
            if seq == 0 and kind == "report":
                reports[ref] = item_id
        for ref in refs:
            if not stanzas.get(ref) or ref not in tags or ref not in reports:
                incomplete.append(f"{ref}: stanza/tag/report missing")
        by_tag = {tag: ref for ref, tag in tags.items()}
        with engine.connect() as connection:
            from sqlalchemy.orm import Session

            session = Session(bind=connection)
            for codename, phrase in acknowledged.items():
                ref = next(  # v2 on the intake, v1 on the floor app
                    (
                        by_tag[k.lookup_tag]
                        for k in read_codename(codename)
                        if k.lookup_tag in by_tag
                    ),
                    None,
                )
                if ref is None or ref not in reports:
                    missing.append(codename[:12])
                    continue
                try:
                    case_key = open_case_key(stanzas[ref], reviewer_key)
                    out = io.BytesIO()
                    decrypt_to(open_envelope(session, reports[ref]), case_key, out)
                    ok = phrase.encode() in out.getvalue()
                    if ok and attachments and codename in attachments:
                        ok = _attachment_matches(session, ref, case_key, attachments[codename])
                except Exception:
                    ok = False
                if not ok:
                    unreadable.append(ref)
            session.close()
    finally:
        engine.dispose()
    return StoreCheck(len(refs), len(acknowledged), incomplete, missing, unreadable)


def _attachment_matches(session: object, ref: str, case_key: PrivateKey, expected: bytes) -> bool:
    from reprisal_intake.envelopes import open_envelope
    from reprisal_intake.models import Item

    item_ids = session.scalars(  # type: ignore[attr-defined]
        select(Item.id).where(Item.case_ref == ref, Item.kind == "attachment")
    ).all()
    for item_id in item_ids:
        out: IO[bytes] = io.BytesIO()
        decrypt_to(open_envelope(session, item_id), case_key, out)  # type: ignore[arg-type]
        if out.getvalue() == expected:  # type: ignore[attr-defined]
            return True
    return False


# Many reports at once against one gunicorn (the fault and load tests).
UNLIMITED = {
    "REPRISAL_INTAKE_SUBMIT_LIMIT": "100000 per minute",
    "REPRISAL_INTAKE_MAX_REQUESTS": "0",
}


class Load:
    """``total`` reports from ``clients`` threads, each thread one browser; bounded in time."""

    def __init__(
        self, port: int, total: int, *, attachment_size: int = 0, deadline: float = 240
    ) -> None:
        self.port = port
        self.total = total
        self.attachment_size = attachment_size
        self.deadline = time.monotonic() + deadline
        self.done = 0
        self.lock = threading.Lock()
        self.outcomes: list[tuple[float, str, bytes, Outcome]] = []
        self.local = threading.local()
        self.stop = threading.Event()

    def _reporter(self) -> Reporter | None:
        reporter = getattr(self.local, "reporter", None)
        for _ in range(50):
            if reporter is not None or time.monotonic() > self.deadline:
                break
            try:
                reporter = Reporter(self.port)
            except (OSError, AssertionError):
                time.sleep(0.2)
        self.local.reporter = reporter
        return reporter

    def one(self, n: int) -> None:
        phrase = f"UNIQUE-{secrets.token_hex(6)} report {n}"
        data = secrets.token_bytes(self.attachment_size) if self.attachment_size else b""
        started = time.monotonic()
        reporter = self._reporter()
        if self.stop.is_set():
            return
        if reporter is None or started > self.deadline:
            outcome = Outcome(-1, None, "not sent")
        else:
            outcome = reporter.submit(phrase, data or None)
        with self.lock:
            self.outcomes.append((started, phrase, data, outcome))
            self.done += 1

    def run(self, clients: int) -> None:
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(self.one, range(self.total)))

    def wait_for(self, count: int) -> None:
        while self.done < count and time.monotonic() < self.deadline:
            time.sleep(0.01)

    def acknowledged_since(self, moment: float) -> int:
        with self.lock:
            return sum(1 for t, _p, _d, o in self.outcomes if t > moment and o.codename)

    def acknowledged(self) -> dict[str, str]:
        return {o.codename: phrase for _t, phrase, _d, o in self.outcomes if o.codename}

    def files(self) -> dict[str, bytes]:
        return {o.codename: data for _t, _p, data, o in self.outcomes if o.codename and data}
