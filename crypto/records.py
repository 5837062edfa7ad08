"""Reader records (docs/spec/reader-record-v1.md): a reader's public key signed by the organisation.

A record file is UTF-8 JSON carrying the payload as base64 and one or more Ed25519 signatures:

    {"format": "reprisal-reader-record", "version": 1, "payload": b64,
     "signatures": [{"org_key": b64 (32 bytes), "signature": b64 (64 bytes)}]}

The signed bytes are SIGNING_CONTEXT followed by the payload bytes exactly as carried: a verifier never
re-serialises JSON, so Python and JavaScript check the same bytes. The payload is a JSON object of type
"reader" (a key that may receive access stanzas) or "revocation" (a key that never may again).
"""

from __future__ import annotations

import datetime
import json
import re
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

from ._encoding import b64decode_exact, b64encode, strict_json_loads
from .errors import FormatError, RptenvError

__all__ = [
    "RECORD_FORMAT",
    "RECORD_VERSION",
    "ROLES",
    "SIGNING_CONTEXT",
    "SUITE_PUBLIC_KEY_SIZES",
    "ReaderRecord",
    "Revocation",
    "SignatureError",
    "parse_org_public_keys",
    "sign_payload",
    "sign_reader",
    "sign_revocation",
    "verify_reader",
    "verify_record",
]

RECORD_FORMAT = "reprisal-reader-record"
RECORD_VERSION = 1
SIGNING_CONTEXT = b"reprisal reader record v1\x00"
ROLES = ("focal_point", "escrow")
# Suite 1: X25519 (RPTENV v1). Suite 2: X-Wing (X25519 + ML-KEM-768), issue 19.
SUITE_PUBLIC_KEY_SIZES = {1: 32, 2: 1216}
MAX_PUBLIC_KEY_SIZE = 4096
MAX_RECORD_SIZE = 64 * 1024
MAX_HOLDER_LENGTH = 200
ORG_KEY_SIZE = 32
SIGNATURE_SIZE = 64
_ID = re.compile(r"[0-9a-f]{32}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MECHANISM = re.compile(r"[A-Z]{2,16}")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_READER_FIELDS = frozenset(
    {
        "type",
        "id",
        "suite",
        "public_key",
        "holder",
        "role",
        "mechanisms",
        "not_before",
        "not_after",
        "issued",
    }
)
_REVOCATION_FIELDS = frozenset({"type", "id", "suite", "public_key", "issued"})


class SignatureError(RptenvError):
    """No signature on the record verifies with a pinned organisation key."""


@dataclass(frozen=True)
class ReaderRecord:
    """A reader's key as the organisation certified it."""

    id: str
    suite: int
    public_key: bytes
    holder: str
    role: str
    mechanisms: tuple[str, ...]  # empty for an escrow key that receives every mechanism's cases
    not_before: datetime.date
    not_after: datetime.date
    issued: datetime.date

    def valid_on(self, day: datetime.date) -> bool:
        """Within its validity dates (both inclusive)."""
        return self.not_before <= day <= self.not_after

    def covers(self, mechanism_code: str) -> bool:
        """New cases of this mechanism may be sealed to this key."""
        if self.role == "escrow" and not self.mechanisms:
            return True
        return mechanism_code in self.mechanisms


@dataclass(frozen=True)
class Revocation:
    """The organisation's word that a key must never receive a stanza again."""

    id: str
    suite: int
    public_key: bytes
    issued: datetime.date


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise FormatError(f"reader record: {message}")


def _date(value: object, name: str) -> datetime.date:
    _require(isinstance(value, str) and bool(_DATE.fullmatch(value)), f"{name} must be YYYY-MM-DD")
    assert isinstance(value, str)
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise FormatError(f"reader record: {name} is not a date") from None


def _suite_and_key(payload: dict[str, object]) -> tuple[int, bytes]:
    suite = payload.get("suite")
    _require(type(suite) is int and 1 <= suite <= 255, "suite must be an integer 1..255")
    assert isinstance(suite, int)
    size = SUITE_PUBLIC_KEY_SIZES.get(suite)
    key = b64decode_exact(payload.get("public_key"), size, "reader record public_key")
    _require(0 < len(key) <= MAX_PUBLIC_KEY_SIZE, "public_key has an impossible length")
    return suite, key


def _parse_payload(raw: bytes) -> ReaderRecord | Revocation:
    payload = strict_json_loads(raw, "reader record payload")
    kind = payload.get("type")
    record_id = payload.get("id")
    _require(isinstance(record_id, str) and bool(_ID.fullmatch(record_id)), "id must be 32 hex")
    assert isinstance(record_id, str)
    if kind == "revocation":
        _require(set(payload) == _REVOCATION_FIELDS, "unexpected or missing fields")
        suite, key = _suite_and_key(payload)
        return Revocation(record_id, suite, key, _date(payload["issued"], "issued"))
    _require(kind == "reader", "type must be reader or revocation")
    _require(set(payload) == _READER_FIELDS, "unexpected or missing fields")
    suite, key = _suite_and_key(payload)
    holder = payload["holder"]
    _require(
        isinstance(holder, str)
        and 0 < len(holder) <= MAX_HOLDER_LENGTH
        and not _CONTROL.search(holder),
        f"holder must be 1..{MAX_HOLDER_LENGTH} characters, no control characters",
    )
    assert isinstance(holder, str)
    role = payload["role"]
    _require(role in ROLES, "role must be focal_point or escrow")
    assert isinstance(role, str)
    mechanisms = payload["mechanisms"]
    _require(
        isinstance(mechanisms, list)
        and all(isinstance(m, str) and _MECHANISM.fullmatch(m) for m in mechanisms)
        and mechanisms == sorted(set(mechanisms)),
        "mechanisms must be a sorted list of distinct codes",
    )
    assert isinstance(mechanisms, list)
    _require(role == "escrow" or bool(mechanisms), "a focal point's record names a mechanism")
    not_before = _date(payload["not_before"], "not_before")
    not_after = _date(payload["not_after"], "not_after")
    _require(not_before <= not_after, "not_before is after not_after")
    return ReaderRecord(
        id=record_id,
        suite=suite,
        public_key=key,
        holder=holder,
        role=role,
        mechanisms=tuple(mechanisms),
        not_before=not_before,
        not_after=not_after,
        issued=_date(payload["issued"], "issued"),
    )


def parse_org_public_keys(text: str) -> tuple[bytes, ...]:
    """Pinned organisation keys: base64 Ed25519 public keys separated by commas, spaces or lines."""
    keys = [
        b64decode_exact(part, ORG_KEY_SIZE, "organisation public key")
        for part in re.split(r"[\s,]+", text.strip())
        if part
    ]
    return tuple(dict.fromkeys(keys))


def verify_record(text: str | bytes, org_keys: Collection[bytes]) -> ReaderRecord | Revocation:
    """Check the record file's structure and that a pinned organisation key signed its payload.

    FormatError for a malformed file or payload, SignatureError when no signature by a pinned key
    verifies. Validity dates are the caller's to check (`ReaderRecord.valid_on`).
    """
    raw = text.encode("utf-8") if isinstance(text, str) else text
    _require(len(raw) <= MAX_RECORD_SIZE, "file too large")
    document = strict_json_loads(raw, "reader record")
    _require(document.get("format") == RECORD_FORMAT, "not a reader record")
    version = document.get("version")
    _require(type(version) is int and version == RECORD_VERSION, "unsupported version")
    _require(set(document) == {"format", "version", "payload", "signatures"}, "unexpected fields")
    payload = b64decode_exact(document["payload"], None, "reader record payload")
    signatures = document["signatures"]
    _require(isinstance(signatures, list) and bool(signatures), "signatures must be a list")
    assert isinstance(signatures, list)
    parsed = []
    for entry in signatures:
        _require(
            isinstance(entry, dict) and set(entry) == {"org_key", "signature"},
            "a signature is {org_key, signature}",
        )
        assert isinstance(entry, dict)
        parsed.append(
            (
                b64decode_exact(entry["org_key"], ORG_KEY_SIZE, "org_key"),
                b64decode_exact(entry["signature"], SIGNATURE_SIZE, "signature"),
            )
        )
    record = _parse_payload(payload)
    pinned = set(org_keys)
    for org_key, signature in parsed:
        if org_key not in pinned:
            continue
        try:
            nacl.signing.VerifyKey(org_key).verify(SIGNING_CONTEXT + payload, signature)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError):
            continue
        return record
    raise SignatureError("no signature by a pinned organisation key verifies")


def verify_reader(text: str | bytes, org_keys: Collection[bytes]) -> ReaderRecord:
    """`verify_record`, requiring a reader record (FormatError for a revocation)."""
    record = verify_record(text, org_keys)
    if not isinstance(record, ReaderRecord):
        raise FormatError("reader record: this is a revocation, not a reader record")
    return record


# --- signing (offline, `reprisal-decrypt sign-reader` / `revoke-reader`) -----------------------


def _payload_bytes(payload: dict[str, object]) -> bytes:
    """How this project writes a payload: compact JSON, sorted keys, UTF-8 (verifiers take any)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sign_payload(payload: bytes, signing_keys: Iterable[nacl.signing.SigningKey]) -> str:
    """The record file (JSON text, ending in a newline) for `payload`, signed by each key."""
    signatures = [
        {
            "org_key": b64encode(bytes(key.verify_key)),
            "signature": b64encode(key.sign(SIGNING_CONTEXT + payload).signature),
        }
        for key in signing_keys
    ]
    if not signatures:
        raise ValueError("a record needs at least one signature")
    document = {
        "format": RECORD_FORMAT,
        "version": RECORD_VERSION,
        "payload": b64encode(payload),
        "signatures": signatures,
    }
    return json.dumps(document, indent=2) + "\n"


def sign_reader(
    signing_key: nacl.signing.SigningKey,
    *,
    public_key: bytes,
    holder: str,
    role: str,
    mechanisms: Iterable[str],
    not_before: datetime.date,
    not_after: datetime.date,
    suite: int = 1,
    issued: datetime.date | None = None,
    record_id: str | None = None,
) -> str:
    """Certify a reader's key; the result is checked by `verify_record` before it is returned."""
    payload = _payload_bytes(
        {
            "type": "reader",
            "id": record_id or secrets.token_hex(16),
            "suite": suite,
            "public_key": b64encode(public_key),
            "holder": holder,
            "role": role,
            "mechanisms": sorted({m.upper() for m in mechanisms}),
            "not_before": not_before.isoformat(),
            "not_after": not_after.isoformat(),
            "issued": (issued or datetime.datetime.now(datetime.UTC).date()).isoformat(),
        }
    )
    text = sign_payload(payload, [signing_key])
    verify_reader(text, [bytes(signing_key.verify_key)])
    return text


def sign_revocation(
    signing_key: nacl.signing.SigningKey,
    *,
    public_key: bytes,
    suite: int = 1,
    issued: datetime.date | None = None,
    record_id: str | None = None,
) -> str:
    """Revoke every record of `public_key`, for good."""
    payload = _payload_bytes(
        {
            "type": "revocation",
            "id": record_id or secrets.token_hex(16),
            "suite": suite,
            "public_key": b64encode(public_key),
            "issued": (issued or datetime.datetime.now(datetime.UTC).date()).isoformat(),
        }
    )
    text = sign_payload(payload, [signing_key])
    verify_record(text, [bytes(signing_key.verify_key)])
    return text
