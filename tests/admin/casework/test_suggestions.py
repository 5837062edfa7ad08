"""Status follows the work (issue 17): after an assessment, a risk assessment, a share, a measure planned
or sent, or a State reply, the case page header suggests the status the work implies, as one-click
buttons. The table-generated test walks every row of ``SUGGESTIONS`` through every status; the story
test does the work through the case page's own forms."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from admin.audit import log as audit_log
from admin.casework.lifecycle import TRANSITIONS
from admin.casework.suggestions import SUGGESTIONS, WORK_LABELS, Implies, work_of
from admin.vocabulary import STATUS_LABELS
from reprisal_intake.models import AuditEntry, today
from reprisal_intake.models.casework import Measure, StatusChange
from tests.factories import database
from tests.support.admin import form_post, unlock
from tests.support.annual_report import state_reply
from tests.support.casework import Casework, a_case_on_my_desk, update_case

# One audit entry for each kind of work the table names, as the case-work views write it.
WORK_EXAMPLES: dict[str, tuple[str, dict[str, object]]] = {
    "assessed_credible": ("assessed", {"outcome": "credible"}),
    "assessed_unclear": ("assessed", {"outcome": "unclear"}),
    "assessed_none": ("assessed", {"outcome": "none"}),
    "risk_assessed": ("risk_assessed", {"version": 1, "level": "medium"}),
    "shared": ("case_shared", {"mechanism": "SP"}),
    "measure_planned": ("measure_recorded", {"kind": "verify", "status": "planned"}),
    "measure_sent": ("measure_recorded", {"kind": "verify", "status": "sent"}),
    "measure_sent_to_state": ("measure_recorded", {"kind": "state_letter", "status": "sent"}),
    "state_reply": ("state_reply_recorded", {"grade": "B"}),
}


def test_every_kind_of_work_has_an_example_and_a_label() -> None:
    assert set(WORK_EXAMPLES) == set(WORK_LABELS) == {row.work for row in SUGGESTIONS}
    for work, (action, detail) in WORK_EXAMPLES.items():
        assert work_of(action, detail) == work


def audit_work(app: Flask, ref: str, work: str) -> None:
    action, detail = WORK_EXAMPLES[work]
    with app.app_context(), database(app).session() as session:
        audit_log.record(session, "colleague", action, case_ref=ref, detail=detail)


def button(status: str) -> str:
    return f"Move to “{STATUS_LABELS[status]}”"


def header(page: str) -> str:
    """The case page header (before the first action section)."""
    return page.split('<nav class="case-actions"', 1)[0]


def changes_since(app: Flask, ref: str, count: int) -> list[tuple[str, str]]:
    with database(app).session() as session:
        rows = list(
            session.scalars(
                select(StatusChange)
                .where(StatusChange.case_ref == ref)
                .order_by(StatusChange.changed_at, StatusChange.seq)
            )
        )
    return [(c.from_status, c.to_status) for c in rows[count:]]


def status_change_details(app: Flask, ref: str) -> list[dict[str, object]]:
    with database(app).session() as session:
        return [
            json.loads(e.detail)
            for e in session.scalars(
                select(AuditEntry)
                .where(AuditEntry.case_ref == ref, AuditEntry.action == "status_changed")
                .order_by(AuditEntry.seq)
            )
        ]


def suggest(work: Casework, status: str) -> object:
    return form_post(work.reviewer, f"/cases/{work.ref}/suggested-status", {"to_status": status})


@pytest.mark.parametrize("row", SUGGESTIONS, ids=lambda r: f"{r.work}-{r.status}")
def test_the_table_row_suggests_its_status_from_each_listed_status_and_only_there(
    app: Flask, admin_app: Flask, client: FlaskClient, row: Implies
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    for status in STATUS_LABELS:
        update_case(app, work.ref, status=status, status_before_hold="triaged")
        audit_work(admin_app, work.ref, row.work)
        page = header(work.page())
        if status not in row.when:
            assert button(row.status) not in page, (row, status)
            refused = suggest(work, row.status)
            assert refused.status_code == 409, (row, status)
            assert work.case().status == status
            continue
        assert button(row.status) in page, (row, status)
        assert str(WORK_LABELS[row.work]) in page
        before = len(changes_since(admin_app, work.ref, 0))
        followed = suggest(work, row.status)
        assert followed.status_code == 302, (row, status, followed.get_data(as_text=True))
        assert work.case().status == row.status
        steps = changes_since(admin_app, work.ref, before)
        assert steps[0][0] == status and steps[-1][1] == row.status
        for source, target in steps:
            assert target in TRANSITIONS[source], "only moves the lifecycle allows"
        audited = status_change_details(admin_app, work.ref)[-len(steps) :]
        assert [(d["from"], d["to"]) for d in audited] == steps
        assert all(d["suggested"] == row.status and d["after"] == row.work for d in audited)
        assert button(row.status) not in header(work.page()), "followed: nothing left to suggest"


def test_a_status_change_by_hand_ends_the_suggestion(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    assert work.post("triage", urgency="urgent", in_detention="no").status_code == 302
    audit_work(admin_app, work.ref, "risk_assessed")
    assert button("under_assessment") in header(work.page())
    assert work.post("transition", to_status="consent_pending").status_code == 302
    assert button("under_assessment") not in header(work.page())
    assert suggest(work, "under_assessment").status_code == 409
    assert work.case().status == "consent_pending"


def test_a_suggestion_needs_the_csrf_token(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    assert work.post("triage", urgency="urgent", in_detention="no").status_code == 302
    audit_work(admin_app, work.ref, "risk_assessed")
    refused = work.reviewer.post(
        f"/cases/{work.ref}/suggested-status", data={"to_status": "under_assessment"}
    )
    assert refused.status_code == 400
    assert work.case().status == "triaged"


def test_the_story_of_the_issue_the_status_follows_the_work_done_on_the_case_page(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    """Triaged, then a risk assessment, a letter sent to the State and the State's reply: each time
    the header suggests the status the work implies, and one click moves the case there."""
    work = a_case_on_my_desk(app, admin_app, client, consent_state_anonymised="granted")
    assert work.post("triage", urgency="urgent", in_detention="no").status_code == 302
    assert "Status suggested by the work done" not in work.page()

    assert work.assess_risk().status_code == 302
    page = header(work.page())
    assert "A risk assessment was recorded since the status last changed." in page
    assert button("under_assessment") in page

    assert work.post("measures", kind="state_letter", variant="anonymised").status_code == 302
    with database(admin_app).session() as session:
        letter = session.scalars(select(Measure)).one()
    work.ready_to_send(letter.id)
    sent = work.post(
        f"measures/{letter.id}/sent",
        sent_on=today().isoformat(),
        channel="note_verbale",
        action_risk="medium",
        consent_current="y",
        reply_due=(today() + datetime.timedelta(days=30)).isoformat(),
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    page = header(work.page())
    assert "A measure was sent to the State since the status last changed." in page
    assert (
        "The case passes through: Under assessment, Action planned, Action taken "
        "(each step is recorded)." in page
    )
    # The latest work's suggestion comes first.
    assert page.index(button("awaiting_state_reply")) < page.index(button("action_planned"))
    assert suggest(work, "awaiting_state_reply").status_code == 302
    assert work.case().status == "awaiting_state_reply"
    assert "Status suggested by the work done" not in work.page()

    replied = state_reply(
        work.reviewer,
        work.ref,
        received_on=today().isoformat(),
        grade="C",
        measure=letter.id,
        text="The State denies everything.",
    )
    assert replied.status_code == 302, replied.get_data(as_text=True)
    page = header(work.page())
    assert "A State reply was recorded since the status last changed." in page
    assert suggest(work, "follow_up").status_code == 302
    assert work.case().status == "follow_up"
    assert unlock(work.reviewer).status_code == 302
    assert (
        "From Awaiting the State&#39;s reply to Follow-up. "
        "A step towards “Follow-up”, suggested by the work done." in work.page()
    )
    moves = [(d["from"], d["to"]) for d in status_change_details(admin_app, work.ref)]
    assert moves == [
        ("received", "triaged"),
        ("triaged", "under_assessment"),
        ("under_assessment", "action_planned"),
        ("action_planned", "action_taken"),
        ("action_taken", "awaiting_state_reply"),
        ("awaiting_state_reply", "follow_up"),
    ]


def test_an_assessment_of_no_reprisal_suggests_out_of_scope(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    assert work.post("triage", urgency="not_urgent", in_detention="no").status_code == 302
    assert work.post("assessment", outcome="none").status_code == 302
    page = header(work.page())
    assert "The case was assessed as not a reprisal for cooperation" in page
    found = re.findall(r"Move to “([^”]+)”", page)
    assert found == [str(STATUS_LABELS["out_of_scope"])]
    assert suggest(work, "out_of_scope").status_code == 302
    assert work.case().status == "out_of_scope"


def test_docs_domain_md_lists_the_same_table() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "domain.md").read_text(encoding="utf-8")
    section = doc[doc.index("### Status follows the work") :]
    rows = re.findall(r"^\| ([a-z_]+) \| [^|]+ \| ([a-z_, ]+) \| ([a-z_]+) \|$", section, re.M)
    documented = [(work, tuple(when.split(", ")), status) for work, when, status in rows]
    assert documented == [(row.work, row.when, row.status) for row in SUGGESTIONS]
