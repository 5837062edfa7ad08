"""A focal point shares a case with a further mechanism only when the submitter granted it: the case key
is sealed to that mechanism's reviewers (no item is re-encrypted) and its focal points see the case;
unsharing stops future reads. Refusals are audited with their reason."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.consents import next_version
from reprisal_intake.models import AccessStanza, Case, Consent, Item
from tests.factories import database, make_account, make_reviewer
from tests.support.admin import audit_actions, form_post, sign_in, unlock
from tests.support.casework import risk_assessed
from tests.support.intake import submit


def the_case(app: Flask) -> Case:
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        session.expunge(case)
        return case


def stanza_holders(app: Flask, ref: str) -> set[str]:
    with database(app).session() as session:
        return set(
            session.scalars(select(AccessStanza.reviewer_id).where(AccessStanza.case_ref == ref))
        )


def item_digests(app: Flask, ref: str) -> list[str]:
    with database(app).session() as session:
        return list(session.scalars(select(Item.sha256).where(Item.case_ref == ref)))


def withdraw_sharing_with_asg(app: Flask, case_ref: str) -> None:
    """The person withdraws sharing with ASG (as the follow-up page records it)."""
    with database(app).session() as session:
        session.add(
            Consent(
                case_ref=case_ref,
                version=next_version(session, case_ref),
                scope="share_with",
                mechanism_code="ASG",
                state="withdrawn",
                given_by="victim",
                language="en",
            )
        )


def test_a_case_is_shared_with_asg_as_the_person_allowed_and_unshared_again(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    cat = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    asg = make_account(admin_app, "focal_point", mechanisms=("ASG",), key="app")
    make_reviewer(app, "SP")
    submit(client, what_happened="SHARED-PHRASE-7731", share_with=["ASG"])
    case = the_case(app)
    risk_assessed(app, case.ref)
    digests = item_digests(app, case.ref)
    page_path = f"/cases/{case.ref}"

    at_cat = admin_app.test_client()
    sign_in(admin_app, at_cat, cat)
    assert unlock(at_cat).status_code == 302
    page = at_cat.get(page_path).get_data(as_text=True)
    offered = page[page.index('id="share-mechanism"') :]
    assert offered.index("ASG: ") < offered.index("(consent not asked)")
    assert "ASG: Assistant Secretary-General leading UN work on reprisals (consent granted)" in page

    # SP was never agreed to: refused, with the reason shown and audited.
    refused = form_post(
        at_cat,
        f"{page_path}/share",
        {"mechanism": "SP", "confirm_consent": "y", "action_risk": "medium"},
    )
    assert refused.status_code == 409
    assert "never asked whether it may be shared" in refused.get_data(as_text=True)
    nothing = form_post(
        at_cat,
        f"{page_path}/share",
        {"mechanism": "", "confirm_consent": "y", "action_risk": "medium"},
    )
    assert nothing.status_code == 400 and "Choose a mechanism." in nothing.get_data(as_text=True)
    # The reviewer must confirm that the consent is still current.
    unconfirmed = form_post(at_cat, f"{page_path}/share", {"mechanism": "ASG"}, page)
    assert unconfirmed.status_code == 400
    assert "still current" in unconfirmed.get_data(as_text=True)

    at_asg = admin_app.test_client()
    sign_in(admin_app, at_asg, asg)
    assert at_asg.get(page_path).status_code == 403

    shared = form_post(
        at_cat,
        f"{page_path}/share",
        {"mechanism": "ASG", "confirm_consent": "y", "action_risk": "medium"},
    )
    assert shared.status_code == 303
    assert asg.reviewer.id in stanza_holders(app, case.ref)
    assert item_digests(app, case.ref) == digests, "no item is re-encrypted"
    assert "Shared with ASG on" in at_cat.get(page_path).get_data(as_text=True)

    # ASG's focal point now finds the case in their list and reads it with their own key.
    assert case.ref in at_asg.get("/cases/").get_data(as_text=True)
    assert unlock(at_asg).status_code == 302
    assert "SHARED-PHRASE-7731" in at_asg.get(page_path).get_data(as_text=True)

    # ASG cannot send the case away from itself, nor cut CAT off: that is for CAT or a coordinator.
    assert form_post(at_asg, f"{page_path}/unshare", {"mechanism": "ASG"}).status_code == 403
    assert asg.reviewer.id in stanza_holders(app, case.ref)

    # The original mechanism can never be unshared.
    assert form_post(at_cat, f"{page_path}/unshare", {"mechanism": "CAT"}, page).status_code == 404
    unshared = form_post(at_cat, f"{page_path}/unshare", {"mechanism": "ASG"}, page)
    assert unshared.status_code == 303
    notice = at_cat.get(page_path).get_data(as_text=True)
    assert "cannot be unread" in notice
    assert "SHARED-PHRASE-7731" in notice
    assert asg.reviewer.id not in stanza_holders(app, case.ref)
    assert cat.reviewer.id in stanza_holders(app, case.ref)
    assert at_asg.get(page_path).status_code == 403
    with database(app).session() as session:
        assert [m.code for m in session.get(Case, case.ref).mechanisms] == ["CAT"]

    routing = [
        (a, r)
        for who, a, r in audit_actions(admin_app)
        if who == cat.username and a in ("share_refused", "case_shared", "case_unshared")
    ]
    assert routing == [
        ("share_refused", case.ref),
        ("case_shared", case.ref),
        ("case_unshared", case.ref),
    ]


def test_withdrawn_consent_or_a_locked_key_refuses_the_share(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    cat = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    make_reviewer(app, "ASG")
    submit(client, share_with=["ASG"])
    case = the_case(app)
    risk_assessed(app, case.ref)
    path = f"/cases/{case.ref}/share"
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, cat)
    page = reviewer.get(f"/cases/{case.ref}").get_data(as_text=True)

    locked = form_post(
        reviewer, path, {"mechanism": "ASG", "confirm_consent": "y", "action_risk": "medium"}, page
    )
    assert locked.status_code == 409
    assert "Unlock your key first" in locked.get_data(as_text=True)

    withdraw_sharing_with_asg(app, case.ref)
    assert unlock(reviewer).status_code == 302
    withdrawn = form_post(
        reviewer, path, {"mechanism": "ASG", "confirm_consent": "y", "action_risk": "medium"}
    )
    assert withdrawn.status_code == 409
    assert "withdrew their consent" in withdrawn.get_data(as_text=True)
    refusals = [
        r for who, a, r in audit_actions(admin_app) if who == cat.username and a == "share_refused"
    ]
    assert refusals == [case.ref, case.ref]
    with database(app).session() as session:
        assert [m.code for m in session.get(Case, case.ref).mechanisms] == ["CAT"]


def test_keys_added_later_read_the_case_only_once_a_reader_seals_it_to_them(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    cat = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    make_reviewer(app, "ASG")
    submit(client, share_with=["ASG"])
    case = the_case(app)
    risk_assessed(app, case.ref)
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, cat)
    assert unlock(reviewer).status_code == 302
    page_path = f"/cases/{case.ref}"
    form_post(
        reviewer,
        f"{page_path}/share",
        {"mechanism": "ASG", "confirm_consent": "y", "action_risk": "medium"},
    )

    new_cat = make_reviewer(app, "CAT", name="New CAT key")
    new_asg = make_reviewer(app, "ASG", name="New ASG key")
    page = reviewer.get(page_path).get_data(as_text=True)
    assert "cannot read it yet: New ASG key, New CAT key." in page
    assert new_cat.id not in stanza_holders(app, case.ref)

    assert form_post(reviewer, f"{page_path}/reseal", {}, page).status_code == 303
    assert {new_cat.id, new_asg.id} <= stanza_holders(app, case.ref)
    assert "cannot read it yet" not in reviewer.get(page_path).get_data(as_text=True)
    assert ("routing", case.ref) in [(a, r) for _who, a, r in audit_actions(admin_app)]

    # Once the person withdraws sharing with ASG, a new ASG key is not sealed any more.
    withdraw_sharing_with_asg(app, case.ref)
    later = make_reviewer(app, "ASG", name="Later ASG key")
    assert "Later ASG key" not in reviewer.get(page_path).get_data(as_text=True)
    assert later.id not in stanza_holders(app, case.ref)


def test_withdrawing_statistics_leaves_an_agreed_share_alone_but_store_and_assess_holds_it(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    """Issue 15: a withdrawn scope blocks only the actions under it; without "store and assess" the
    whole case is on hold."""
    cat = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    make_reviewer(app, "ASG")
    submit(client, share_with=["ASG"], consent_statistics="granted")
    case = the_case(app)
    risk_assessed(app, case.ref)
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, cat)
    assert unlock(reviewer).status_code == 302
    path = f"/cases/{case.ref}/share"
    with database(app).session() as session:
        session.add(
            Consent(
                case_ref=case.ref,
                version=next_version(session, case.ref),
                scope="statistics",
                state="withdrawn",
                given_by="victim",
                language="en",
            )
        )
    shared = form_post(
        reviewer, path, {"mechanism": "ASG", "confirm_consent": "y", "action_risk": "medium"}
    )
    assert shared.status_code == 303, shared.get_data(as_text=True)
    assert "Deletion reviews" not in reviewer.get("/casework/overdue").get_data(as_text=True)
    assert (
        form_post(reviewer, f"/cases/{case.ref}/unshare", {"mechanism": "ASG"}).status_code == 303
    )
    with database(app).session() as session:
        session.add(
            Consent(
                case_ref=case.ref,
                version=next_version(session, case.ref),
                scope="store_assess",
                state="withdrawn",
                given_by="victim",
                language="en",
            )
        )
    page = reviewer.get(f"/cases/{case.ref}").get_data(as_text=True)
    assert "Deletion review open." in page
    overdue = reviewer.get("/casework/overdue").get_data(as_text=True)
    assert "Deletion reviews" in overdue and case.ref in overdue
    held = form_post(
        reviewer, path, {"mechanism": "ASG", "confirm_consent": "y", "action_risk": "medium"}
    )
    assert held.status_code == 409


def test_sharing_and_resealing_never_seal_to_a_key_the_organisation_did_not_certify(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    cat = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    unsigned_asg = make_reviewer(app, "ASG", name="Unsigned ASG key", certified=False)
    submit(client, share_with=["ASG"])
    case = the_case(app)
    risk_assessed(app, case.ref)
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, cat)
    assert unlock(reviewer).status_code == 302
    page_path = f"/cases/{case.ref}"
    # ASG's only key is not certified: sharing is refused as if ASG had no focal point.
    refused = form_post(
        reviewer,
        f"{page_path}/share",
        {"mechanism": "ASG", "confirm_consent": "y", "action_risk": "medium"},
    )
    assert refused.status_code == 409
    assert unsigned_asg.id not in stanza_holders(app, case.ref)

    # A CAT key stored without a record is not offered for resealing either.
    unsigned_cat = make_reviewer(app, "CAT", name="Unsigned CAT key", certified=False)
    page = reviewer.get(page_path).get_data(as_text=True)
    assert "Unsigned CAT key" not in page
    form_post(reviewer, f"{page_path}/reseal", {}, page)
    assert unsigned_cat.id not in stanza_holders(app, case.ref)
