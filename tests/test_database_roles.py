"""On PostgreSQL the intake's role can insert reports but never read them back: the database itself
refuses, through grants and row-level security (``reprisal-admin db grant``)."""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from flask import Flask
from nacl.public import PublicKey
from sqlalchemy import Connection, Engine, Executable, create_engine, insert, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError

from admin import create_app as create_admin_app
from admin.audit import log as audit_log
from admin.contact.messages import add_note, add_reply
from admin.database_roles import apply_grants
from crypto.envelope import CHUNK_LOG2_FILE, encrypt
from reprisal_intake import create_app, schema
from reprisal_intake.db import make_engine
from reprisal_intake.items import add_item
from reprisal_intake.models import (
    AccessStanza,
    Case,
    Consent,
    EnvelopeChunk,
    Item,
    Upload,
    UploadPart,
    random_id,
    today,
)
from tests.factories import database, make_reviewer, receipt_keys, report_form
from tests.support.cli import run, run_installed
from tests.support.forms import csrf_token, post_form
from tests.support.intake import CODENAME, enter
from tests.support.scripted_browser import ScriptedBrowser
from tests.support.services import POSTGRES_ADMIN_URL

pytestmark = pytest.mark.postgres


@dataclass
class Roles:
    owner_url: str
    intake_url: str
    admin_url: str
    intake: str
    admin: str
    engines: list[Engine] = field(default_factory=list)

    def engine(self, url: str) -> Engine:
        engine = make_engine(url)
        self.engines.append(engine)
        return engine


@pytest.fixture
def roles(postgres_url: str) -> Iterator[Roles]:
    suffix = secrets.token_hex(4)
    intake, admin = f"reprisal_intake_{suffix}", f"reprisal_admin_{suffix}"
    server = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        for role in (intake, admin):
            connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    owner = make_engine(postgres_url)
    schema.upgrade(owner)
    # The installed command, as the README tells the operator to run it after every migration.
    granted = run_installed(
        "db", "grant", "--intake-role", intake, "--admin-role", admin, database_url=postgres_url
    )
    assert granted.returncode == 0, granted.stderr
    assert f"for roles {intake} (intake) and {admin} (admin)" in granted.stdout
    url = make_url(postgres_url)
    made = Roles(
        postgres_url,
        url.set(username=intake).render_as_string(hide_password=False),
        url.set(username=admin).render_as_string(hide_password=False),
        intake,
        admin,
    )
    yield made
    for engine in made.engines:
        engine.dispose()
    with owner.begin() as connection:
        connection.execute(text(f'DROP OWNED BY "{intake}", "{admin}"'))
    owner.dispose()
    with server.connect() as connection:
        for role in (intake, admin):
            connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    server.dispose()


def app_as(roles: Roles, url: str) -> Flask:
    return create_app({"TESTING": True, "DATABASE_BIND": roles.engine(url)})


def as_intake(roles: Roles, tag: bytes | None = None) -> Connection:
    connection = roles.engine(roles.intake_url).connect()
    if tag is not None:
        connection.execute(
            text("SELECT set_config('reprisal.lookup_tag', :tag, false)"), {"tag": tag.hex()}
        )
    return connection


def refused(connection: Connection, sql: str) -> bool:
    try:
        with connection.begin_nested():
            connection.execute(text(sql))
    except ProgrammingError as error:
        return "permission denied" in str(error.orig)
    return False


def test_the_intake_works_as_its_role_and_cannot_read_reports_back(roles: Roles) -> None:
    owner = app_as(roles, roles.owner_url)
    make_reviewer(owner, "CAT")
    intake = app_as(roles, roles.intake_url)
    client = intake.test_client()

    # Two reports through the no-JavaScript path, one through the JavaScript path, as the intake role.
    codenames = []
    for phrase in ("FIRST", "SECOND"):
        token = csrf_token(client, "/report")
        response = post_form(
            client,
            "/report",
            report_form(
                token,
                what_happened=phrase,
                attachments=[(io.BytesIO(b"evidence"), "e.txt", "text/plain")],
            ),
        )
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        codenames.append(CODENAME.search(response.get_data(as_text=True)).group(1))
    browser = ScriptedBrowser(client)
    assert browser.commit(browser.payload(browser.report_envelope(), [])).status_code == 201

    # A focal point replies to the first (as the owner here; the admin app does this later).
    first = receipt_keys(codenames[0])
    with database(owner).session() as session:
        case_ref = session.execute(
            text("SELECT case_ref FROM submitter_tags WHERE tag = :tag"), {"tag": first.lookup_tag}
        ).scalar_one()
        case = session.get(Case, case_ref)
        reply = encrypt(
            b"We received it.",
            [PublicKey(case.public_key), PublicKey(case.submitter_public_key)],
            {"kind": "reply"},
        )
        add_item(session, case_ref, "reply", io.BytesIO(reply), submitter_readable=True)

    # The submitter reads the reply and adds information, still as the intake role.
    follow = intake.test_client()
    entered = follow.post(
        "/followup", data={"csrf_token": csrf_token(follow, "/followup"), "codename": codenames[0]}
    )
    assert entered.status_code == 303
    page = follow.get("/followup/case").get_data(as_text=True)
    assert "We received it." in page
    token = csrf_token(follow, "/followup/case")
    added = post_form(
        follow,
        "/followup/case",
        {
            "csrf_token": token,
            "message": "More news",
            "attachments": [(io.BytesIO(b"more"), "m.txt", "text/plain")],
        },
    )
    assert added.status_code == 200
    assert "More news" in added.get_data(as_text=True)
    consent = follow.post(
        "/followup/consent",
        data={
            "csrf_token": csrf_token(follow, "/followup/case"),
            "scope_state_anonymised": "granted",
            "consent_given_by": "victim",
        },
    )
    assert "Your consent was updated" in consent.get_data(as_text=True)

    # What the database itself lets the intake role see.
    with as_intake(roles) as connection:
        assert connection.execute(text("SELECT count(*) FROM items")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM envelope_chunks")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM cases")).scalar() == 0
        assert refused(connection, "SELECT * FROM access_stanzas")
        assert refused(connection, "SELECT name FROM reviewers")
        assert refused(connection, "UPDATE items SET kind = 'x'")
        assert refused(connection, "DELETE FROM cases")
        assert refused(connection, "UPDATE cases SET status = 'closed'")
    with as_intake(roles, first.lookup_tag) as connection:
        assert connection.execute(text("SELECT ref FROM cases")).scalars().all() == [case_ref]
        kinds = sorted(connection.execute(text("SELECT kind FROM items")).scalars())
        assert kinds == ["attachment", "followup", "reply"], "never the report or its first files"
        readable = connection.execute(
            text("SELECT count(*) FROM envelope_chunks c JOIN items i ON i.id = c.item_id")
        ).scalar()
        assert readable == 3
        other = connection.execute(
            text("SELECT count(*) FROM items WHERE case_ref <> :ref"), {"ref": case_ref}
        ).scalar()
        assert other == 0

    # The admin role reads everything, but cannot edit the audit log.
    with roles.engine(roles.admin_url).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM items")).scalar() == 8
        assert connection.execute(text("SELECT count(*) FROM access_stanzas")).scalar() == 3
        tables = (
            connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            .scalars()
            .all()
        )
        if "audit_log" in tables:
            assert refused(connection, "UPDATE audit_log SET actor = 'x'")
            assert refused(connection, "DELETE FROM audit_log")


def test_grant_refuses_odd_role_names(roles: Roles) -> None:
    owner = make_engine(roles.owner_url)
    with owner.connect() as connection, pytest.raises(ValueError):
        apply_grants(connection, 'x"; DROP TABLE cases; --', roles.admin)
    owner.dispose()
    assert re.match(r"^reprisal_intake_[0-9a-f]{8}$", roles.intake)


def test_the_intake_role_reads_a_reply_but_never_an_internal_note(roles: Roles) -> None:
    owner = app_as(roles, roles.owner_url)
    make_reviewer(owner, "CAT")
    intake = app_as(roles, roles.intake_url)
    client = intake.test_client()
    sent = post_form(
        client, "/report", report_form(csrf_token(client, "/report"), consent_contact="granted")
    )
    codename = CODENAME.search(sent.get_data(as_text=True)).group(1)
    keys = receipt_keys(codename)
    with database(owner).session() as session:
        case = session.scalars(select(Case)).one()
        add_reply(session, case, "REPLY-TO-READ")
        with owner.app_context():
            note_id = add_note(session, case, "NOTE-NEVER-READ").id

    page = client.get("/followup")
    entered = client.post(
        "/followup", data={"csrf_token": csrf_token(client, "/followup"), "codename": codename}
    )
    assert page.status_code == 200 and entered.status_code == 303
    shown = client.get("/followup/case").get_data(as_text=True)
    assert "REPLY-TO-READ" in shown and "NOTE-NEVER-READ" not in shown

    with as_intake(roles, keys.lookup_tag) as connection:
        assert connection.execute(text("SELECT kind FROM items")).scalars().all() == ["reply"]
        note_chunks = connection.execute(
            text("SELECT count(*) FROM envelope_chunks WHERE item_id = :id"), {"id": note_id}
        ).scalar()
        assert note_chunks == 0
        assert refused(connection, "UPDATE items SET submitter_readable = true")


def test_the_intake_role_sees_only_the_uploads_a_request_names(roles: Roles) -> None:
    owner = app_as(roles, roles.owner_url)
    make_reviewer(owner, "CAT")
    # Someone's upload abandoned two days ago.
    with database(owner).session() as session:
        session.add(Upload(id="abandoned", created=today() - timedelta(days=2), size=3, parts=1))
        session.add(UploadPart(upload_id="abandoned", seq=0, data=b"old"))
    intake = app_as(roles, roles.intake_url)

    # Two people upload files through the JavaScript path, as the intake role; the first commits.
    first, second = ScriptedBrowser(intake.test_client()), ScriptedBrowser(intake.test_client())
    first_file = in_two_parts(first, attachment_envelope(first, b"FIRST-FILE"))
    second_file = in_two_parts(second, attachment_envelope(second, b"SECOND-FILE"))
    committed = first.commit(first.payload(first.report_envelope(), [first_file]))
    assert committed.status_code == 201, committed.get_data(as_text=True)

    with as_intake(roles) as connection:
        # Starting an upload deleted the abandoned one through the function, which only counts.
        assert connection.execute(text("SELECT reprisal_pending_uploads()")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM uploads")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM upload_parts")).scalar() == 0
        updated = connection.execute(text("UPDATE uploads SET parts = 0"))
        deleted = connection.execute(text("DELETE FROM upload_parts"))
        assert updated.rowcount == 0 and deleted.rowcount == 0
        connection.execute(
            text("SELECT set_config('reprisal.upload_ids', :ids, false)"), {"ids": second_file}
        )
        assert connection.execute(text("SELECT id FROM uploads")).scalars().all() == [second_file]
        parts = connection.execute(text("SELECT count(*) FROM upload_parts")).scalar()
        assert parts == 2
        assert refused_by_policy(
            connection, "INSERT INTO upload_parts (upload_id, seq, data) VALUES ('other', 0, 'x')"
        )
    with roles.engine(roles.owner_url).connect() as connection:
        left = connection.execute(text("SELECT id FROM uploads")).scalars().all()
        assert left == [second_file], "the committed upload and the abandoned one are gone"

    # Someone who guesses wrong finds nothing; the second person's upload still commits.
    stranger = ScriptedBrowser(intake.test_client())
    assert (
        stranger.client.post(
            "/report/uploads/not,an-id/parts/0",
            data=b"x",
            headers=stranger.headers(),
            content_type="application/octet-stream",
        ).status_code
        == 404
    )
    for guess in (["abandoned"], [f"{second_file},abandoned"]):
        guessed = stranger.commit(stranger.payload(stranger.report_envelope(), guess))
        assert guessed.status_code == 400
    committed = second.commit(second.payload(second.report_envelope(), [second_file]))
    assert committed.status_code == 201, committed.get_data(as_text=True)


def in_two_parts(browser: ScriptedBrowser, envelope: bytes) -> str:
    return browser.upload(envelope, part_size=len(envelope) // 2 + 1)


def attachment_envelope(browser: ScriptedBrowser, content: bytes) -> bytes:
    return encrypt(
        content, [browser.case_key.public_key], {"kind": "attachment"}, chunk_log2=CHUNK_LOG2_FILE
    )


def refused_by_policy(connection: Connection, statement: str | Executable) -> bool:
    try:
        with connection.begin_nested():
            connection.execute(text(statement) if isinstance(statement, str) else statement)
    except ProgrammingError as error:
        return "row-level security" in str(error.orig)
    return False


def test_the_intake_role_writes_only_the_case_it_creates_or_the_one_its_tag_names(
    roles: Roles,
) -> None:
    owner = app_as(roles, roles.owner_url)
    make_reviewer(owner, "CAT")
    client = app_as(roles, roles.intake_url).test_client()
    codenames = []
    for _ in range(2):
        sent = post_form(client, "/report", report_form(csrf_token(client, "/report")))
        codenames.append(CODENAME.search(sent.get_data(as_text=True)).group(1))
    mine, theirs = (receipt_keys(c).lookup_tag for c in codenames)
    with roles.engine(roles.owner_url).connect() as connection:
        refs = {
            tag: ref
            for tag, ref in connection.execute(text("SELECT tag, case_ref FROM submitter_tags"))
        }
        own, other = refs[mine], refs[theirs]
        reviewer = connection.execute(text("SELECT id FROM reviewers")).scalar_one()
        other_item = connection.execute(
            text("SELECT id FROM items WHERE case_ref = :ref"), {"ref": other}
        ).scalar_one()

    def consent(ref: str) -> Executable:
        return (
            insert(Consent.__table__)
            .values(
                case_ref=ref,
                version=99,
                scope="share_with",
                mechanism_code="CAT",
                state="granted",
                given_by="victim",
                language="en",
            )
            .inline()
        )  # no RETURNING: the intake role may not read a consent of a new case back

    def stanza(ref: str) -> Executable:
        return insert(AccessStanza.__table__).values(
            id=random_id(), case_ref=ref, reviewer_id=reviewer, sealed_case_key=b"x"
        )

    def item(ref: str) -> Executable:
        return insert(Item.__table__).values(
            id=random_id(), case_ref=ref, seq=99, kind="followup", submitter_readable=True,
            size=1, sha256="x",
        )  # fmt: skip

    def new_case(ref: str, *, on_conflict_do_nothing: bool = False) -> Executable:
        values = {"ref": ref, "public_key": b"k", "submitter_public_key": b"k", "language": "en"}
        if on_conflict_do_nothing:
            return postgresql.insert(Case.__table__).values(values).on_conflict_do_nothing()
        return insert(Case.__table__).values(values)

    forged = (consent, stanza, item)
    # A transaction that names no case writes to none.
    with as_intake(roles) as connection:
        for row in forged:
            assert refused_by_policy(connection, row(other)), row.__name__
    # A transaction that names its own case by tag: consents and items there, never elsewhere,
    # and no stanza even there (a reader is added only with a new case).
    with as_intake(roles, mine) as connection:
        connection.execute(consent(own))
        connection.execute(item(own))
        assert refused_by_policy(connection, stanza(own))
        for row in forged:
            assert refused_by_policy(connection, row(other)), row.__name__
        assert refused_by_policy(
            connection,
            insert(EnvelopeChunk.__table__).values(item_id=other_item, seq=7, data=b"x"),
        )
        connection.rollback()
    # A transaction that creates a case writes to it, once, and to no other.
    with as_intake(roles) as connection:
        connection.execute(new_case("NEWCASE1"))
        for row in forged:
            connection.execute(row("NEWCASE1"))
            assert refused_by_policy(connection, row(other)), row.__name__
        assert refused_by_policy(connection, new_case("NEWCASE2")), "one case per transaction"
        connection.rollback()
    # Claiming an existing reference through ON CONFLICT DO NOTHING claims nothing.
    with as_intake(roles) as connection:
        assert refused_by_policy(connection, new_case(other, on_conflict_do_nothing=True))
        assert refused_by_policy(connection, consent(other))
        connection.rollback()
    # The claim function cannot be pointed at an existing case either.
    with as_intake(roles) as connection:
        claimed = connection.execute(
            text("SELECT reprisal_claim_new_case(:ref)"), {"ref": other}
        ).scalar()
        assert claimed is False
        assert refused_by_policy(connection, consent(other))
        connection.rollback()


def test_no_function_lets_the_intake_role_choose_what_it_deletes(roles: Roles) -> None:
    with roles.engine(roles.owner_url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO uploads (id, created, size, parts) VALUES ('today', current_date, 1, 1)"
            )
        )
    with as_intake(roles) as connection:
        try:
            with connection.begin_nested():
                connection.execute(text("SELECT reprisal_pending_uploads(current_date + 1000)"))
        except ProgrammingError as error:
            assert "does not exist" in str(error.orig)
        else:
            pytest.fail("the pending-uploads function took a date")
        assert connection.execute(text("SELECT reprisal_pending_uploads()")).scalar() == 1
        arguments = connection.execute(
            text(
                "SELECT p.proname, p.pronargs FROM pg_proc p JOIN pg_namespace n "
                "ON n.oid = p.pronamespace WHERE n.nspname = 'public' "
                "AND has_function_privilege(current_user, p.oid, 'EXECUTE') "
                "AND p.prosecdef AND p.pronargs > 0"
            )
        ).all()
    # The only definer functions with a parameter decide nothing about deleting: one claims a new
    # reference (refused for an existing one), one answers whether an item's pieces may be written.
    assert sorted(name for name, _n in arguments) == [
        "reprisal_chunk_writable",
        "reprisal_claim_new_case",
    ]


def test_the_admin_role_only_appends_to_the_audit_log_and_the_intake_only_leaves_events(
    roles: Roles,
) -> None:
    owner = app_as(roles, roles.owner_url)
    make_reviewer(owner, "CAT")
    client = app_as(roles, roles.intake_url).test_client()
    sent = post_form(client, "/report", report_form(csrf_token(client, "/report")))
    codename = CODENAME.search(sent.get_data(as_text=True)).group(1)
    mine = receipt_keys(codename).lookup_tag
    # The person changes a consent at the intake, as the intake role: a content-free event waits.
    enter(client, codename)
    changed = client.post(
        "/followup/consent",
        data={
            "csrf_token": csrf_token(client, "/followup/case"),
            "scope_state_anonymised": "granted",
            "consent_given_by": "victim",
        },
    )
    assert "Your consent was updated" in changed.get_data(as_text=True)

    # The admin app, as the admin role, appends (chaining the event first) and checkpoints.
    admin = create_admin_app({"TESTING": True, "DATABASE_BIND": roles.engine(roles.admin_url)})
    with admin.app_context(), database(admin).session() as session:
        audit_log.record(session, "ana", "case_viewed", case_ref="REF-1")
    checkpoint = run(admin, "audit", "checkpoint")
    assert checkpoint.exit_code == 0 and " seq=2 " in checkpoint.output
    assert run(admin, "audit", "verify").exit_code == 0
    with roles.engine(roles.owner_url).connect() as connection:
        case_ref = connection.execute(text("SELECT case_ref FROM submitter_tags")).scalar_one()
        entries = connection.execute(
            text("SELECT actor, action, case_ref, detail FROM audit_log ORDER BY seq")
        ).all()
    assert [tuple(e) for e in entries] == [
        ("submitter", "consent_changed", case_ref, "{}"),
        ("ana", "case_viewed", "REF-1", "{}"),
    ]

    with roles.engine(roles.admin_url).connect() as connection:
        for statement in (
            "INSERT INTO audit_log (seq, at, actor, action, detail, prev_hash, hash) "
            "VALUES (3, now(), 'x', 'sign_in', '{}', 'x', 'x')",
            "UPDATE audit_log SET actor = 'x'",
            "DELETE FROM audit_log",
            "UPDATE audit_head SET seq = 1",
            "DELETE FROM audit_head",
            "INSERT INTO audit_inbox (id, case_ref, action, recorded) "
            f"VALUES ('x', '{case_ref}', 'consent_changed', current_date)",
            "DELETE FROM audit_inbox",
        ):
            assert refused(connection, statement), statement
        head = connection.execute(text("SELECT hash FROM audit_head")).scalar_one()

        def append(seq: int, at: str, actor: str, prev: str) -> bool:
            try:
                with connection.begin_nested():
                    connection.execute(
                        text(
                            "SELECT reprisal_audit_append(:seq, " + at + ", :actor, 'sign_in', "
                            "NULL, '{}', :prev, :hash, NULL)"
                        ),
                        {"seq": seq, "actor": actor, "prev": prev, "hash": "a" * 64},
                    )
            except DBAPIError:
                return False
            return True

        now = "(clock_timestamp() AT TIME ZONE 'UTC')::timestamp"
        assert not append(2, now, "x", head), "over an existing entry"
        assert not append(4, now, "x", head), "leaving a gap"
        assert not append(3, now, "x", "0" * 64), "after another entry than the head"
        assert not append(3, "timestamp '2026-01-01'", "x", head), "backdated"
        assert not append(3, now, "submitter", head), "as the person"
        assert append(3, now, "x", head)  # the next place: taken (its MAC is wrong: verify says so)
        connection.rollback()

    with as_intake(roles, mine) as connection:
        assert refused_by_policy(
            connection,
            "INSERT INTO audit_inbox (id, case_ref, action, recorded) "
            "VALUES ('y', 'SOMEONE-ELSE', 'consent_changed', current_date)",
        )
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(
                text(
                    "INSERT INTO audit_inbox (id, case_ref, action, recorded) "
                    f"VALUES ('z', '{case_ref}', 'case_purged', current_date)"
                )
            )
        assert refused(connection, "SELECT * FROM audit_inbox")
