"""Only certified readers receive a stanza (issue 14, docs/spec/reader-record-v1.md section 4).

A key added to the database without the organisation's signature (or with a record that is expired,
revoked, for another key, another mechanism or another role, or signed by a key the deployment does
not pin) never receives a stanza: not on the no-JavaScript path, where the server seals, and not on
the JavaScript path, where the server offers only certified keys and refuses a case sealed to others.
"""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Callable
from typing import Any

import nacl.signing
import pytest
from flask import Flask
from flask.testing import FlaskClient
from nacl.public import PrivateKey, PublicKey
from sqlalchemy import insert, select

from crypto.codename import derive_codename_keys, generate_codename
from crypto.envelope import CHUNK_LOG2_TEXT, encrypt
from crypto.errors import NotARecipientError
from crypto.keys import generate_keypair, open_case_key, seal_case_key
from crypto.records import sign_revocation
from reprisal_intake.models import AccessStanza, Case, Mechanism, ReaderRevocation, Reviewer
from tests.factories import (
    ORG_SIGNING_KEY,
    database,
    make_reviewer,
    reader_record,
    report_form,
)
from tests.support.forms import csrf_token, post_form

TODAY = datetime.datetime.now(datetime.UTC).date()
DAY = datetime.timedelta(days=1)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def add_key(
    app: Flask, record: Callable[[bytes], str | None], *, escrow: bool = False
) -> PrivateKey:
    """A key stored for CAT (or as escrow) the way a database writer could, with ``record``."""
    key = generate_keypair()
    with database(app).session() as session:
        mechanisms = [] if escrow else [session.get(Mechanism, "CAT")]
        session.add(
            Reviewer(
                name=f"candidate {b64(bytes(key.public_key))[:8]}",
                public_key=bytes(key.public_key),
                mechanisms=mechanisms,
                escrow=escrow,
                record=record(bytes(key.public_key)),
            )
        )
    return key


def stanzas_of_every_case(app: Flask) -> list[list[bytes]]:
    with database(app).session() as session:
        refs = session.scalars(select(Case.ref)).all()
        return [
            list(
                session.scalars(
                    select(AccessStanza.sealed_case_key).where(AccessStanza.case_ref == ref)
                )
            )
            for ref in refs
        ]


def opens(stanzas: list[bytes], key: PrivateKey) -> bool:
    try:
        open_case_key(stanzas, key)
    except NotARecipientError:
        return False
    return True


def send_without_javascript(client: FlaskClient) -> None:
    token = csrf_token(client, "/report")
    response = post_form(client, "/report", report_form(token))
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]


def send_with_javascript(client: FlaskClient) -> Any:
    """What report.js does: fetch the keys, seal the case key to each, commit."""
    token = csrf_token(client, "/report")
    offered = client.get("/report/keys/CAT").get_json()["recipients"]
    case_key = generate_keypair()
    codename_keys = derive_codename_keys(generate_codename())
    report = encrypt(
        b'{"what_happened": "x"}', [case_key.public_key], {"kind": "report"},
        chunk_log2=CHUNK_LOG2_TEXT,
    )  # fmt: skip
    payload = commit_payload(case_key, codename_keys, report, offered)
    return (
        client.post(
            "/report/commit",
            data=json.dumps(payload),
            headers={"X-CSRFToken": token},
            content_type="application/json",
        ),
        offered,
        (case_key, codename_keys, report),
    )


def commit_payload(
    case_key: PrivateKey, codename_keys: Any, report: bytes, recipients: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "mechanism": "CAT",
        "urgency": "urgent",
        "consent": {"store_assess": "granted", "given_by": "victim"},
        "case_public_key": b64(bytes(case_key.public_key)),
        "submitter_public_key": b64(bytes(codename_keys.submitter_key.public_key)),
        "lookup_tag": b64(codename_keys.lookup_tag),
        "access": [
            {
                "reviewer": r["id"],
                "public_key": r["public_key"],
                "sealed_case_key": b64(
                    seal_case_key(case_key, PublicKey(base64.b64decode(r["public_key"])))
                ),
            }
            for r in recipients
        ],
        "report": b64(report),
        "attachments": [],
    }


UNPINNED = nacl.signing.SigningKey.generate()

# Every way a key can be in the database without being a reader today.
NOT_READERS: dict[str, tuple[Callable[[bytes], str | None], bool]] = {
    "no record": (lambda key: None, False),
    "signed by an unpinned key": (
        lambda key: reader_record(key, "CAT", signing_key=UNPINNED),
        False,
    ),
    "expired": (lambda key: reader_record(key, "CAT", not_after=TODAY - DAY), False),
    "not yet valid": (lambda key: reader_record(key, "CAT", not_before=TODAY + DAY), False),
    "record for another mechanism": (lambda key: reader_record(key, "SPT"), False),
    "record of another key": (lambda key: reader_record(bytes(32 * [7]), "CAT"), False),
    "escrow row, focal point record": (lambda key: reader_record(key, "CAT"), True),
    "focal point row, escrow record": (lambda key: reader_record(key, role="escrow"), False),
    "escrow record of another key": (lambda key: reader_record(bytes(32), role="escrow"), True),
    "a revocation instead of a record": (
        lambda key: sign_revocation(ORG_SIGNING_KEY, public_key=key),
        False,
    ),
    "not a record": (lambda key: "{}", False),
}


@pytest.mark.parametrize("case", NOT_READERS, ids=list(NOT_READERS))
def test_a_key_without_a_valid_record_never_receives_a_stanza_on_either_path(
    app: Flask, client: FlaskClient, case: str
) -> None:
    record, escrow = NOT_READERS[case]
    reader = make_reviewer(app, "CAT")
    candidate = add_key(app, record, escrow=escrow)

    send_without_javascript(client)
    response, offered, _sealed = send_with_javascript(client)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert [r["public_key"] for r in offered] == [b64(bytes(reader.secret_key.public_key))]
    cases = stanzas_of_every_case(app)
    assert len(cases) == 2
    for stanzas in cases:
        assert opens(stanzas, reader.secret_key)
        assert not opens(stanzas, candidate)
        assert len(stanzas) == 1


def test_a_key_inserted_with_sql_is_not_offered_and_a_case_sealed_to_it_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    reader = make_reviewer(app, "CAT")
    intruder = generate_keypair()
    with database(app).session() as session:
        session.execute(
            insert(Reviewer.__table__),
            {"id": "intruder", "name": "intruder", "public_key": bytes(intruder.public_key),
             "active": True, "escrow": True, "created": TODAY},
        )  # fmt: skip
    token = csrf_token(client, "/report")
    offered = client.get("/report/keys/CAT").get_json()["recipients"]
    assert [r["id"] for r in offered] == [reader.id]
    # A browser that was told to seal to the intruder too (a tampered answer): refused, not stored.
    forged = [*offered, {"id": "intruder", "public_key": b64(bytes(intruder.public_key))}]
    case_key = generate_keypair()
    report = encrypt(b"{}", [case_key.public_key], {"kind": "report"}, chunk_log2=CHUNK_LOG2_TEXT)
    payload = commit_payload(case_key, derive_codename_keys(generate_codename()), report, forged)
    response = client.post(
        "/report/commit", data=json.dumps(payload), headers={"X-CSRFToken": token},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 409
    assert stanzas_of_every_case(app) == []

    send_without_javascript(client)
    [stanzas] = stanzas_of_every_case(app)
    assert opens(stanzas, reader.secret_key) and not opens(stanzas, intruder)


def test_a_revoked_key_receives_nothing_and_its_mechanism_stops_taking_reports(
    app: Flask, client: FlaskClient
) -> None:
    reader = make_reviewer(app, "CAT")
    make_reviewer(app, "SPT")
    public_key = bytes(reader.secret_key.public_key)
    with database(app).session() as session:
        session.add(
            ReaderRevocation(
                public_key=public_key,
                record=sign_revocation(ORG_SIGNING_KEY, public_key=public_key),
            )
        )
    assert client.get("/report/keys/CAT").status_code == 404
    page = client.get("/report").get_data(as_text=True)
    assert 'name="mechanism" value="CAT"' not in page
    assert 'name="mechanism" value="SPT"' in page
    token = csrf_token(client, "/report")
    assert post_form(client, "/report", report_form(token)).status_code == 400
    assert stanzas_of_every_case(app) == []


def test_a_revocation_signed_by_an_unpinned_key_revokes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    reader = make_reviewer(app, "CAT")
    public_key = bytes(reader.secret_key.public_key)
    with database(app).session() as session:
        session.add(
            ReaderRevocation(
                public_key=public_key, record=sign_revocation(UNPINNED, public_key=public_key)
            )
        )
    send_without_javascript(client)
    [stanzas] = stanzas_of_every_case(app)
    assert opens(stanzas, reader.secret_key)


def test_without_a_pinned_organisation_key_nothing_is_sealed(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    app.config["ORG_PUBLIC_KEYS"] = ()
    assert client.get("/report/keys/CAT").status_code == 404
    assert "not accepting reports" in client.get("/report").get_data(as_text=True)


def test_the_keys_endpoint_gives_each_record_for_the_browser_to_check(
    app: Flask, client: FlaskClient
) -> None:
    reader = make_reviewer(app, "CAT")
    with database(app).session() as session:
        stored = session.get(Reviewer, reader.id).record
    [offered] = client.get("/report/keys/CAT").get_json()["recipients"]
    assert offered == {
        "id": reader.id,
        "public_key": b64(bytes(reader.secret_key.public_key)),
        "record": stored,
    }


# --- the pages tell the truth about readers (issue 14, item 2) ----------------------------------


def readers_block(page: str, heading: str) -> str:
    start = page.index(heading)
    return page[start : page.index("</dl>", start)]


def certified_escrow(app: Flask, holder: str) -> PrivateKey:
    return add_key(app, lambda key: reader_record(key, role="escrow", holder=holder), escrow=True)


def test_the_report_page_lists_each_mechanisms_certified_readers_and_the_escrow_holder(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CEDAW")
    make_reviewer(app, "CEDAW")
    make_reviewer(app, "CAT")
    add_key(app, lambda key: None)  # stored for CAT without a record: not a reader, not counted
    certified_escrow(app, "OHCHR recovery key")
    add_key(app, lambda key: None, escrow=True)  # an uncertified escrow key: not listed
    page = client.get("/report").get_data(as_text=True)
    block = readers_block(page, "Who can read a report")
    assert "Committee on the Elimination of Discrimination against Women (CEDAW)" in block
    assert "Its reprisal focal points (2)" in block and "Its reprisal focal points (1)" in block
    assert block.count("OHCHR recovery key: a recovery key, kept offline") == 2
    assert "Its reprisal focal points (3)" not in block and "candidate" not in block
    assert "SPT" not in block  # no certified reader
    assert "Only the readers listed for the mechanism you choose" in page
    assert "encrypted on our server as soon as it arrives" in page

    french = client.get("/fr/report").get_data(as_text=True)
    assert "Ses points focaux chargés des représailles (2)" in french
    assert "OHCHR recovery key : une clé de récupération, conservée hors ligne" in french


def test_the_receipt_names_the_readers_of_the_chosen_mechanism_and_of_each_share_with_choice(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    make_reviewer(app, "ASG")
    make_reviewer(app, "SPT")
    certified_escrow(app, "OHCHR recovery key")
    token = csrf_token(client, "/report")
    response = post_form(client, "/report", report_form(token, share_with=["ASG"]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your report was encrypted on our server as soon as it arrived" in page
    chosen = readers_block(page, "Who can read it")
    assert "(CAT)" in chosen and "Its reprisal focal points (1)" in chosen
    assert "OHCHR recovery key: a recovery key, kept offline" in chosen
    shared = readers_block(page, "If a focal point shares it as you allowed")
    assert "(ASG)" in shared and "(SPT)" not in shared and "(CAT)" not in shared
