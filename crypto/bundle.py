"""The case bundle: a ZIP of a case's envelopes plus manifest.json.

Version 1 (docs/spec/rptenv-v1.md section 3): an X25519 case key and 80-byte access stanzas.
Version 3 (docs/spec/rptenv-v2.md section 6): "case_suite" and a "suite" per access entry, so the
case key and each reviewer's stanza may be X25519 (suite 1) or X-Wing (suite 2). Writers write
version 1 whenever everything in the bundle is suite 1, so older tools keep reading those.
Version 2 (docs/spec/bundle-v2.md): version 1 plus `manifest.mac`, a BLAKE2b MAC of the manifest's
bytes keyed from the case secret key. A version 3 bundle may carry the same `manifest.mac`.

The bundle holds no plaintext and no secret key. Without `manifest.mac` the manifest is not
authenticated: the sha256 values catch a damaged or inconsistent bundle, the envelopes' own
authentication protects their contents, and the case key is checked against `case_public_key`, but
an item can be left out or a routing field changed unnoticed. With it (written only by someone who
holds the case secret key) a reader checks it before reading any item; `OpenedBundle.authenticated`
says which it was.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import IO, BinaryIO

import nacl.bindings
from nacl.public import PublicKey

from ._encoding import b64decode_exact, b64encode, strict_json_loads
from .envelope import ITEM_KINDS, EnvelopeReader, check_structure, read_header
from .errors import AuthenticationError, FormatError
from .keys import ACCESS_STANZA_SIZES, KEY_SIZE, CaseKey, open_case_key
from .stanzas import SUITE_CLASSICAL, SUITE_HYBRID, ReaderKey, RecipientKey, suite_of
from .xwing import PUBLIC_KEY_SIZE, XWingPublicKey

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "MAC_NAME",
    "MANIFEST_NAME",
    "BundleAccess",
    "BundleItemSource",
    "OpenedBundle",
    "item_path",
    "manifest_mac",
    "open_bundle",
    "write_bundle",
]

BUNDLE_FORMAT = "reprisal-case-bundle"
BUNDLE_VERSION = 1
AUTHENTICATED_VERSION = 2  # version 1 with manifest.mac (docs/spec/bundle-v2.md)
SUITES_VERSION = 3  # the first bundle version whose manifest names suites
BUNDLE_VERSIONS = (1, AUTHENTICATED_VERSION, SUITES_VERSION)
_CASE_PUBLIC_KEY_SIZES = {SUITE_CLASSICAL: KEY_SIZE, SUITE_HYBRID: PUBLIC_KEY_SIZE}
_SUITE_OF_STANZA_SIZE = {size: suite for suite, size in ACCESS_STANZA_SIZES.items()}
MANIFEST_NAME = "manifest.json"
MAC_NAME = "manifest.mac"
_MAC_KEY_LABEL = b"RPTENV bundle v2 manifest key"
_MANIFEST_MAX_SIZE = 16 * 1024 * 1024
_COPY_SIZE = 64 * 1024
_ITEM_ID = re.compile(r"[A-Za-z0-9_-]+")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # no export time in the archive


@dataclass(frozen=True)
class BundleAccess:
    """One reviewer's access stanza (the case secret key sealed to their public key).

    Its suite follows from its length: 80 bytes suite 1, 1168 bytes suite 2.
    """

    reviewer: str
    sealed_case_key: bytes


@dataclass(frozen=True)
class BundleItemSource:
    """One stored envelope to put into a bundle; `open` returns it ready for reading."""

    id: str
    kind: str
    created: datetime.date
    open: Callable[[], BinaryIO]


def item_path(item_id: str) -> str:
    """The ZIP entry name of an item: items/<id>.rptenv (FormatError for an unsafe id)."""
    if not isinstance(item_id, str) or not _ITEM_ID.fullmatch(item_id):
        raise FormatError("bundle item id must match [A-Za-z0-9_-]+")
    return f"items/{item_id}.rptenv"


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    return info


def manifest_mac(case_key: CaseKey, manifest: bytes) -> bytes:
    """BLAKE2b-256(manifest bytes, key = BLAKE2b-256("RPTENV bundle v2 manifest key", case secret
    key)); the case secret key is its 32 stored bytes (X25519 secret, or X-Wing seed)."""
    mac_key = nacl.bindings.crypto_generichash_blake2b_salt_personal(
        _MAC_KEY_LABEL, digest_size=32, key=bytes(case_key)
    )
    return nacl.bindings.crypto_generichash_blake2b_salt_personal(
        manifest, digest_size=32, key=mac_key
    )


def _copy_envelope(source: BinaryIO, destination: IO[bytes], case_suite: int) -> str:
    """Copy one envelope, checking its header and size; return the sha256 hex of its bytes."""
    digest = hashlib.sha256()
    header = read_header(source)
    if header.suite != case_suite:
        raise FormatError("a bundle item must be sealed in the suite of the case key")
    destination.write(header.raw)
    digest.update(header.raw)
    total = header.size
    while block := source.read(_COPY_SIZE):
        destination.write(block)
        digest.update(block)
        total += len(block)
    check_structure(header, total)
    return digest.hexdigest()


def write_bundle(
    out: BinaryIO,
    *,
    case_ref: str,
    case_public_key: RecipientKey,
    access: Sequence[BundleAccess],
    items: Iterable[BundleItemSource],
    case: Mapping[str, object],
    case_key: CaseKey | None = None,
) -> None:
    """Write a bundle to `out`: each envelope streamed into items/<id>.rptenv, manifest.json last.

    Each envelope's header and size are checked (not its contents). `out` is not closed.
    The bundle is version 1 when the case key and every access stanza are suite 1, else 3. With
    `case_key` (the case's secret key, which must match `case_public_key`) the manifest is
    authenticated by manifest.mac, and a classical bundle is version 2.
    """
    if case_key is not None and not hmac.compare_digest(
        bytes(case_key.public_key), bytes(case_public_key)
    ):
        raise FormatError("the case key does not match the case public key")
    if not isinstance(case_ref, str) or not case_ref:
        raise FormatError("case_ref must be a non-empty string")
    if not access:
        raise FormatError("a bundle needs at least one access stanza")
    case_suite = suite_of(case_public_key)
    access_suites = []
    for entry in access:
        suite = _SUITE_OF_STANZA_SIZE.get(len(entry.sealed_case_key))
        if not isinstance(entry.reviewer, str) or suite is None:
            sizes = " or ".join(str(size) for size in ACCESS_STANZA_SIZES.values())
            raise FormatError(f"access stanza must be {sizes} bytes with a label")
        access_suites.append(suite)
    classical = {case_suite, *access_suites} == {SUITE_CLASSICAL}
    if not classical:
        version = SUITES_VERSION
    else:
        version = BUNDLE_VERSION if case_key is None else AUTHENTICATED_VERSION
    manifest_items: list[dict[str, object]] = []
    seen: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for item in items:
            path = item_path(item.id)
            if item.id in seen:
                raise FormatError("duplicate bundle item id")
            seen.add(item.id)
            if item.kind not in ITEM_KINDS:
                raise FormatError("unknown bundle item kind")
            if isinstance(item.created, datetime.datetime) or not isinstance(
                item.created, datetime.date
            ):
                raise FormatError("bundle item created must be a date, not a time")
            with item.open() as source, archive.open(_zip_info(path), "w", force_zip64=True) as dst:
                sha256 = _copy_envelope(source, dst, case_suite)
            manifest_items.append(
                {
                    "id": item.id,
                    "kind": item.kind,
                    "path": path,
                    "sha256": sha256,
                    "created": item.created.isoformat(),
                }
            )
        manifest: dict[str, object] = {
            "format": BUNDLE_FORMAT,
            "version": version,
            "case_ref": case_ref,
        }
        if version < SUITES_VERSION:
            manifest["case_public_key"] = b64encode(bytes(case_public_key))
            manifest["access"] = [
                {"reviewer": entry.reviewer, "sealed_case_key": b64encode(entry.sealed_case_key)}
                for entry in access
            ]
        else:
            manifest["case_suite"] = case_suite
            manifest["case_public_key"] = b64encode(bytes(case_public_key))
            manifest["access"] = [
                {
                    "reviewer": entry.reviewer,
                    "suite": suite,
                    "sealed_case_key": b64encode(entry.sealed_case_key),
                }
                for entry, suite in zip(access, access_suites, strict=True)
            ]
        manifest["items"] = manifest_items
        manifest["case"] = dict(case)
        try:
            manifest_bytes = (
                json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
            ).encode("utf-8")
        except (TypeError, ValueError):
            raise FormatError("bundle case fields are not serialisable as JSON") from None
        archive.writestr(_zip_info(MANIFEST_NAME), manifest_bytes)
        if case_key is not None:
            mac = manifest_mac(case_key, manifest_bytes).hex() + "\n"
            archive.writestr(_zip_info(MAC_NAME), mac.encode("ascii"))


# --- reading -----------------------------------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise FormatError(f"bundle manifest: {message}")


def _parse_items(value: object) -> list[dict[str, object]]:
    _require(isinstance(value, list), "items must be a list")
    assert isinstance(value, list)
    items: list[dict[str, object]] = []
    seen: set[str] = set()
    for item in value:
        _require(isinstance(item, dict), "each item must be an object")
        assert isinstance(item, dict)
        item_id = item.get("id")
        _require(isinstance(item_id, str) and bool(_ITEM_ID.fullmatch(item_id)), "bad item id")
        assert isinstance(item_id, str)
        _require(item_id not in seen, "duplicate item id")
        seen.add(item_id)
        _require(item.get("path") == item_path(item_id), "item path must be items/<id>.rptenv")
        _require(item.get("kind") in ITEM_KINDS, "unknown item kind")
        sha256 = item.get("sha256")
        _require(isinstance(sha256, str) and bool(_SHA256_HEX.fullmatch(sha256)), "bad sha256")
        created = item.get("created")
        _require(isinstance(created, str) and bool(_DATE.fullmatch(created)), "bad created date")
        assert isinstance(created, str)
        try:
            datetime.date.fromisoformat(created)
        except ValueError:
            raise FormatError("bundle manifest: bad created date") from None
        items.append(item)
    return items


def _parse_suite(value: object, what: str) -> int:
    _require(type(value) is int and value in ACCESS_STANZA_SIZES, f"unknown {what}")
    assert isinstance(value, int)
    return value


def _parse_access(value: object, version: int) -> list[bytes]:
    _require(isinstance(value, list) and bool(value), "access must be a non-empty list")
    assert isinstance(value, list)
    stanzas = []
    for entry in value:
        _require(isinstance(entry, dict), "each access entry must be an object")
        assert isinstance(entry, dict)
        _require(isinstance(entry.get("reviewer"), str), "access reviewer must be a string")
        if version < SUITES_VERSION:
            _require("suite" not in entry, f'version {version} access entries have no "suite"')
            suite = SUITE_CLASSICAL
        else:
            suite = _parse_suite(entry.get("suite"), "access suite")
        stanzas.append(
            b64decode_exact(
                entry.get("sealed_case_key"), ACCESS_STANZA_SIZES[suite], "sealed_case_key"
            )
        )
    return stanzas


def _parse_case_public_key(manifest: dict[str, object], version: int) -> RecipientKey:
    if version < SUITES_VERSION:
        _require("case_suite" not in manifest, f'version {version} has no "case_suite"')
        suite = SUITE_CLASSICAL
    else:
        suite = _parse_suite(manifest.get("case_suite"), "case_suite")
    data = b64decode_exact(
        manifest.get("case_public_key"), _CASE_PUBLIC_KEY_SIZES[suite], "case_public_key"
    )
    if suite == SUITE_CLASSICAL:
        return PublicKey(data)
    return XWingPublicKey(data)


class OpenedBundle:
    """A bundle whose case key has been recovered. Use as a context manager, or call close()."""

    manifest: dict[str, object]
    case_ref: str
    case_public_key: RecipientKey
    case_key: CaseKey
    version: int
    authenticated: bool  # manifest.mac present and verified with the case key

    def __init__(self, archive: zipfile.ZipFile, reviewer_key: ReaderKey) -> None:
        self._archive = archive
        names = archive.namelist()
        if len(names) != len(set(names)):
            raise FormatError("bundle has duplicate entries")
        for entry_info in archive.infolist():
            if entry_info.flag_bits & 0x1:
                raise FormatError("bundle entries must not be ZIP-encrypted")
            if entry_info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise FormatError("bundle entries must be stored or deflated")
        try:
            info = archive.getinfo(MANIFEST_NAME)
        except KeyError:
            raise FormatError("bundle has no manifest.json") from None
        if info.file_size > _MANIFEST_MAX_SIZE:
            raise FormatError("bundle manifest.json is too large")
        with archive.open(info) as entry:
            raw = entry.read(_MANIFEST_MAX_SIZE + 1)
        if len(raw) > _MANIFEST_MAX_SIZE:
            raise FormatError("bundle manifest.json is too large")
        manifest = strict_json_loads(raw, "bundle manifest")
        _require(manifest.get("format") == BUNDLE_FORMAT, "not a reprisal case bundle")
        version = manifest.get("version")
        _require(type(version) is int and version in BUNDLE_VERSIONS, "unsupported version")
        assert isinstance(version, int)
        case_ref = manifest.get("case_ref")
        _require(isinstance(case_ref, str), "case_ref must be a string")
        assert isinstance(case_ref, str)
        _require(isinstance(manifest.get("case"), dict), "case must be an object")
        case_public_key = _parse_case_public_key(manifest, version)
        stanzas = _parse_access(manifest.get("access"), version)
        self._items = _parse_items(manifest.get("items"))
        expected = {MANIFEST_NAME, *(item_path(str(item["id"])) for item in self._items)}
        has_mac = MAC_NAME in names
        _require(
            has_mac == (version == AUTHENTICATED_VERSION) or version == SUITES_VERSION,
            f"version {version} bundles {'need' if version == 2 else 'have no'} manifest.mac",
        )
        if has_mac:
            expected.add(MAC_NAME)
        if set(names) != expected:
            raise FormatError("bundle entries do not match its manifest")
        self.manifest = manifest
        self.case_ref = case_ref
        self.case_public_key = case_public_key
        self.version = version
        self.case_key = open_case_key(stanzas, reviewer_key, case_public_key=case_public_key)
        if has_mac:
            with archive.open(MAC_NAME) as entry:
                stored = entry.read(200)
            expected_mac = manifest_mac(self.case_key, raw).hex() + "\n"
            if not hmac.compare_digest(stored, expected_mac.encode("ascii")):
                raise AuthenticationError("the bundle manifest does not match its MAC")
        self.authenticated = has_mac

    def _sha256(self, path: str) -> str:
        digest = hashlib.sha256()
        with self._archive.open(path) as entry:
            while block := entry.read(_COPY_SIZE):
                digest.update(block)
        return digest.hexdigest()

    def items(self) -> Iterator[tuple[dict[str, object], EnvelopeReader]]:
        """Yield (manifest item, reader) per item, after checking the entry's sha256.

        Consume each reader's chunks() before advancing: the entry is closed when the iterator
        moves on. The envelope's authenticated kind must equal the manifest's.
        """
        for item in self._items:
            path = str(item["path"])
            try:
                actual = self._sha256(path)
                if not hmac.compare_digest(actual, str(item["sha256"])):
                    raise AuthenticationError("bundle entry does not match its sha256")
                entry = self._archive.open(path)
            except zipfile.BadZipFile:
                raise FormatError("bundle entry is damaged") from None
            with entry:
                reader = EnvelopeReader(entry, self.case_key)  # type: ignore[arg-type]
                if reader.metadata.get("kind") != item["kind"]:
                    raise AuthenticationError("bundle item kind differs from the envelope's")
                yield dict(item), reader

    def close(self) -> None:
        self._archive.close()

    def __enter__(self) -> OpenedBundle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_bundle(
    path_or_file: str | os.PathLike[str] | BinaryIO, reviewer_key: ReaderKey
) -> OpenedBundle:
    """Open a bundle and recover its case key with `reviewer_key`.

    FormatError for a malformed bundle, NotARecipientError if no access stanza is for this key,
    AuthenticationError if the recovered case key does not match `case_public_key`.
    """
    try:
        archive = zipfile.ZipFile(path_or_file, "r")
    except (zipfile.BadZipFile, zipfile.LargeZipFile):
        raise FormatError("not a ZIP archive") from None
    try:
        return OpenedBundle(archive, reviewer_key)
    except BaseException:
        archive.close()
        raise
