"""Case bundles (spec section 3)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import json
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest
from nacl.public import PrivateKey

from crypto import (
    AuthenticationError,
    BundleAccess,
    BundleItemSource,
    FormatError,
    NotARecipientError,
    TruncatedError,
    encrypt,
    generate_keypair,
    open_bundle,
    public_key_to_base64,
    seal_case_key,
    write_bundle,
)


class Case:
    def __init__(self) -> None:
        self.key = generate_keypair()
        self.alice = generate_keypair()
        self.bob = generate_keypair()
        self.report = json.dumps({"what": "travel ban", "where": "airport"}).encode()
        self.attachment = bytes(range(256)) * 300
        self.envelopes = {
            "r1": encrypt(self.report, [self.key.public_key], {"kind": "report"}),
            "a1": encrypt(
                self.attachment,
                [self.key.public_key],
                {"kind": "attachment", "name": "scan.pdf", "type": "application/pdf"},
                chunk_log2=16,
            ),
        }
        self.access = [
            BundleAccess("alice (CCPR)", seal_case_key(self.key, self.alice.public_key)),
            BundleAccess("bob (SP)", seal_case_key(self.key, self.bob.public_key)),
        ]

    def sources(self) -> list[BundleItemSource]:
        return [
            BundleItemSource(
                "r1", "report", datetime.date(2024, 5, 1), opener(self.envelopes["r1"])
            ),
            BundleItemSource(
                "a1", "attachment", datetime.date(2024, 5, 2), opener(self.envelopes["a1"])
            ),
        ]

    def bundle(self) -> bytes:
        out = io.BytesIO()
        write_bundle(
            out,
            case_ref="RPR-2024-7QX",
            case_public_key=self.key.public_key,
            access=self.access,
            items=self.sources(),
            case={"mechanisms": ["CCPR"], "status": "new", "urgency": "high"},
        )
        return out.getvalue()


def opener(data: bytes) -> Callable[[], BinaryIO]:
    return lambda: io.BytesIO(data)


@pytest.fixture(scope="module")
def case() -> Case:
    return Case()


def read_all(bundle: bytes, key: PrivateKey) -> dict[str, tuple[dict[str, object], bytes]]:
    result = {}
    with open_bundle(io.BytesIO(bundle), key) as opened:
        for item, reader in opened.items():
            result[str(item["id"])] = (reader.metadata, b"".join(reader.chunks()))
    return result


def rebuild(
    bundle: bytes, replace: dict[str, bytes | None], add: dict[str, bytes] | None = None
) -> bytes:
    """Copy a bundle's entries, replacing (or dropping, with None) some and adding others."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = replace.get(name, src.read(name))
            if data is not None:
                dst.writestr(name, data)
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def manifest_of(bundle: bytes) -> dict[str, object]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return json.loads(archive.read("manifest.json"))  # type: ignore[no-any-return]


def with_manifest(bundle: bytes, manifest: dict[str, object]) -> bytes:
    return rebuild(bundle, {"manifest.json": json.dumps(manifest).encode()})


def test_write_then_open(case: Case) -> None:
    bundle = case.bundle()
    for reviewer in (case.alice, case.bob):
        items = read_all(bundle, reviewer)
        assert items["r1"] == ({"v": 1, "kind": "report"}, case.report)
        assert items["a1"][1] == case.attachment
        assert items["a1"][0]["name"] == "scan.pdf"
    with open_bundle(io.BytesIO(bundle), case.alice) as opened:
        assert opened.case_ref == "RPR-2024-7QX"
        assert opened.case_key == case.key
        assert opened.manifest["case"] == {
            "mechanisms": ["CCPR"],
            "status": "new",
            "urgency": "high",
        }


def test_bundle_layout(case: Case) -> None:
    bundle = case.bundle()
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        assert archive.namelist() == ["items/r1.rptenv", "items/a1.rptenv", "manifest.json"]
        assert archive.read("items/r1.rptenv") == case.envelopes["r1"]
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    manifest = manifest_of(bundle)
    assert manifest["format"] == "reprisal-case-bundle" and manifest["version"] == 1
    assert manifest["case_public_key"] == public_key_to_base64(case.key.public_key)
    assert manifest["items"] == [
        {
            "id": "r1",
            "kind": "report",
            "path": "items/r1.rptenv",
            "sha256": hashlib.sha256(case.envelopes["r1"]).hexdigest(),
            "created": "2024-05-01",
        },
        {
            "id": "a1",
            "kind": "attachment",
            "path": "items/a1.rptenv",
            "sha256": hashlib.sha256(case.envelopes["a1"]).hexdigest(),
            "created": "2024-05-02",
        },
    ]
    assert case.report not in bundle
    assert bytes(case.key) not in bundle


def test_open_from_path(case: Case, tmp_path: object) -> None:
    import pathlib

    path = pathlib.Path(str(tmp_path)) / "case.zip"
    path.write_bytes(case.bundle())
    with open_bundle(path, case.alice) as opened:
        assert [item["id"] for item, _ in opened.items()] == ["r1", "a1"]
    with open_bundle(str(path), case.bob) as opened:
        assert opened.case_ref == "RPR-2024-7QX"


def test_wrong_reviewer(case: Case) -> None:
    with pytest.raises(NotARecipientError):
        open_bundle(io.BytesIO(case.bundle()), generate_keypair())


def test_case_key_mismatch(case: Case) -> None:
    bundle = case.bundle()
    manifest = manifest_of(bundle)
    manifest["case_public_key"] = public_key_to_base64(generate_keypair().public_key)
    with pytest.raises(AuthenticationError):
        open_bundle(io.BytesIO(with_manifest(bundle, manifest)), case.alice)


def test_sha256_tamper(case: Case) -> None:
    bundle = case.bundle()
    envelope = bytearray(case.envelopes["a1"])
    envelope[-5] ^= 1
    tampered = rebuild(bundle, {"items/a1.rptenv": bytes(envelope)})
    with pytest.raises(AuthenticationError, match="sha256"):
        read_all(tampered, case.alice)
    manifest = manifest_of(bundle)
    manifest["items"][0]["sha256"] = "0" * 64  # type: ignore[index]
    with pytest.raises(AuthenticationError, match="sha256"):
        read_all(with_manifest(bundle, manifest), case.alice)


def test_consistent_tamper_is_caught_by_the_envelope(case: Case) -> None:
    bundle = case.bundle()
    envelope = bytearray(case.envelopes["a1"])
    envelope[-5] ^= 1
    manifest = manifest_of(bundle)
    manifest["items"][1]["sha256"] = hashlib.sha256(envelope).hexdigest()  # type: ignore[index]
    tampered = rebuild(
        bundle, {"items/a1.rptenv": bytes(envelope), "manifest.json": json.dumps(manifest).encode()}
    )
    with pytest.raises(AuthenticationError):
        read_all(tampered, case.alice)


def test_kind_must_match_the_envelope(case: Case) -> None:
    bundle = case.bundle()
    manifest = manifest_of(bundle)
    manifest["items"][0]["kind"] = "note"  # type: ignore[index]
    with pytest.raises(AuthenticationError):
        read_all(with_manifest(bundle, manifest), case.alice)


@pytest.mark.parametrize(
    ("item_id", "path"),
    [
        ("r1", "../r1.rptenv"),
        ("r1", "items/../r1.rptenv"),
        ("r1", "/items/r1.rptenv"),
        ("r1", "items/r1.rptenv/"),
        ("r1", "items\\r1.rptenv"),
        ("../r1", "items/../r1.rptenv"),
        ("r1/..", "items/r1/...rptenv"),
        ("r 1", "items/r 1.rptenv"),
        ("", "items/.rptenv"),
        ("r1\n", "items/r1\n.rptenv"),
    ],
)
def test_path_traversal_is_rejected(case: Case, item_id: str, path: str) -> None:
    bundle = case.bundle()
    manifest = manifest_of(bundle)
    manifest["items"][0]["id"] = item_id  # type: ignore[index]
    manifest["items"][0]["path"] = path  # type: ignore[index]
    bad = rebuild(
        bundle,
        {"manifest.json": json.dumps(manifest).encode(), "items/r1.rptenv": None},
        {path: case.envelopes["r1"]},
    )
    with pytest.raises(FormatError):
        open_bundle(io.BytesIO(bad), case.alice)


def test_entries_must_match_the_manifest(case: Case) -> None:
    bundle = case.bundle()
    with pytest.raises(FormatError):
        open_bundle(io.BytesIO(rebuild(bundle, {}, {"../../evil": b"x"})), case.alice)
    with pytest.raises(FormatError):
        open_bundle(io.BytesIO(rebuild(bundle, {"items/r1.rptenv": None})), case.alice)
    with pytest.raises(FormatError):
        open_bundle(io.BytesIO(rebuild(bundle, {"manifest.json": None})), case.alice)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        duplicated = rebuild(bundle, {}, {"items/r1.rptenv": case.envelopes["r1"]})
    with pytest.raises(FormatError):
        open_bundle(io.BytesIO(duplicated), case.alice)


@pytest.mark.parametrize(
    "change",
    [
        {"format": "zip"},
        {"version": 2},
        {"version": True},
        {"case_ref": 7},
        {"case_public_key": "AAAA"},
        {"access": []},
        {"access": [{"reviewer": "x", "sealed_case_key": "AAAA"}]},
        {"access": "alice"},
        {"items": {}},
        {"case": []},
    ],
)
def test_malformed_manifest(case: Case, change: dict[str, object]) -> None:
    bundle = case.bundle()
    manifest = {**manifest_of(bundle), **change}
    with pytest.raises(FormatError):
        open_bundle(io.BytesIO(with_manifest(bundle, manifest)), case.alice)


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "memo"},
        {"sha256": "ABC"},
        {"sha256": "A" * 64},
        {"created": "2024-13-01"},
        {"created": "2024-05-01T10:00:00"},
        {"created": 20240501},
        {"id": "a1"},  # duplicate
    ],
)
def test_malformed_manifest_item(case: Case, change: dict[str, object]) -> None:
    bundle = case.bundle()
    manifest = manifest_of(bundle)
    item = {**manifest["items"][0], **change}  # type: ignore[index]
    if "id" in change:
        item["path"] = f"items/{change['id']}.rptenv"
    manifest["items"][0] = item  # type: ignore[index]
    with pytest.raises(FormatError):
        open_bundle(io.BytesIO(with_manifest(bundle, manifest)), case.alice)


def test_not_a_zip(case: Case) -> None:
    with pytest.raises(FormatError):
        open_bundle(io.BytesIO(b"not a zip file at all"), case.alice)
    with pytest.raises(FormatError):
        open_bundle(io.BytesIO(case.envelopes["r1"]), case.alice)


def test_manifest_not_json(case: Case) -> None:
    bad = rebuild(case.bundle(), {"manifest.json": b"\xff{"})
    with pytest.raises(FormatError):
        open_bundle(io.BytesIO(bad), case.alice)


def test_write_validates_items(case: Case) -> None:
    def write(**overrides: object) -> None:
        arguments: dict[str, object] = {
            "case_ref": "X",
            "case_public_key": case.key.public_key,
            "access": case.access,
            "items": case.sources(),
            "case": {},
        }
        arguments.update(overrides)
        write_bundle(io.BytesIO(), **arguments)  # type: ignore[arg-type]

    good = case.sources()[0]
    date = datetime.date(2024, 1, 1)
    r1 = opener(case.envelopes["r1"])
    for bad_items in (
        [BundleItemSource("../x", "report", date, r1)],
        [BundleItemSource("x/y", "report", date, r1)],
        [BundleItemSource("", "report", date, r1)],
        [BundleItemSource("x\n", "report", date, r1)],
        [BundleItemSource("x", "memo", date, r1)],
        [BundleItemSource("x", "report", datetime.datetime(2024, 1, 1, 9), r1)],
        [good, good],
    ):
        with pytest.raises(FormatError):
            write(items=bad_items)
    with pytest.raises(FormatError):
        write(access=[])
    with pytest.raises(FormatError):
        write(access=[BundleAccess("x", bytes(79))])
    with pytest.raises(FormatError):
        write(case={"when": datetime.date(2024, 1, 1)})
    with pytest.raises(FormatError):
        write(case_ref="")


def test_write_checks_envelope_structure(case: Case) -> None:
    def write(data: bytes) -> None:
        write_bundle(
            io.BytesIO(),
            case_ref="X",
            case_public_key=case.key.public_key,
            access=case.access,
            items=[BundleItemSource("x", "report", datetime.date(2024, 1, 1), opener(data))],
            case={},
        )

    envelope = case.envelopes["r1"]
    with pytest.raises(FormatError):
        write(envelope[:-1])
    with pytest.raises(FormatError):
        write(envelope + b"\x00")
    with pytest.raises(TruncatedError):
        write(envelope[:50])
    with pytest.raises(FormatError):
        write(b"PK" + envelope)
    write(envelope)


class UnseekableSink(io.RawIOBase):
    """Like an HTTP response body: write-only, no seek, no tell."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.data += data
        return len(data)


def test_write_to_an_unseekable_stream(case: Case) -> None:
    sink = UnseekableSink()
    write_bundle(
        sink,  # type: ignore[arg-type]
        case_ref="RPR-2024-7QX",
        case_public_key=case.key.public_key,
        access=case.access,
        items=case.sources(),
        case={},
    )
    items = read_all(bytes(sink.data), case.bob)
    assert items["a1"][1] == case.attachment


# --- version 2: the manifest authenticated with the case key (docs/spec/bundle-v2.md) ----------

BUNDLE_V2 = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "bundle-v2.json").read_text("utf-8")
)


def test_the_version_2_vector_opens_authenticated_and_its_mac_is_the_specs() -> None:
    from crypto.bundle import manifest_mac

    reviewer = PrivateKey(bytes.fromhex(BUNDLE_V2["reviewer_secret_key_hex"]))
    with open_bundle(io.BytesIO(base64.b64decode(BUNDLE_V2["bundle_base64"])), reviewer) as bundle:
        assert bundle.version == 2 and bundle.authenticated
        assert bytes(bundle.case_key).hex() == BUNDLE_V2["case_secret_key_hex"]
        opened = [b"".join(reader.chunks()).decode() for _item, reader in bundle.items()]
        assert opened == [BUNDLE_V2["report_plaintext"]]
    case_key = PrivateKey(bytes.fromhex(BUNDLE_V2["case_secret_key_hex"]))
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(BUNDLE_V2["bundle_base64"]))) as archive:
        manifest = archive.read("manifest.json")
    assert manifest_mac(case_key, manifest).hex() == BUNDLE_V2["manifest_mac_hex"]
    mac_key = bytes.fromhex(BUNDLE_V2["mac_key_hex"])
    assert (
        hashlib.blake2b(manifest, key=mac_key, digest_size=32).hexdigest()
        == (BUNDLE_V2["manifest_mac_hex"])
    )


def test_an_edited_version_2_manifest_is_refused() -> None:
    reviewer = PrivateKey(bytes.fromhex(BUNDLE_V2["reviewer_secret_key_hex"]))
    with pytest.raises(AuthenticationError):
        open_bundle(io.BytesIO(base64.b64decode(BUNDLE_V2["tampered_bundle_base64"])), reviewer)


def test_a_version_2_bundle_needs_the_case_key_that_matches() -> None:
    case_key = generate_keypair()
    with pytest.raises(FormatError):
        write_bundle(
            io.BytesIO(),
            case_ref="RPR-1",
            case_public_key=case_key.public_key,
            access=[BundleAccess("me", seal_case_key(case_key, generate_keypair().public_key))],
            items=[],
            case={},
            case_key=generate_keypair(),
        )
