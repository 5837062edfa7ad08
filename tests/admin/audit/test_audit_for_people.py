"""The audit log reads as sentences in the reader's language, filters by user, event, case and period,
and shows the auditor who has read what of one case (issue 17)."""

from __future__ import annotations

import datetime

from flask import Flask
from sqlalchemy import update

from admin.audit import log as audit_log
from reprisal_intake.models import AuditEntry
from tests.factories import database, make_account
from tests.support.admin import sign_in


def record(
    admin_app: Flask, actor: str, action: str, case_ref: str | None, **detail: object
) -> None:
    with admin_app.app_context(), database(admin_app).session() as session:
        audit_log.record(session, actor, action, case_ref=case_ref, detail=detail)


def auditor_client(admin_app: Flask):  # type: ignore[no-untyped-def]
    auditor = make_account(admin_app, "auditor")
    client = admin_app.test_client()
    sign_in(admin_app, client, auditor)
    return client


def test_entries_are_sentences_not_codes_or_json(admin_app: Flask) -> None:
    client = auditor_client(admin_app)
    record(admin_app, "amina", "case_read", "REF-1", items_opened=3, items=["a", "b", "c"])
    record(
        admin_app,
        "amina",
        "status_changed",
        "REF-1",
        **{"from": "triaged", "to": "consent_pending"},
    )
    page = client.get("/audit/").get_data(as_text=True)
    assert "Case read" in page and "3 items decrypted and shown." in page
    assert "From Triaged to Consent pending." in page
    body = page.split("<table", 1)[1]
    for code in ("case_read", "status_changed", "consent_pending", "{", "items_opened"):
        assert code not in body, code
    client.get("/language/fr")
    french = client.get("/audit/").get_data(as_text=True).split("<table", 1)[1]
    assert "Dossier lu" in french and "De Trié à Consentement en attente." in french


def test_filters_by_user_event_case_and_period(admin_app: Flask) -> None:
    client = auditor_client(admin_app)
    record(admin_app, "amina", "case_read", "REF-1", items_opened=1)
    record(admin_app, "omar", "case_exported", "REF-2")
    record(admin_app, "omar", "case_read", "REF-3", items_opened=2)
    with database(admin_app).session() as session:
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.case_ref == "REF-3")
            .values(at=datetime.datetime(2020, 5, 1, 12))
        )

    def cases(query: str) -> set[str]:
        page = client.get("/audit/?" + query).get_data(as_text=True)
        return {ref for ref in ("REF-1", "REF-2", "REF-3") if f">{ref}<" in page}

    assert cases("user=omar") == {"REF-2", "REF-3"}
    assert cases("action=case_read") == {"REF-1", "REF-3"}
    assert cases("case=ref-2") == {"REF-2"}
    assert cases("from=2020-04-30&to=2020-05-01") == {"REF-3"}
    assert cases("user=omar&action=case_read&to=2020-05-01") == {"REF-3"}
    assert client.get("/audit/?action=no_such_event").status_code == 400
    assert client.get("/audit/?from=yesterday").status_code == 400


def test_the_auditor_sees_who_has_read_what_of_a_case(admin_app: Flask) -> None:
    client = auditor_client(admin_app)
    record(admin_app, "amina", "case_read", "REF-1", items_opened=4)
    record(admin_app, "amina", "triaged", "REF-1", urgency="urgent", in_detention="no")
    record(admin_app, "omar", "item_downloaded", "REF-1", item="x")
    record(admin_app, "omar", "case_read", "REF-2", items_opened=1)
    page = client.get("/audit/cases/ref-1").get_data(as_text=True)
    main = page.split("<main", 1)[1]
    assert "amina" in main and "4 items decrypted and shown." in main
    assert "omar" in main and "One attachment downloaded in the clear." in main
    assert "Triaged" not in main  # work, not reading
    assert "REF-2" not in main
    assert client.get("/audit/cases/NO-SUCH-REF").status_code == 404


def test_every_action_the_log_knows_has_a_label() -> None:
    from admin.audit.sentences import ACTION_LABELS

    assert [action for action in audit_log.ACTIONS if action not in ACTION_LABELS] == []
