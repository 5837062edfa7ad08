"""An administrator manages reviewers and cases with ``reprisal-admin``."""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from crypto.bundle import open_bundle
from crypto.keys import generate_keypair
from reprisal_intake import schema
from reprisal_intake.models import Reviewer
from tests.factories import database, make_reviewer
from tests.support.cli import run
from tests.support.intake import submit


def test_init_is_idempotent(admin_app: Flask) -> None:
    first = run(admin_app, "init")
    second = run(admin_app, "init")
    assert first.exit_code == second.exit_code == 0
    assert f"revision {schema.head_revision()}." in second.output


def test_reviewer_add_registers_only_a_public_key(admin_app: Flask) -> None:
    key = generate_keypair()
    encoded = base64.b64encode(bytes(key.public_key)).decode()
    result = run(
        admin_app,
        "reviewer",
        "add",
        "Ana",
        "--mechanism",
        "CAT",
        "--mechanism",
        "spt",
        "--public-key",
        encoded,
    )
    assert result.exit_code == 0, result.output
    assert "Stored the key of Ana for CAT, SPT. It is NOT encrypted to" in result.output
    with database(admin_app).session() as session:
        reviewer = session.scalars(select(Reviewer).where(Reviewer.name == "Ana")).one()
        assert reviewer.public_key == bytes(key.public_key)
        assert {m.code for m in reviewer.mechanisms} == {"CAT", "SPT"}
    listing = run(admin_app, "reviewer", "list")
    assert "Ana\tCAT,SPT\tactive" in listing.output
    assert "waiting for the organisation's signature" in listing.output


def test_reviewer_add_refuses_bad_input(admin_app: Flask) -> None:
    key = base64.b64encode(bytes(generate_keypair().public_key)).decode()
    bad_key = run(admin_app, "reviewer", "add", "A", "--mechanism", "CAT", "--public-key", "abc")
    assert bad_key.exit_code == 2
    assert "not a public key" in bad_key.output
    short = base64.b64encode(b"x" * 31).decode()
    assert (
        run(
            admin_app, "reviewer", "add", "A", "--mechanism", "CAT", "--public-key", short
        ).exit_code
        == 2
    )
    unknown = run(admin_app, "reviewer", "add", "A", "--mechanism", "NOPE", "--public-key", key)
    assert unknown.exit_code == 2
    assert "unknown mechanism NOPE" in unknown.output
    assert (
        run(admin_app, "reviewer", "add", "A", "--mechanism", "CAT", "--public-key", key).exit_code
        == 0
    )
    again = run(admin_app, "reviewer", "add", "A", "--mechanism", "CAT", "--public-key", key)
    assert again.exit_code == 2
    assert "exists already" in again.output


def test_case_list_json_has_the_fixed_fields(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    assert run(admin_app, "case", "list", "--json").output.strip() == "[]"
    assert submit(client, urgency="immediate").status_code == 200
    cases = json.loads(run(admin_app, "case", "list", "--json").output)
    assert len(cases) == 1
    case = cases[0]
    assert {"ref", "mechanisms", "status", "created"} <= case.keys()
    assert case["mechanisms"] == ["CAT"]
    assert case["status"] == "received"
    assert case["urgency"] == "immediate"
    assert len(case["created"]) == 10  # a date, never a time


def test_case_export_writes_a_bundle_the_reviewer_opens(
    app: Flask, admin_app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    reviewer = make_reviewer(app, "CAT")
    submit(client, what_happened="EXPORT-PHRASE-55")
    ref = json.loads(run(admin_app, "case", "list", "--json").output)[0]["ref"]
    out = tmp_path / "case.zip"
    result = run(admin_app, "case", "export", ref.lower(), "--out", str(out))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert b"EXPORT-PHRASE-55" not in b"".join(archive.read(n) for n in archive.namelist())
    assert manifest["case_ref"] == ref
    assert manifest["access"][0]["reviewer"] == reviewer.name
    bundle = open_bundle(out, reviewer.secret_key)
    texts = [b"".join(reader.chunks()) for _item, reader in bundle.items()]
    assert any(b"EXPORT-PHRASE-55" in text for text in texts)

    refused = run(admin_app, "case", "export", ref, "--out", str(out))
    assert refused.exit_code == 2
    assert "exists" in refused.output
    missing = run(admin_app, "case", "export", "NOPE-NOPE", "--out", str(tmp_path / "x.zip"))
    assert missing.exit_code == 2
    assert "no case" in missing.output
    assert not (tmp_path / "x.zip").exists()
