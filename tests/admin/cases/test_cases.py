"""A focal point reads the cases of their mechanism: the list, the decrypted report shown as text,
attachments streamed byte-identical, the bundle export; each step audited."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from crypto.bundle import open_bundle
from reprisal_intake.models import Case
from tests.factories import database, make_account, make_reviewer
from tests.support.admin import audit_actions, form_post, sign_in, unlock
from tests.support.intake import submit

ITEM_LINK = re.compile(r'href="(/cases/[^"]+/items/[^"]+)"')


def refs_by_mechanism(app: Flask) -> dict[str, str]:
    with database(app).session() as session:
        return {c.mechanisms[0].code: c.ref for c in session.scalars(select(Case))}


def test_a_focal_point_reads_a_cat_report_and_its_attachment(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    focal = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    make_reviewer(app, "CCPR")
    evidence = bytes(range(256)) * 2000 + b"end"
    submit(
        client,
        what_happened="<script>alert(1)</script> PHRASE-4411",
        attachments=[(io.BytesIO(evidence), "../../etc/pass wd.jpg", "image/jpeg")],
    )
    submit(client, mechanism="CCPR", what_happened="CCPR-ONLY-PHRASE")
    refs = refs_by_mechanism(app)
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, focal)

    listing = reviewer.get("/cases/").get_data(as_text=True)
    assert refs["CAT"] in listing and refs["CCPR"] not in listing
    assert "PHRASE-4411" not in listing

    locked = reviewer.get(f"/cases/{refs['CAT']}").get_data(as_text=True)
    assert "Unlock your key" in locked and "PHRASE-4411" not in locked
    wrong = unlock(reviewer, "not my passphrase at all")
    assert wrong.status_code == 302
    assert "does not open" in reviewer.get("/account/").get_data(as_text=True)
    assert unlock(reviewer).status_code == 302

    page = reviewer.get(f"/cases/{refs['CAT']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "PHRASE-4411" in text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "script-src" not in page.headers["Content-Security-Policy"]

    link = ITEM_LINK.search(text).group(1)
    download = reviewer.get(link)
    assert download.status_code == 200
    assert download.data == evidence
    assert hashlib.sha256(download.data).digest() == hashlib.sha256(evidence).digest()
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"] == 'attachment; filename="pass_wd.jpg"'
    download.close()

    assert reviewer.get(f"/cases/{refs['CCPR']}").status_code == 403
    other_item = link.replace(refs["CAT"], refs["CCPR"])
    assert reviewer.get(other_item).status_code in (403, 404)

    exported = form_post(reviewer, f"/cases/{refs['CAT']}/export", {}, text)
    assert exported.status_code == 200
    assert exported.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert b"PHRASE-4411" not in b"".join(archive.read(n) for n in archive.namelist())
    assert manifest["case_ref"] == refs["CAT"]
    bundle = open_bundle(io.BytesIO(exported.data), focal.reviewer.secret_key)
    assert any(b"".join(reader.chunks()) == evidence for _item, reader in bundle.items())

    mine = [(a, r) for who, a, r in audit_actions(admin_app) if who == focal.username]
    assert mine == [
        ("sign_in", None),
        ("case_viewed", refs["CAT"]),
        ("key_unlocked", None),
        ("item_decrypted", refs["CAT"]),
        ("item_downloaded", refs["CAT"]),
        ("access_denied", refs["CCPR"]),
        ("access_denied", refs["CCPR"]),
        ("case_exported", refs["CAT"]),
    ]


def test_the_case_list_filters_and_pages(app: Flask, admin_app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    make_reviewer(app, "CCPR")
    coordinator = make_account(admin_app, "coordinator")
    admin_app.config["ADMIN_CASES_PER_PAGE"] = 2
    for urgency in ("immediate", "urgent", "not_urgent"):
        submit(client, urgency=urgency)
    submit(client, mechanism="CCPR", urgency="urgent")
    with database(app).session() as session:
        all_refs = set(session.scalars(select(Case.ref)))
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, coordinator)

    first = reviewer.get("/cases/").get_data(as_text=True)
    shown = set(re.findall(r'<a href="/cases/([0-9A-Z-]+)">', first))
    assert len(shown) == 2
    after = re.search(r'href="/cases/\?after=([^"&]+)"', first).group(1)
    second = reviewer.get(f"/cases/?after={after}").get_data(as_text=True)
    shown |= set(re.findall(r'<a href="/cases/([0-9A-Z-]+)">', second))
    assert shown == all_refs

    urgent = reviewer.get("/cases/?urgency=urgent&mechanism=CAT").get_data(as_text=True)
    assert len(re.findall(r'<a href="/cases/([0-9A-Z-]+)">', urgent)) == 1
    one = next(iter(all_refs))
    by_ref = reviewer.get(f"/cases/?ref={one.lower().replace('-', '')}").get_data(as_text=True)
    assert re.findall(r'<a href="/cases/([0-9A-Z-]+)">', by_ref) == [one]
    assert reviewer.get("/cases/?from=not-a-date").status_code == 400
    # A coordinator without a key sees the routing fields, never the content.
    page = reviewer.get(f"/cases/{one}").get_data(as_text=True)
    assert "Unlock your key" in page or "not encrypted to your key" in page


def test_a_damaged_attachment_is_never_delivered_as_if_whole(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    from sqlalchemy import update

    from reprisal_intake.models import EnvelopeChunk, Item

    focal = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    evidence = b"A" * 300_000
    submit(client, attachments=[(io.BytesIO(evidence), "a.bin", "application/octet-stream")])
    with database(app).session() as session:
        item = session.scalars(select(Item).where(Item.kind == "attachment")).one()
        chunk = session.get(EnvelopeChunk, (item.id, 0))
        damaged = bytearray(chunk.data)
        damaged[-100] ^= 1
        session.execute(
            update(EnvelopeChunk)
            .where(EnvelopeChunk.item_id == item.id, EnvelopeChunk.seq == 0)
            .values(data=bytes(damaged))
        )
        ref, item_id = item.case_ref, item.id
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, focal)
    unlock(reviewer)
    try:
        response = reviewer.get(f"/cases/{ref}/items/{item_id}")
        body = response.get_data()
    except Exception as error:  # the stream breaks off: what a browser sees as a failed download
        assert "authenticate" in str(error)
    else:
        assert body != evidence and len(body) < len(evidence)


def test_an_envelope_with_a_4300_digit_metadata_integer_is_no_server_error(
    app: Flask, admin_app: Flask, client: FlaskClient, monkeypatch
) -> None:
    """What a tampered intake could store: the case page says the item is damaged, its download is
    a 400, and nothing is sent."""
    import nacl.bindings

    from crypto import envelope as envelope_module
    from reprisal_intake.models import Item

    def hostile(metadata, chunk_size):
        if metadata.get("kind") == "attachment":
            encoded = b'{"v":1,"kind":"attachment","size":' + b"9" * 5000 + b"}"
        else:
            encoded = json.dumps({"v": 1, **metadata}, separators=(",", ":")).encode()
        return nacl.bindings.sodium_pad(encoded, chunk_size)

    focal = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    with monkeypatch.context() as patch:
        patch.setattr(envelope_module, "_encode_metadata", hostile)
        submit(client, attachments=[(io.BytesIO(b"x" * 1000), "a.bin", "application/octet-stream")])
    with database(app).session() as session:
        item = session.scalars(select(Item).where(Item.kind == "attachment")).one()
        ref, item_id = item.case_ref, item.id
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, focal)
    unlock(reviewer)
    page = reviewer.get(f"/cases/{ref}")
    assert page.status_code == 200
    assert "could not be decrypted or is damaged" in page.get_data(as_text=True)
    download = reviewer.get(f"/cases/{ref}/items/{item_id}")
    assert download.status_code == 400
