"""The attacks of issue 13 and the genuine person who must get through them, shared by
``bench/attack.py`` (long runs, figures for bench/RESULTS.md) and ``tests/ops/test_attacks.py`` (short
runs in ``make test``). Traffic goes to 127.0.0.1 only; every attack stops when told to, every socket
has a timeout.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import secrets
import select
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from crypto.codename import wordlist
from tests.support.servers import CSRF, Reporter, codename_from_secret, multipart, report_fields

CODENAME = re.compile(r'<p class="codename" id="codename"[^>]*>([a-z \-]+)</p>')
STEPS = ("form", "report", "lookup")
MIB = 1024 * 1024


# --- the genuine person -----------------------------------------------------------------------------


@dataclass
class Visit:
    """One visit: load the form, send a small no-JS report, look the codename up."""

    seconds: dict[str, float] = field(default_factory=dict)
    ok: dict[str, bool] = field(default_factory=dict)


def _request(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        page = response.read().decode(errors="replace")
        return response.status, page, response.getheader("Set-Cookie") or ""
    finally:
        connection.close()


def visit(port: int) -> Visit:
    result = Visit()
    started = time.monotonic()
    try:
        status, page, cookie = _request(port, "GET", "/report")
        token = CSRF.search(page)
        result.ok["form"] = status == 200 and token is not None
    except (OSError, http.client.HTTPException):
        result.ok["form"] = False
    result.seconds["form"] = time.monotonic() - started
    if not result.ok["form"] or token is None:
        return result
    cookie = cookie.split(";", 1)[0]
    # A fresh form's one-time token: the receipt's codename derives from it (docs/codename-v2.md).
    secret = secrets.token_bytes(32)
    form_token = base64.urlsafe_b64encode(secret).rstrip(b"=").decode()
    fields = [*report_fields(token.group(1), "A genuine report"), ("form_token", form_token)]
    body, content_type = multipart(fields)
    started = time.monotonic()
    codename = None
    try:
        status, _page, receipt_cookie = _request(
            port, "POST", "/report", body, {"Content-Type": content_type, "Cookie": cookie}
        )
        if status == 303:
            # Stored: the person reads the receipt the redirect leads to.
            received = receipt_cookie.split(";", 1)[0] or cookie
            status, page, _c = _request(port, "GET", "/report/received", b"", {"Cookie": received})
            if status == 200:
                codename = codename_from_secret(secret, "en")
    except (OSError, http.client.HTTPException):
        pass
    result.ok["report"] = codename is not None
    result.seconds["report"] = time.monotonic() - started
    if codename is None:
        return result
    started = time.monotonic()
    try:
        form = f"csrf_token={token.group(1)}&codename={codename.replace(' ', '+')}".encode()
        status, _page, _c = _request(
            port,
            "POST",
            "/followup",
            form,
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        result.ok["lookup"] = status == 303
    except (OSError, http.client.HTTPException):
        result.ok["lookup"] = False
    result.seconds["lookup"] = time.monotonic() - started
    return result


class Person(threading.Thread):
    """Visits again and again (with a short pause) until stopped."""

    def __init__(self, port: int, pause: float = 0.3) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.pause = pause
        self.visits: list[Visit] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.visits.append(visit(self.port))
            self.stop.wait(self.pause)

    def summary(self) -> PersonSummary:
        return PersonSummary.of(self.visits)


@dataclass
class PersonSummary:
    visits: int
    succeeded: int
    p95: dict[str, float]
    slowest: float

    @classmethod
    def of(cls, visits: list[Visit]) -> PersonSummary:
        p95 = {}
        for step in STEPS:
            times = sorted(v.seconds[step] for v in visits if step in v.seconds)
            p95[step] = times[max(0, int(len(times) * 0.95 + 0.5) - 1)] if times else float("nan")
        succeeded = sum(1 for v in visits if all(v.ok.get(step) for step in STEPS))
        slowest = max((t for v in visits for t in v.seconds.values()), default=float("nan"))
        return cls(len(visits), succeeded, p95, slowest)

    @property
    def rate(self) -> float:
        return self.succeeded / self.visits if self.visits else 0.0


# --- memory -----------------------------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    """The peak resident memory of every worker while it runs (sampled every 50 ms)."""

    def __init__(self, worker_pids: Callable[[], list[int]]) -> None:
        super().__init__(daemon=True)
        self.worker_pids = worker_pids
        self.peak: dict[int, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in self.worker_pids():
                self.peak[pid] = max(self.peak.get(pid, 0), rss_kib(pid))
            self.stop.wait(0.05)


# --- attacks ----------------------------------------------------------------------------------------


class Attack(threading.Thread):
    name = "attack"

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.answers: Counter[int] = Counter()
        self.lock = threading.Lock()

    def count(self, status: int) -> None:
        with self.lock:
            self.answers[status] += 1

    def connect(self) -> socket.socket | None:
        try:
            return socket.create_connection(("127.0.0.1", self.port), timeout=5)
        except OSError:
            return None


class SlowBodies(Attack):
    """``connections`` POSTs whose body comes one byte a second, reopened when dropped."""

    name = "slow bodies (1 byte/s)"

    def __init__(self, port: int, connections: int = 200) -> None:
        super().__init__(port)
        self.connections = connections

    def open(self) -> socket.socket | None:
        sock = self.connect()
        if sock is None:
            return None
        try:
            sock.sendall(
                b"POST /report HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-"
                b"urlencoded\r\nContent-Length: 100000\r\n\r\n"
            )
        except OSError:
            sock.close()
            return None
        return sock

    def run(self) -> None:
        socks = [s for s in (self.open() for _ in range(self.connections)) if s]
        while not self.stop.wait(1.0):
            alive = []
            for sock in socks:
                try:
                    sock.sendall(b"a")
                    alive.append(sock)
                except OSError:
                    sock.close()
                    self.count(0)
            while len(alive) < self.connections and not self.stop.is_set():
                sock = self.open()
                if sock is None:
                    break
                alive.append(sock)
            socks = alive
        for sock in socks:
            sock.close()


class IdleConnections(Attack):
    """``connections`` connections that send nothing, reopened when the server closes them."""

    name = "idle connections"

    def __init__(self, port: int, connections: int = 200) -> None:
        super().__init__(port)
        self.connections = connections

    def run(self) -> None:
        socks = [s for s in (self.connect() for _ in range(self.connections)) if s]
        while not self.stop.wait(0.5):
            readable, _w, _x = select.select(socks, [], [], 0) if socks else ([], [], [])
            for sock in readable:  # closed by the server
                sock.close()
                socks.remove(sock)
                self.count(0)
            while len(socks) < self.connections:
                sock = self.connect()
                if sock is None:
                    break
                socks.append(sock)
        for sock in socks:
            sock.close()


class JunkPosts(Attack):
    """``rate`` POSTs a second without a form token, to the report and the codename lookup."""

    name = "junk POSTs (no token)"

    def __init__(self, port: int, rate: float = 100, threads: int = 4) -> None:
        super().__init__(port)
        self.rate = rate
        self.threads = threads

    def worker(self, n: int) -> None:
        interval = self.threads / self.rate
        next_at = time.monotonic()
        while not self.stop.is_set():
            path = "/report" if n % 2 == 0 else "/followup"
            body = b"what_happened=junk&codename=junk"
            try:
                status, _p, _c = _request(
                    self.port,
                    "POST",
                    path,
                    body,
                    {"Content-Type": "application/x-www-form-urlencoded"},
                )
            except (OSError, http.client.HTTPException):
                status = 0
            self.count(status)
            n += 1
            next_at += interval
            self.stop.wait(max(0.0, next_at - time.monotonic()))

    def run(self) -> None:
        threads = [threading.Thread(target=self.worker, args=(i,)) for i in range(self.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


class ValidTokenFlood(Attack):
    """``clients`` browsers sending complete reports back to back, a new session every 25."""

    name = "flood of valid-token reports"

    def __init__(self, port: int, clients: int = 8) -> None:
        super().__init__(port)
        self.clients = clients

    def worker(self) -> None:
        while not self.stop.is_set():
            try:
                reporter = Reporter(self.port)
            except (OSError, AssertionError, http.client.HTTPException):
                self.count(0)
                self.stop.wait(0.1)
                continue
            for n in range(25):
                if self.stop.is_set():
                    return
                self.count(reporter.submit(f"flood {n}", timeout=30).status)

    def run(self) -> None:
        threads = [threading.Thread(target=self.worker) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


class WrongCodenames(Attack):
    """``clients`` guessers posting well-formed wrong codenames back to back."""

    name = "wrong-codename lookups"

    def __init__(self, port: int, clients: int = 8) -> None:
        super().__init__(port)
        self.clients = clients
        self.words = wordlist()

    def worker(self) -> None:
        while not self.stop.is_set():
            try:
                status, page, cookie = _request(self.port, "GET", "/followup")
                token = CSRF.search(page)
            except (OSError, http.client.HTTPException):
                token = None
            if token is None:
                self.count(0)
                self.stop.wait(0.1)
                continue
            for _ in range(25):
                if self.stop.is_set():
                    return
                guess = "+".join(secrets.choice(self.words) for _ in range(10))
                try:
                    status, _p, _c = _request(
                        self.port,
                        "POST",
                        "/followup",
                        f"csrf_token={token.group(1)}&codename={guess}".encode(),
                        {
                            "Content-Type": "application/x-www-form-urlencoded",
                            "Cookie": cookie.split(";", 1)[0],
                        },
                    )
                except (OSError, http.client.HTTPException):
                    status = 0
                self.count(status)

    def run(self) -> None:
        threads = [threading.Thread(target=self.worker) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def send_body(port: int, head: bytes, body: Callable[[], bytes | None], timeout: float = 60) -> int:
    """Send ``head`` then the pieces ``body`` gives (None: the end) until the server answers; the
    answer's status (0: no answer). Stops sending as soon as the answer comes."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    except OSError:
        return 0
    deadline = time.monotonic() + timeout
    answer = b""
    try:
        sock.sendall(head)
        sock.setblocking(False)
        pending = b""
        finished = False
        while time.monotonic() < deadline and b"\r\n\r\n" not in answer:
            want_write = [sock] if (pending or not finished) else []
            readable, writable, _x = select.select([sock], want_write, [], 1.0)
            if readable:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
            elif writable:
                if not pending:
                    piece = body()
                    if piece is None:
                        finished = True
                        continue
                    pending = piece
                sent = sock.send(pending)
                pending = pending[sent:]
    except OSError:
        # The server answered and closed while we were still sending: its answer may still be
        # waiting in our receive queue, ahead of the reset.
        try:
            sock.setblocking(True)
            sock.settimeout(1)
            while b"\r\n\r\n" not in answer and (chunk := sock.recv(65536)):
                answer += chunk
        except OSError:
            pass
    finally:
        sock.close()
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return int(match.group(1)) if match else 0


def pieces(total: int, piece: bytes, chunked: bool = False) -> Callable[[], bytes | None]:
    """``total`` bytes made of ``piece`` repeated, as raw bytes or HTTP chunks."""
    state = {"sent": 0, "done": False}

    def next_piece() -> bytes | None:
        if state["done"]:
            return None
        if state["sent"] >= total:
            state["done"] = True
            return b"0\r\n\r\n" if chunked else None
        data = piece[: total - state["sent"]]
        state["sent"] += len(data)
        return b"%x\r\n%s\r\n" % (len(data), data) if chunked else data

    return next_piece


class HostileBodies(Attack):
    """The hostile bodies of issue 13, one after the other, again and again (each ``size`` bytes)."""

    name = "hostile bodies"

    def __init__(self, port: int, size: int = 150 * MIB) -> None:
        super().__init__(port)
        self.size = size
        self.by_kind: dict[str, Counter[int]] = {}

    def session(self) -> tuple[str, str]:
        reporter = Reporter(self.port)
        return reporter.token, reporter.cookie

    def bodies(self, token: str, cookie: str, upload: str) -> dict[str, tuple[bytes, Callable]]:
        json_piece = b'{"a":"' + b"x" * (MIB - 10) + b'",'
        common = f"Host: x\r\nCookie: {cookie}\r\nX-CSRFToken: {token}\r\n"
        boundary = "hostile"
        field_head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="what_happened"\r\n\r\n'
        ).encode()
        parts = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="acts"\r\n\r\nx\r\n'.encode()
            for _ in range(20_000)
        )
        form_type = f"multipart/form-data; boundary={boundary}"
        deep = b"[" * 400_000
        return {
            "JSON commit, Content-Length": (
                f"POST /report/commit HTTP/1.1\r\n{common}Content-Type: application/json\r\n"
                f"Content-Length: {self.size}\r\n\r\n".encode(),
                pieces(self.size, json_piece),
            ),
            "JSON commit, chunked": (
                f"POST /report/commit HTTP/1.1\r\n{common}Content-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n".encode(),
                pieces(self.size, json_piece, chunked=True),
            ),
            "JSON commit, nested 400,000 deep": (
                f"POST /report/commit HTTP/1.1\r\n{common}Content-Type: application/json\r\n"
                f"Content-Length: {len(deep)}\r\n\r\n".encode(),
                pieces(len(deep), deep),
            ),
            "upload part, chunked": (
                f"POST /report/uploads/{upload}/parts/0 HTTP/1.1\r\n{common}"
                "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n".encode(),
                pieces(self.size, b"\0" * MIB, chunked=True),
            ),
            "report form, one huge text field": (
                f"POST /report HTTP/1.1\r\n{common}Content-Type: {form_type}\r\n"
                f"Content-Length: {self.size}\r\n\r\n".encode(),
                _then(field_head, pieces(self.size - len(field_head), b"y" * MIB)),
            ),
            "report form, 20,000 parts": (
                f"POST /report HTTP/1.1\r\n{common}Content-Type: {form_type}\r\n"
                f"Content-Length: {len(parts) + len(boundary) + 6}\r\n\r\n".encode(),
                _then(parts, pieces(len(boundary) + 6, f"--{boundary}--\r\n".encode())),
            ),
            "codename lookup, Content-Length": (
                f"POST /followup HTTP/1.1\r\n{common}"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {self.size}\r\n\r\n".encode(),
                pieces(self.size, b"codename=" + b"a" * MIB),
            ),
        }

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                token, cookie = self.session()
                _s, page, _c = _request(
                    self.port,
                    "POST",
                    "/report/uploads",
                    b"",
                    {"X-CSRFToken": token, "Cookie": cookie},
                )
                upload = json.loads(page).get("upload", "none")
            except (OSError, AssertionError, ValueError, http.client.HTTPException):
                self.stop.wait(0.5)
                continue
            for kind, (head, body) in self.bodies(token, cookie, upload).items():
                if self.stop.is_set():
                    return
                status = send_body(self.port, head, body)
                self.count(status)
                with self.lock:
                    self.by_kind.setdefault(kind, Counter())[status] += 1


def _then(first: bytes, rest: Callable[[], bytes | None]) -> Callable[[], bytes | None]:
    state = {"first": True}

    def next_piece() -> bytes | None:
        if state["first"]:
            state["first"] = False
            return first
        return rest()

    return next_piece


ATTACKS: list[type[Attack]] = [
    SlowBodies,
    IdleConnections,
    JunkPosts,
    ValidTokenFlood,
    WrongCodenames,
    HostileBodies,
]


@dataclass
class Outcome:
    name: str
    person: PersonSummary
    idle_rss_kib: dict[int, int]
    peak_rss_kib: dict[int, int]
    answers: Counter[int]
    by_kind: dict[str, Counter[int]]

    @property
    def growth_mib(self) -> float:
        return max(
            (self.peak_rss_kib.get(pid, 0) - idle) / 1024 for pid, idle in self.idle_rss_kib.items()
        )


def run_attack(
    make: Callable[[int], Attack] | None,
    port: int,
    worker_pids: Callable[[], list[int]],
    seconds: float,
) -> Outcome:
    """Run one attack (None: no attack, the baseline) for ``seconds`` while the person visits."""
    idle = {pid: rss_kib(pid) for pid in worker_pids()}
    sampler = RssSampler(worker_pids)
    sampler.start()
    attack = make(port) if make else None
    if attack:
        attack.start()
        time.sleep(min(3.0, seconds / 4))  # let it take hold before the person comes
    person = Person(port)
    person.start()
    time.sleep(seconds)
    person.stop.set()
    person.join(timeout=60)
    if attack:
        attack.stop.set()
        attack.join(timeout=90)
    sampler.stop.set()
    sampler.join(timeout=5)
    return Outcome(
        attack.name if attack else "baseline (no attack)",
        person.summary(),
        idle,
        sampler.peak,
        attack.answers if attack else Counter(),
        getattr(attack, "by_kind", {}),
    )


def p95_text(summary: PersonSummary) -> str:
    return " / ".join(f"{summary.p95[step]:.2f}" for step in STEPS)


def describe(outcome: Outcome) -> str:
    person = outcome.person
    peaks = ", ".join(
        f"{outcome.peak_rss_kib.get(pid, 0) // 1024} (idle {idle // 1024})"
        for pid, idle in sorted(outcome.idle_rss_kib.items())
    )
    answers = ", ".join(
        f"{status or 'dropped'}: {n}" for status, n in sorted(outcome.answers.items())
    )
    lines = [
        f"{outcome.name}: person {person.succeeded}/{person.visits} "
        f"({100 * person.rate:.1f} %), p95 form / report / lookup {p95_text(person)} s "
        f"(slowest step {person.slowest:.2f} s); "
        f"worker peak RSS MiB {peaks}; largest growth {outcome.growth_mib:.1f} MiB"
        + (f"; attack answers {answers}" if answers else "")
    ]
    for kind, counts in sorted(outcome.by_kind.items()):
        lines.append(f"    {kind}: {dict(sorted(counts.items()))}")
    return "\n".join(lines)
