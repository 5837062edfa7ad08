"""The case list as an inbox (issue 17): owner and next action due columns, filters by owner and by
due date, possible duplicates flagged from the coded facts, and linking two cases as one matter
(both kept, both audited, undone), only by a focal point who can read both."""

from __future__ import annotations

import datetime
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from reprisal_intake.models import AuditEntry, Case, today
from reprisal_intake.models.links import CaseLink
from tests.factories import database, make_account
from tests.support.admin import form_post, sign_in, unlock
from tests.support.casework import a_case_on_my_desk
from tests.support.intake import submit

SIMILAR = {
    "state": "BY",
    "acts": ["travel_ban", "summons"],
    "perpetrators": ["police"],
    "consent_statistics": "granted",
}


def listed(client: FlaskClient, query: str = "") -> str:
    response = client.get(f"/cases/{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def row_of(page: str, ref: str) -> str:
    assert f">{ref}</a>" in page, ref
    return page.split(f">{ref}</a>", 1)[1].split("</tr>", 1)[0]


def refs_in(page: str) -> set[str]:
    return set(re.findall(r'<td><a href="/cases/([A-Z0-9-]+)(?:#casework)?">', page))


def all_refs(app: Flask) -> list[str]:
    with database(app).session() as session:
        return list(session.scalars(select(Case.ref).order_by(Case.ref)))


def test_owner_and_next_action_due_columns_and_their_filters(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, urgency="immediate")
    assert submit(client, urgency="not_urgent").status_code == 200
    mine = work.ref
    other = next(ref for ref in all_refs(app) if ref != mine)
    # An untriaged immediate-risk case is due for triage the next day (docs/domain.md).
    row = row_of(listed(work.reviewer), mine)
    due = today() + datetime.timedelta(days=1)
    assert f'<time datetime="{due.isoformat()}">' in row and "(triage)" in row
    assert "none yet" in row  # no owner
    assert row_of(listed(work.reviewer), other).count("<td>-</td>") >= 1  # nothing due

    # I take the case: the list names me, "mine" lists it and "no owner" no longer does.
    page = work.page()
    assert form_post(work.reviewer, f"/cases/{mine}/owner", {}, page).status_code == 302
    assert work.account.username in row_of(listed(work.reviewer), mine)
    assert refs_in(listed(work.reviewer, "?owner=mine")) == {mine}
    assert refs_in(listed(work.reviewer, "?owner=none")) == {other}
    assert refs_in(listed(work.reviewer, f"?owner={work.account.id}")) == {mine}
    colleague = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    assert refs_in(listed(work.reviewer, f"?owner={colleague.id}")) == set()
    assert f'<option value="{colleague.id}">{colleague.username}</option>' in listed(work.reviewer)

    # Triaged and assessed: the next action due is the risk review, kept by the admin app.
    assert work.post("triage", urgency="urgent", in_detention="no").status_code == 302
    review = today() + datetime.timedelta(days=5)
    assert work.assess_risk(review).status_code == 302
    assert (work.case().next_due, work.case().next_due_reason) == (review, "risk_review")
    row = row_of(listed(work.reviewer), mine)
    assert f'<time datetime="{review.isoformat()}">' in row and "(risk review)" in row
    assert "overdue" not in row
    assert refs_in(listed(work.reviewer, "?due=week")) == {mine}
    assert refs_in(listed(work.reviewer, "?due=overdue")) == set()

    # Time passes: the review date is behind us.
    with database(app).session() as session:
        session.execute(
            update(Case).where(Case.ref == mine).values(next_due=today() - datetime.timedelta(1))
        )
    assert refs_in(listed(work.reviewer, "?due=overdue")) == {mine}
    assert refs_in(listed(work.reviewer, "?due=week")) == set()
    assert "overdue" in row_of(listed(work.reviewer, "?due=overdue"), mine)
    # Ordered by due: cases without a date are not listed there.
    assert refs_in(listed(work.reviewer, "?order=due")) == {mine}


def test_a_filter_value_that_means_nothing_lists_by_default(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    page = listed(work.reviewer, "?due=tomorrowish&order=sideways")
    assert refs_in(page) == {work.ref}


def read_with_key(work, ref: str) -> str:  # type: ignore[no-untyped-def]
    response = work.reviewer.get(f"/cases/{ref}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_possible_duplicates_are_flagged_from_the_coded_facts(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, **SIMILAR)
    assert submit(client, **SIMILAR).status_code == 200
    assert submit(client, **{**SIMILAR, "state": "RU"}).status_code == 200
    assert submit(client, **{**SIMILAR, "acts": ["smear"]}).status_code == 200
    unlock(work.reviewer)
    refs = all_refs(app)
    for ref in refs:  # reading each stores its coding proposed from the report
        read_with_key(work, ref)
    with database(app).session() as session:
        pairs = set(session.execute(select(CaseLink.case_ref, CaseLink.other_ref)))
    assert len(pairs) == 2, pairs  # one pair, both ways: same State, act and mechanism
    one, two = sorted(next(iter(pairs)))
    page = listed(work.reviewer)
    assert f"possible duplicate of {two}" in row_of(page, one)
    assert f"possible duplicate of {one}" in row_of(page, two)
    for ref in set(refs) - {one, two}:
        assert "possible duplicate" not in row_of(page, ref)
    assert f'Possible duplicate of</strong>\n<a href="/cases/{two}">{two}</a>' in read_with_key(
        work, one
    )


def two_similar_cases(app: Flask, admin_app: Flask, client: FlaskClient):  # type: ignore[no-untyped-def]
    work = a_case_on_my_desk(app, admin_app, client, **SIMILAR)
    assert submit(client, **SIMILAR).status_code == 200
    one, two = all_refs(app)
    return work, one, two


def links(app: Flask) -> set[tuple[str, str, str]]:
    with database(app).session() as session:
        return set(session.execute(select(CaseLink.case_ref, CaseLink.other_ref, CaseLink.kind)))


def test_linking_two_cases_as_one_matter_keeps_both_and_can_be_undone(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work, one, two = two_similar_cases(app, admin_app, client)
    page = work.page()
    linked = form_post(work.reviewer, f"/cases/{one}/same-matter", {"other": two.lower()}, page)
    assert linked.status_code == 302
    assert links(app) == {(one, two, "same_matter"), (two, one, "same_matter")}
    for this, that in ((one, two), (two, one)):
        shown = read_with_key(work, this)
        assert f'Same matter as\n<a href="/cases/{that}">{that}</a>' in shown
        assert f"same matter as {that}" in row_of(listed(work.reviewer), this)
    with database(app).session() as session:
        audited = set(
            session.execute(
                select(AuditEntry.case_ref, AuditEntry.action).where(
                    AuditEntry.action.in_(("cases_linked", "cases_unlinked"))
                )
            )
        )
    assert audited == {(one, "cases_linked"), (two, "cases_linked")}

    undone = form_post(work.reviewer, f"/cases/{two}/same-matter/{one}/undo", {}, work.page())
    assert undone.status_code == 302
    assert links(app) == set()
    assert "Same matter as" not in read_with_key(work, one)
    with database(app).session() as session:
        unlinked = set(
            session.scalars(
                select(AuditEntry.case_ref).where(AuditEntry.action == "cases_unlinked")
            )
        )
    assert unlinked == {one, two}


def test_an_unknown_reference_is_refused_with_what_was_typed(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work, one, _two = two_similar_cases(app, admin_app, client)
    for typed in ("ZZZZ-ZZZZ-ZZZZ-ZZZZ", one):
        refused = form_post(
            work.reviewer, f"/cases/{one}/same-matter", {"other": typed}, work.page()
        )
        assert refused.status_code == 400
        assert f'value="{typed}"' in refused.get_data(as_text=True)
    assert links(app) == set()


def test_only_a_focal_point_who_can_read_both_cases_links_them(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work, one, two = two_similar_cases(app, admin_app, client)
    # A CAT focal point whose key came after the cases (not sealed to it), a coordinator, and a
    # focal point of another mechanism.
    later = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    coordinator = make_account(admin_app, "coordinator")
    elsewhere = make_account(admin_app, "focal_point", mechanisms=("CCPR",), key="app")
    for account in (later, coordinator, elsewhere):
        reviewer = admin_app.test_client()
        sign_in(admin_app, reviewer, account)
        page = reviewer.get("/cases/").get_data(as_text=True)
        refused = form_post(reviewer, f"/cases/{one}/same-matter", {"other": two}, page)
        assert refused.status_code == 403, account.username
        if account is not elsewhere:
            assert "Link as one matter" not in reviewer.get(f"/cases/{one}").get_data(as_text=True)
    assert links(app) == set()
    # Linked by one who may, they may not undo it either.
    assert (
        form_post(
            work.reviewer, f"/cases/{one}/same-matter", {"other": two}, work.page()
        ).status_code
        == 302
    )
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, later)
    page = reviewer.get("/cases/").get_data(as_text=True)
    assert form_post(reviewer, f"/cases/{one}/same-matter/{two}/undo", {}, page).status_code == 403
    assert len(links(app)) == 2


def test_the_immediate_risk_queue_shows_a_page_and_says_when_there_are_more(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    from sqlalchemy import insert

    from admin.cases.listing import IMMEDIATE_LIMIT
    from reprisal_intake.models import case_mechanisms, new_case_ref

    work = a_case_on_my_desk(app, admin_app, client, urgency="immediate")
    assert "list them all" not in listed(work.reviewer)
    refs = [new_case_ref() for _ in range(IMMEDIATE_LIMIT)]
    with database(app).session() as session:  # rows only: the list never decrypts
        session.execute(
            insert(Case),
            [
                {
                    "ref": ref,
                    "public_key": bytes(32),
                    "submitter_public_key": bytes(32),
                    "urgency": "immediate",
                    "created": today(),
                }
                for ref in refs
            ],
        )
        session.execute(
            insert(case_mechanisms), [{"case_ref": r, "mechanism_code": "CAT"} for r in refs]
        )
    page = listed(work.reviewer)
    queue = page.split('<table class="immediate">', 1)[1].split("</table>", 1)[0]
    assert len(refs_in(queue)) == IMMEDIATE_LIMIT
    assert 'href="/cases/?urgency=immediate">More open cases are at immediate risk' in page
