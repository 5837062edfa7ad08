"""Statistics for the annual reports: a focal point codes each case's de-identified facts on its case
page; the dashboard counts a period's cases in charts and tables; the shared export keeps only cases
whose person agreed to statistics and hides every count below 5."""

from __future__ import annotations

import base64
import csv
import datetime
import hashlib
import html
import io
import json
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from admin.reporting_periods import period_of, recent_periods
from reprisal_intake.consents import next_version
from reprisal_intake.models import Case, Consent, Mechanism, today
from reprisal_intake.models.casework import Measure
from reprisal_intake.models.statistics import CaseStatistics
from tests.factories import Account, database, make_account
from tests.support.admin import audit_actions, csrf_of, sign_in, unlock
from tests.support.annual_report import focal_point_desk, reported_case, state_reply, step
from tests.support.intake import submit

WITHHELD = "Cases withheld from the Secretary-General&#39;s report for protection"
STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)


def a_case(
    app: Flask,
    mechanism: str = "CAT",
    *,
    created: datetime.date | None = None,
    statistics: str | None = "granted",
) -> str:
    """A received case (routing fields only) with its statistics consent as the person gave it."""
    with database(app).session() as session:
        case = Case(
            public_key=bytes(32),
            submitter_public_key=bytes(32),
            created=created or today(),
            mechanisms=[session.get(Mechanism, mechanism)],
        )
        session.add(case)
        session.flush()
        if statistics is not None:
            session.add(
                Consent(
                    case_ref=case.ref,
                    version=next_version(session, case.ref),
                    scope="statistics",
                    state=statistics,
                    given_by="victim",
                    language="en",
                )
            )
        return case.ref


def code(client: FlaskClient, ref: str, **answers: Any) -> Any:
    """Save the statistics coding form of the case page."""
    page = client.get(f"/cases/{ref}").get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "stats-individuals": "1", "stats-organisations": "0"}
    data.update({f"stats-{name}": value for name, value in answers.items()})
    return client.post(f"/cases/{ref}/statistics", data=data)


def signed_in(admin_app: Flask, account: Account) -> FlaskClient:
    client = admin_app.test_client()
    sign_in(admin_app, client, account)
    return client


def export(client: FlaskClient, kind: str, period: str | None = None) -> Any:
    """Export a fixed reporting period (by default the one of today)."""
    page = client.get("/statistics/").get_data(as_text=True)
    return client.post(
        "/statistics/export",
        data={
            "csrf_token": csrf_of(page),
            "period": period or period_of(today()).code,
            "format": kind,
        },
    )


def month() -> tuple[datetime.date, datetime.date]:
    first = today().replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def csv_counts(body: str) -> dict[tuple[str, str], str]:
    rows = [r for r in csv.reader(io.StringIO(body)) if r and not r[0].startswith("#")]
    assert rows[0] == ["figure", "code", "label", "count"]
    return {(figure, code): count for figure, code, _label, count in rows[1:]}


def test_the_dashboard_shows_the_months_cases_by_mechanism_and_the_export_hides_a_country_with_3_cases(
    admin_app: Flask,
) -> None:
    coordinator = make_account(admin_app, "coordinator")
    reviewer = signed_in(admin_app, coordinator)
    first, _last = month()
    for _ in range(6):
        assert code(reviewer, a_case(admin_app, "CAT"), state="RU").status_code == 302
    for _ in range(3):
        assert code(reviewer, a_case(admin_app, "CCPR"), state="BY").status_code == 302
    # Last month: not on the month's dashboard; in the previous reporting period: not exported.
    a_case(admin_app, "CAT", created=first - datetime.timedelta(days=1))
    a_case(admin_app, "CAT", created=period_of(today()).starts - datetime.timedelta(days=1))

    page = reviewer.get("/statistics/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    section = text[text.index('id="by_mechanism"') : text.index('id="by_month"')]
    assert "<svg" in section
    assert re.search(r"Committee against Torture \(CAT\)</th><td>6<", section)
    assert re.search(r"Human Rights Committee \(CCPR\)</th><td>3<", section)
    assert "<dt>Cases received</dt><dd>9</dd>" in text

    response = export(reviewer, "csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    counts = csv_counts(response.get_data(as_text=True))
    assert counts[("by_state", "BY")] == "x"
    # 9 coded cases - Russia's 6 - none not known would give Belarus back: Russia is hidden too
    # (hiding the "not known" 0 instead would still say Belarus has 1 to 3; admin/statistics/
    # suppression.py).
    assert counts[("by_state", "RU")] == "x"
    assert counts[("by_mechanism", "CCPR")] == "x"
    in_period = 10 if first > period_of(today()).starts else 9
    assert counts[("total", "cases")] == str(in_period)
    assert (coordinator.username, "statistics_exported", None) in audit_actions(admin_app)


def test_the_export_counts_only_cases_whose_latest_statistics_consent_is_granted(
    admin_app: Flask,
) -> None:
    reviewer = signed_in(admin_app, make_account(admin_app, "coordinator"))
    for _ in range(5):
        code(reviewer, a_case(admin_app), state="TR")
    refused = [a_case(admin_app, statistics=state) for state in ("refused", "not_asked", None)]
    withdrawn = a_case(admin_app)
    with database(admin_app).session() as session:
        session.add(
            Consent(
                case_ref=withdrawn,
                version=next_version(session, withdrawn),
                scope="statistics",
                state="withdrawn",
                given_by="victim",
                language="en",
            )
        )
    for ref in [*refused, withdrawn]:
        code(reviewer, ref, state="TR")

    dashboard = reviewer.get("/statistics/").get_data(as_text=True)
    assert "<dt>Cases received</dt><dd>9</dd>" in dashboard
    assert "Cases in this period with consent to statistics: 5." in dashboard
    document = json.loads(export(reviewer, "json").get_data(as_text=True))
    figures = {(f["figure"], f["code"]): f["count"] for f in document["figures"]}
    assert figures[("total", "cases")] == 5
    assert figures[("by_state", "TR")] == 5
    # Every coded case counted once and left out without consent; a small count is null.
    assert figures[("total", "individuals")] == 5
    # Nobody is not a small group: a zero is shown, 1 to 4 are not.
    assert figures[("total", "organisations")] == 0
    assert document["suppressed_below"] == 5
    assert "Counts from 1 to 4 are not shown" in document["note"]


def test_focal_points_count_only_the_cases_of_their_mechanisms(admin_app: Flask) -> None:
    focal = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    for _ in range(2):
        a_case(admin_app, "CAT")
    others = [a_case(admin_app, "CCPR") for _ in range(7)]
    reviewer = signed_in(admin_app, focal)
    page = reviewer.get("/statistics/").get_data(as_text=True)
    assert "<dt>Cases received</dt><dd>2</dd>" in page
    assert "(CCPR)" not in page
    # Nor may they code another mechanism's case.
    forbidden = reviewer.post(
        f"/cases/{others[0]}/statistics",
        data={"csrf_token": csrf_of(page), "stats-individuals": "1", "stats-state": "RU"},
    )
    assert forbidden.status_code == 403
    with database(admin_app).session() as session:
        assert session.get(CaseStatistics, others[0]) is None
    assert (
        signed_in(admin_app, make_account(admin_app, "auditor")).get("/statistics/").status_code
        == 403
    )


def test_a_focal_point_codes_a_case_from_its_report_prefilled_and_audited(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    focal = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    submit(
        client,
        state="BY",
        acts=["travel_ban", "summons"],
        perpetrators=["police"],
        setting="online",
        victim_type="individual",
        gender="woman",
        age_band="18_29",
        consent_statistics="granted",
        consent_sg_report_anonymised="granted",
    )
    with database(app).session() as session:
        ref = session.scalars(select(Case.ref)).one()
    reviewer = signed_in(admin_app, focal)
    assert unlock(reviewer).status_code == 302

    first, last = month()
    dashboard = f"/statistics/?from={first}&to={last}"
    assert "<dt>Cases coded for statistics</dt><dd>0</dd>" in reviewer.get(dashboard).get_data(
        as_text=True
    )
    page = reviewer.get(f"/cases/{ref}").get_data(as_text=True)
    assert "Proposed coding: the answers below come from the report" in page
    assert "Confirm the statistics coding</button>" in page
    assert '<option selected value="BY">Belarus</option>' in page
    assert re.search(r'checked[^>]*value="travel_ban"|value="travel_ban"[^>]*checked', page)
    assert re.search(r'<option selected value="woman">', page)

    # Reading the case stored the proposal: the dashboard counts its facts, as unconfirmed.
    with database(admin_app).session() as session:
        proposal = session.get(CaseStatistics, ref)
        assert proposal is not None and not proposal.confirmed and proposal.coded_by is None
        assert (proposal.state, proposal.gender, proposal.age_band) == ("BY", "woman", "18_29")
    counted = reviewer.get(dashboard).get_data(as_text=True)
    assert "<dt>Cases coded for statistics</dt><dd>1</dd>" in counted
    assert "<dt>Of these, proposed from the report and not yet confirmed</dt><dd>1</dd>" in counted
    assert "Belarus</th><td>1<" in counted
    assert "Travel ban" in counted[counted.index('id="by_act"') :]

    response = code(
        reviewer,
        ref,
        state="BY",
        acts=["travel_ban", "summons"],
        perpetrators=["police"],
        setting="online",
        gender="woman",
        age_band="18_29",
        women_girls="1",
    )
    assert response.status_code == 302
    with database(admin_app).session() as session:
        row = session.get(CaseStatistics, ref)
        assert row is not None
        assert (row.state, row.acts, row.perpetrators, row.gender, row.age_band) == (
            "BY",
            "summons travel_ban",
            "police",
            "woman",
            "18_29",
        )
        assert row.anonymity_requested and row.women_girls == 1
        assert row.confirmed and row.coded_by == focal.id
    assert (focal.username, "statistics_coded", ref) in audit_actions(admin_app)
    assert "Last coded on" in reviewer.get(f"/cases/{ref}").get_data(as_text=True)
    confirmed = reviewer.get(dashboard).get_data(as_text=True)
    assert (
        "<dt>Of these, proposed from the report and not yet confirmed</dt><dd>0</dd>" in confirmed
    )


def test_a_proposal_from_the_report_keeps_no_gender_or_age_without_statistics_consent(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    focal = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    submit(
        client,
        state="BY",
        victim_type="individual",
        gender="woman",
        age_band="18_29",
        consent_statistics="refused",
    )
    with database(app).session() as session:
        ref = session.scalars(select(Case.ref)).one()
    reviewer = signed_in(admin_app, focal)
    assert unlock(reviewer).status_code == 302
    assert "Proposed coding" in reviewer.get(f"/cases/{ref}").get_data(as_text=True)
    with database(admin_app).session() as session:
        row = session.get(CaseStatistics, ref)
        assert row is not None and not row.confirmed
        assert (row.state, row.gender, row.age_band, row.women_girls) == ("BY", None, None, 0)


def test_gender_and_age_are_never_coded_without_the_persons_consent(admin_app: Flask) -> None:
    reviewer = signed_in(admin_app, make_account(admin_app, "coordinator"))
    ref = a_case(admin_app, statistics="refused")
    page = reviewer.get(f"/cases/{ref}").get_data(as_text=True)
    assert "has not agreed to statistics" in page
    assert 'name="stats-gender"' not in page
    # Posted anyway, they are refused with what was typed, not dropped (issue 17), and nothing is kept.
    refused = code(reviewer, ref, gender="woman", age_band="under_18", women_girls="1")
    assert refused.status_code == 400
    answer = refused.get_data(as_text=True)
    assert '<option selected value="woman">' in answer
    assert "Not coded: the person has not agreed to statistics." in answer
    with database(admin_app).session() as session:
        assert session.get(CaseStatistics, ref) is None
    assert code(reviewer, ref).status_code == 302
    with database(admin_app).session() as session:
        row = session.get(CaseStatistics, ref)
        assert row is not None
        assert (row.gender, row.age_band, row.women_girls) == (None, None, 0)


def test_wrong_answers_come_back_with_errors_and_nothing_is_lost(admin_app: Flask) -> None:
    reviewer = signed_in(admin_app, make_account(admin_app, "coordinator"))
    ref = a_case(admin_app)
    response = code(reviewer, ref, state="XX", individuals="-3", acts=["torture"])
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Check the answers marked below." in page
    assert re.search(r'checked[^>]*value="torture"|value="torture"[^>]*checked', page)
    assert 'value="-3"' in page
    with database(admin_app).session() as session:
        assert session.get(CaseStatistics, ref) is None
    too_many = code(reviewer, ref, individuals="1", women_girls="2")
    assert too_many.status_code == 400
    assert "More women and girls than individuals." in too_many.get_data(as_text=True)
    assert reviewer.post(f"/cases/{ref}/statistics", data={}).status_code == 400


def test_measures_sent_the_state_reply_rate_and_cases_withheld_for_protection(
    admin_app: Flask,
) -> None:
    reviewer = signed_in(admin_app, make_account(admin_app, "coordinator"))
    ref = a_case(admin_app)
    withheld = a_case(admin_app)
    with database(admin_app).session() as session:
        case = session.get(Case, withheld)
        assert case is not None
        case.status, case.hold_reason = "on_hold", "security"
        for kind, grade in [
            ("state_letter", "A"),
            ("state_follow_up", "D"),
            ("state_meeting", None),
            ("acknowledge", None),
        ]:
            session.add(
                Measure(
                    case_ref=ref,
                    kind=kind,
                    consent_scope="contact",
                    status="sent",
                    sent_on=today(),
                    reply_grade=grade,
                )
            )
    page = reviewer.get("/statistics/").get_data(as_text=True)
    assert "<dt>Measures sent to the State</dt><dd>3</dd>" in page
    # On hold for security is not a decision about the report: only the inclusion status counts.
    assert f"<dt>{WITHHELD}</dt><dd>0</dd>" in page
    assert "<dt>State replies received (graded A, B, C or E)</dt><dd>1</dd>" in page
    assert "<dt>State reply rate</dt>\n  <dd>33 %</dd>" in page
    assert "Confidential letter to the State</th><td>1<" in page
    replies = page[page.index('id="replies_by_grade"') :]
    for grade in ("A: satisfactory", "D: no reply", "Awaiting a reply"):
        assert f"{grade}</th><td>1<" in replies


def test_state_replies_recorded_on_the_case_without_a_measure_count_once_with_their_grade(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    _account, browser = focal_point_desk(admin_app)
    ref = reported_case(app, client, consent_statistics="granted")
    with database(admin_app).session() as session:
        letter = Measure(
            case_ref=ref,
            kind="state_letter",
            consent_scope="contact",
            status="sent",
            sent_on=today(),
        )
        session.add(letter)
        session.flush()
        letter_id = letter.id
    day = today().isoformat()
    # One reply nobody asked for, one to the letter (recorded on the case, graded on the measure).
    for grade, measure in (("E", ""), ("A", letter_id)):
        recorded = state_reply(browser, ref, received_on=day, grade=grade, measure=measure)
        assert recorded.status_code == 302, recorded.get_data(as_text=True)

    first, last = month()
    page = browser.get(f"/statistics/?from={first}&to={last}").get_data(as_text=True)
    assert "<dt>Measures sent to the State</dt><dd>1</dd>" in page
    assert "<dt>State replies received without a measure</dt><dd>1</dd>" in page
    assert "<dt>State replies received (graded A, B, C or E)</dt><dd>2</dd>" in page
    assert "<dt>State reply rate</dt>\n  <dd>100 %</dd>" in page
    replies = page[page.index('id="replies_by_grade"') : page.index('id="unsolicited_replies')]
    assert "A: satisfactory</th><td>1<" in replies and "E: contrary" not in replies
    unsolicited = page[page.index('id="unsolicited_replies_by_grade"') :]
    assert "E: contrary to the recommendation" in unsolicited
    assert "</th><td>1<" in unsolicited[: unsolicited.index("</table>")]
    assert "A: satisfactory" not in unsolicited[: unsolicited.index("</section>")]


def test_cases_withheld_for_protection_are_those_withheld_from_the_secretary_generals_report(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    _account, browser = focal_point_desk(admin_app)
    period = period_of(today()).code
    earlier = recent_periods(today())[1].code
    withheld = reported_case(app, client, consent_sg_report_named="granted")
    proposed = reported_case(app, client, consent_sg_report_named="granted")
    # Withheld from an earlier report, then proposed for this one: no longer withheld.
    proposed_again = reported_case(app, client, consent_sg_report_named="granted")
    for ref, reporting, status in (
        (withheld, period, "withheld"),
        (proposed, period, "proposed"),
        (proposed_again, earlier, "withheld"),
        (proposed_again, period, "proposed"),
    ):
        decided = step(browser, ref, "sg-report", period=reporting, status=status)
        assert decided.status_code == 302, decided.get_data(as_text=True)
    first, last = month()
    page = browser.get(f"/statistics/?from={first}&to={last}").get_data(as_text=True)
    assert f"<dt>{WITHHELD}</dt><dd>1</dd>" in page


def test_the_charts_are_static_svg_allowed_by_hash_without_any_script(admin_app: Flask) -> None:
    reviewer = signed_in(admin_app, make_account(admin_app, "coordinator"))
    code(reviewer, a_case(admin_app), state="RU", acts=["threat"])
    response = reviewer.get("/statistics/")
    page = response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    assert "<script" not in page
    assert "script-src" not in policy and "unsafe-inline" not in policy
    styles = STYLE.findall(page)
    assert len(styles) >= 3
    for css in styles:
        digest = base64.b64encode(hashlib.sha256(html.unescape(css).encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert page.count('role="img"') == len(styles)
    assert reviewer.get("/statistics/?from=2026-13-01").status_code == 400
    assert reviewer.get("/statistics/?from=2026-05-02&to=2026-05-01").status_code == 400


def test_both_exports_hide_a_count_of_exactly_4_and_show_a_count_of_5(admin_app: Flask) -> None:
    reviewer = signed_in(admin_app, make_account(admin_app, "coordinator"))
    for _ in range(4):
        assert code(reviewer, a_case(admin_app), state="UA").status_code == 302
    for state in ("TR", "RU"):
        for _ in range(5):
            assert code(reviewer, a_case(admin_app), state=state).status_code == 302

    shown = csv_counts(export(reviewer, "csv").get_data(as_text=True))
    # Russia's 5 (the first of the smallest) is hidden so that 14 - 5 cannot give Ukraine's 4 back.
    assert (shown[("by_state", "UA")], shown[("by_state", "TR")]) == ("x", "5")
    assert shown[("by_state", "RU")] == "x"
    document = json.loads(export(reviewer, "json").get_data(as_text=True))
    figures = {(f["figure"], f["code"]): f["count"] for f in document["figures"]}
    assert (figures[("by_state", "UA")], figures[("by_state", "TR")]) == (None, 5)
