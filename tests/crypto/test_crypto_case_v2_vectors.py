"""tests/vectors/case-v2.json: the X-Wing submitter key of codename v2 and a suite-2 case, made once
by an independent implementation (tests/vectors/make_case_v2_vectors.py). The JavaScript side passes
the same file (tests/js/case_v2.test.js, tests/browser/test_rptenv_v2_chromium.py)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from nacl.public import PrivateKey

import crypto
from crypto.codename import derive_codename_v2_keys
from crypto.stanzas import ACCESS_LABEL, seal_stanza_derandomized

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "tests" / "vectors" / "case-v2.json").read_text(encoding="utf-8"))
CODENAME_V2 = json.loads((ROOT / "tests" / "vectors" / "codename-v2.json").read_text("utf-8"))
CASE = VECTORS["case"]


def test_every_codename_v2_vector_has_its_x_wing_submitter_key() -> None:
    assert [(v["language"], v["codename"]) for v in VECTORS["submitter_keys"]] == [
        (v["language"], v["codename"]) for v in CODENAME_V2["vectors"]
    ]


@pytest.mark.parametrize(
    "vector", VECTORS["submitter_keys"], ids=lambda v: f"{v['language']}-{v['codename'][:12]}"
)
def test_the_x_wing_submitter_key_derives_from_the_codename(vector: dict[str, str]) -> None:
    keys = derive_codename_v2_keys(vector["codename"], vector["language"])
    assert keys.hybrid_seed is not None and keys.hybrid_seed.hex() == vector["xwing_submitter_seed"]
    public = bytes(keys.hybrid_submitter_key.public_key)
    assert public.hex() == vector["xwing_submitter_public_key"]
    assert keys.submitter_public_key(2) == keys.hybrid_submitter_key.public_key
    # The v1 derivation of the same codename is unchanged (codename-v2.json still pins it).
    (old,) = [v for v in CODENAME_V2["vectors"] if v["codename"] == vector["codename"]]
    assert bytes(keys.submitter_key.public_key).hex() == old["submitter_public_key"]


def test_the_suite_2_case_opens_for_its_hybrid_reviewer_and_its_submitter() -> None:
    reviewer = crypto.XWingSecretKey(bytes.fromhex(CASE["reviewer_seed"]))
    assert bytes(reviewer.public_key).hex() == CASE["reviewer_public_key"]
    access = bytes.fromhex(CASE["access_stanza"])
    assert len(access) == 1168
    assert access == seal_stanza_derandomized(
        bytes.fromhex(CASE["case_seed"]),
        reviewer.public_key,
        ACCESS_LABEL,
        bytes.fromhex(CASE["access_eseed"]),
    )
    case_public_key = crypto.public_key_from_bytes(bytes.fromhex(CASE["case_public_key"]))
    case_key = crypto.open_case_key([access], reviewer, case_public_key=case_public_key)
    assert isinstance(case_key, crypto.XWingSecretKey)
    report = bytes.fromhex(CASE["report"])
    assert crypto.read_header(io.BytesIO(report)).suite == 2
    assert crypto.decrypt(report, case_key)[1].decode() == CASE["report_plaintext"]
    submitter = derive_codename_v2_keys(CASE["codename"], CASE["language"]).hybrid_submitter_key
    assert bytes(submitter.public_key).hex() == CASE["submitter_public_key"]
    for key in (case_key, submitter):
        metadata, data = crypto.decrypt(bytes.fromhex(CASE["reply"]), key)
        assert metadata["kind"] == "reply" and data.decode() == CASE["reply_plaintext"]


def test_the_x25519_halves_open_nothing_of_the_suite_2_case() -> None:
    reviewer = crypto.XWingSecretKey(bytes.fromhex(CASE["reviewer_seed"]))
    case_key = crypto.XWingSecretKey(bytes.fromhex(CASE["case_seed"]))
    with pytest.raises(crypto.NotARecipientError):
        crypto.open_case_key(
            [bytes.fromhex(CASE["access_stanza"])], PrivateKey(reviewer.x25519_secret_key)
        )
    with pytest.raises(crypto.NotARecipientError):
        crypto.decrypt(bytes.fromhex(CASE["report"]), PrivateKey(case_key.x25519_secret_key))
