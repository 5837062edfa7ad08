"""No hidden count of a statistics export can be worked out from anything else in it: not from the
totals, not from the other rows of its table, not through any combination of the relations between
tables (tests/support/disclosure.py searches for other counts that fit what is published, without the
export's code; admin/statistics/disclosure.py is the export's own auditor)."""

from __future__ import annotations

import csv
import datetime
import html
import io
import json
import random
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from admin.reporting_periods import period_of
from admin.statistics import exports
from admin.statistics.disclosure import Bound, Relation, determined, ranges
from admin.statistics.exports import as_json, relations, unprotected
from admin.statistics.figures import Figures, Period, figures
from admin.statistics.suppression import (
    PROTECTION_RANGE,
    SMALL_COUNT,
    Cell,
    DisclosureError,
    audit,
    guard,
    protect,
    published,
)
from admin.statistics.tables import TABLES, TOTALS
from reprisal_intake.db import get_db
from reprisal_intake.models import today
from reprisal_intake.models.casework import Measure
from tests.factories import database, make_account
from tests.support.admin import csrf_of, sign_in
from tests.support.disclosure import Key, read, recoverable
from tests.support.statistics import coded_case

PERIOD = Period(datetime.date(2025, 5, 1), datetime.date(2026, 4, 30))
REPLIED = ("A", "B", "C", "E")


def _split(
    rng: random.Random, total: int, codes: list[str], share: float = 1.0
) -> list[tuple[str, int]]:
    """``total`` people spread over ``codes`` (a ``share`` of them; the rest not known), with many
    small groups."""
    counts: Counter[str] = Counter()
    for _ in range(int(total * share)):
        counts[rng.choice(codes[: rng.randint(1, len(codes))])] += 1
    return sorted(counts.items())


def random_figures(rng: random.Random) -> Figures:
    cases = rng.choice([0, 1, 3, 4, 6, 9, 12, 25, 60])
    coded = rng.randint(0, cases)
    sent = rng.choice([0, 2, 5, 11, 20, 30])
    grades = _split(rng, sent, ["A", "B", "C", "D", "E", "awaiting"])
    unsolicited = rng.choice([0, 0, 1, 3, 6, 14])
    unsolicited_grades = _split(rng, unsolicited, ["E", "A", "C", "B"])
    individuals = rng.randint(0, 40)
    return Figures(
        PERIOD,
        cases=cases,
        coded=coded,
        unconfirmed=rng.randint(0, coded),
        individuals=individuals,
        organisations=rng.randint(0, 6),
        women_girls=rng.randint(0, min(12, individuals)),
        anonymity_requested=rng.randint(0, cases),
        withheld_for_protection=rng.randint(0, min(3, cases)),
        by_mechanism=_split(rng, cases, ["CAT", "CCPR", "SP", "HRC"]),
        by_month=_split(rng, cases, ["2025-05", "2025-06", "2025-07", "2026-01"]),
        by_status=_split(rng, cases, ["received", "triaged", "closed", "on_hold"]),
        by_state=_split(rng, coded, ["RU", "BY", "CN", "VE", "EG"], rng.random()),
        by_act=_split(rng, coded, ["arrest", "travel_ban", "smear"]),
        by_perpetrator=_split(rng, coded, ["police", "judiciary"]),
        by_setting=_split(rng, coded, ["online", "offline", "both"], rng.random()),
        by_victim_type=_split(rng, coded, ["individual", "group", "organisation"], rng.random()),
        by_age_band=_split(rng, coded, ["18_29", "30_59", "60_plus"], rng.random()),
        measures_by_kind=sorted(
            _split(rng, sent, ["state_letter", "state_meeting", "dialogue"])
            + _split(rng, rng.choice([0, 3, 8]), ["verify", "acknowledge"])
        ),
        replies_by_grade=grades,
        state_measures_sent=sent,
        unsolicited_replies=unsolicited,
        unsolicited_replies_by_grade=unsolicited_grades,
        state_replies=sum(n for g, n in grades + unsolicited_grades if g in REPLIED),
    )


def _truth(found: list[Cell]) -> dict[Key, int]:
    return {c.key: c.count for c in found}


def _attack(document: dict[str, Any], truth: dict[Key, int]) -> tuple[list[Key], list[Key]]:
    """(hidden counts given back exactly, hidden counts narrowed below PROTECTION_RANGE)."""
    shown, equations, inequalities = read(document)
    exact = recoverable(shown, truth, equations, inequalities)
    narrow = recoverable(shown, truth, equations, inequalities, protection=PROTECTION_RANGE)
    return exact, narrow


@pytest.mark.parametrize("seed", range(120))
def test_no_hidden_count_can_be_worked_out_from_the_rest(admin_app: Flask, seed: int) -> None:
    rng = random.Random(seed)
    figures_ = random_figures(rng)
    with admin_app.test_request_context():
        truth = _truth(unprotected(figures_))
        document = json.loads(as_json(figures_, "2025-2026"))
    shown, _equations, _inequalities = read(document)
    assert all(shown[k] is None for k, n in truth.items() if 0 < n < SMALL_COUNT)
    assert all(shown[k] in (None, n) for k, n in truth.items())
    assert _attack(document, truth) == ([], [])


def test_state_replies_are_not_given_back_by_measures_sent_minus_no_reply_minus_awaiting(
    admin_app: Flask,
) -> None:
    """The reproducer: 20 letters to the State, 3 answered A and 2 B, 9 graded D (no reply) and 6
    awaiting a reply; no reply without a measure. A (3) and B (2) are hidden, and so is "State
    replies received" (5, the sum of A to E). Each relation on its own then has two hidden counts, but
    together: State replies = measures sent to the State (20) - D (9) - awaiting (6) + replies without
    a measure (0) = 5. The export hides one more count of that combination (awaiting, the smallest)."""
    ref = coded_case(admin_app, state="RU")
    for _ in range(4):
        coded_case(admin_app, state="RU")
    grades = ["A"] * 3 + ["B"] * 2 + ["D"] * 9 + [None] * 6
    with database(admin_app).session() as session:
        for grade in grades:
            session.add(
                Measure(
                    case_ref=ref,
                    kind="state_letter",
                    consent_scope="contact",
                    status="sent",
                    sent_on=today(),
                    reply_grade=grade,
                )
            )
    period = period_of(today())
    with admin_app.test_request_context():
        with get_db().session() as db:
            counted = figures(db, Period(period.starts, period.ends), None, consented_only=True)
        found = unprotected(counted)
        truth = _truth(found)
        # Small-count suppression alone, and the old one-relation-at-a-time rule: A, B and their total.
        naive = [Cell(c.figure, c.code, c.label, c.count) for c in found]
        for cell in naive:
            cell.hidden = 0 < cell.count < SMALL_COUNT or cell.key == ("total", "state_replies")
        leak = determined(published(naive), relations(naive))
    assert truth[("total", "state_replies")] == 5
    assert leak[("total", "state_replies")] == (
        ("replies_by_grade", "D"),
        ("replies_by_grade", "awaiting"),
        ("total", "state_measures_sent"),
    ), "the combination the old rule missed"

    document = _export(admin_app, "json")
    shown, _eq, _ineq = read(document)
    assert shown[("total", "state_replies")] is None
    assert shown[("replies_by_grade", "awaiting")] is None
    assert (shown[("total", "state_measures_sent")], shown[("replies_by_grade", "D")]) == (20, 9)
    assert _attack(document, truth) == ([], [])


def test_measures_sent_to_the_state_are_the_state_rows_of_measures_taken(admin_app: Flask) -> None:
    """8 measures sent to the State: 6 letters and 2 meetings, and 7 verifications (not to the
    State). The meetings (2) are hidden; 8 - 6 would give them back, so the letters are hidden too
    (the smallest count of that combination), and the verifications stay."""
    figures_ = Figures(
        PERIOD,
        measures_by_kind=[("state_letter", 6), ("state_meeting", 2), ("verify", 7)],
        replies_by_grade=[("awaiting", 8)],
        state_measures_sent=8,
    )
    with admin_app.test_request_context():
        truth = _truth(unprotected(figures_))
        document = json.loads(as_json(figures_, "2025-2026"))
    shown, _eq, _ineq = read(document)
    assert shown[("measures_by_kind", "state_meeting")] is None
    assert shown[("measures_by_kind", "state_letter")] is None
    assert (shown[("measures_by_kind", "verify")], shown[("total", "state_measures_sent")]) == (
        7,
        8,
    )
    assert _attack(document, truth) == ([], [])


def test_primary_suppression_alone_gives_cells_back() -> None:
    """The auditor finds what small-count suppression alone leaves open: a country's 3 cases are the
    coded cases minus the shown countries; and two listed rows that make 2 are 1 each."""
    found = [
        Cell("total", "coded", "", 9),
        Cell("by_state", "RU", "", 6),
        Cell("by_state", "BY", "", 3),
        Cell("by_state", "not_known", "", 0),
    ]
    for cell in found:
        cell.hidden = 0 < cell.count < SMALL_COUNT
    split = (Relation(("total", "coded"), tuple(c.key for c in found[1:]), "states"),)
    assert determined(published(found), split) == {
        ("by_state", "BY"): (("by_state", "RU"), ("by_state", "not_known"), ("total", "coded"))
    }
    protect(found, split)
    assert [c.code for c in found if c.hidden] == ["RU", "BY"], "RU, not the 0 not known"
    assert not audit(found, split, ())

    pair = [Cell("total", "t", "", 2), Cell("f", "a", "", 1), Cell("f", "b", "", 1)]
    for cell in pair[1:]:
        cell.hidden = True
    sums = (Relation(("total", "t"), (("f", "a"), ("f", "b")), "pair"),)
    assert determined(published(pair), sums) == {}, "the equations alone leave a and b open"
    floors = {c.key: c.floor for c in pair}
    assert ranges(published(pair), sums, (), floors)[("f", "a")].width == 0, "the floors do not"


def test_the_auditor_follows_any_number_of_relations() -> None:
    """Five totals, each of two hidden counts in a ring (x0 + x1, x1 + x2, ..., x4 + x0): no
    relation alone has fewer than two hidden counts, all five together give each one back (x0 is
    half of t0 - t1 + t2 - t3 + t4)."""
    hidden = [3, 4, 5, 6, 7]
    values: dict[Key, int | None] = {("x", str(i)): None for i in range(5)}
    ring = []
    for i in range(5):
        values[("total", f"t{i}")] = hidden[i] + hidden[(i + 1) % 5]
        ring.append(Relation(("total", f"t{i}"), (("x", str(i)), ("x", str((i + 1) % 5))), ""))
    exact = determined(values, ring)
    assert set(exact) == {("x", str(i)) for i in range(5)}
    assert exact[("x", "0")] == tuple(("total", f"t{i}") for i in range(5))
    # One more hidden total breaks the ring.
    values[("total", "t2")] = None
    assert determined(values, ring) == {}


def test_a_range_narrowed_by_a_bound_is_widened() -> None:
    """5 cases, all 5 coded (hidden): 1 in Russia and 4 in Belarus (hidden), 5 of them arrests. No
    equation gives the coded cases back, but arrests (5) <= coded <= cases (5) does, and then Russia
    is 1 to 4. The arrests are hidden (the smallest published count next to it, first by name), and
    then the cases, since arrests hidden still leave coded between 2 and 5."""
    found = [
        Cell("total", "cases", "", 5),
        Cell("total", "coded", "", 5, hidden=True),
        Cell("by_state", "RU", "", 1, hidden=True),
        Cell("by_state", "BY", "", 4, hidden=True),
        Cell("by_state", "not_known", "", 0),
        Cell("by_act", "arrest", "", 5),
    ]
    split = (
        Relation(
            ("total", "coded"),
            (("by_state", "RU"), ("by_state", "BY"), ("by_state", "not_known")),
            "",
        ),
    )
    bounds = (
        Bound(("total", "coded"), ("total", "cases"), ""),
        Bound(("by_act", "arrest"), ("total", "coded"), ""),
    )
    values = published(found)
    assert determined(values, split) == {}
    assert (
        ranges(values, split, bounds, {c.key: c.floor for c in found})[("total", "coded")].width
        == 0
    )
    protect(found, split, bounds)
    assert not audit(found, split, bounds)
    assert [c.key for c in found if not c.hidden] == [("by_state", "not_known")]


def test_the_export_refuses_to_write_a_count_the_others_give_back(admin_app: Flask) -> None:
    """The last check before anything is written (``suppression.guard``)."""
    found = [
        Cell("total", "coded", "", 9),
        Cell("by_state", "RU", "", 6),
        Cell("by_state", "BY", "", 3, hidden=True),
    ]
    split = (Relation(("total", "coded"), (("by_state", "RU"), ("by_state", "BY")), ""),)
    with pytest.raises(DisclosureError) as raised:
        guard(found, split, ())
    assert "('by_state', 'BY')" in str(raised.value) and "3" not in str(raised.value).replace(
        "('", ""
    )


def test_every_table_and_total_is_in_the_relations_or_said_to_split_none() -> None:
    """Cover by construction: a new table or total must be placed in exports.py."""
    related = {figure for figure, _t, _o in exports.PARTITIONS}
    related |= {figure for _t, sources in exports.SUBTOTALS for figure, _c in sources}
    related |= set(exports.OVERLAPPING)
    assert set(TABLES) <= related
    totals = {t for _f, t, _o in exports.PARTITIONS} | {t for t, _s in exports.SUBTOTALS}
    totals |= {t for pair in exports.BOUNDS for t in pair} | set(exports.OVERLAPPING.values())
    assert set(TOTALS) - totals == set(exports.UNRELATED)


def _export(admin_app: Flask, kind: str, client: FlaskClient | None = None) -> Any:
    if client is None:
        client = admin_app.test_client()
        sign_in(admin_app, client, make_account(admin_app, "coordinator"))
    page = client.get("/statistics/").get_data(as_text=True)
    response = client.post(
        "/statistics/export",
        data={"csrf_token": csrf_of(page), "period": period_of(today()).code, "format": kind},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    return json.loads(body) if kind == "json" else body


def _random_cases(admin_app: Flask, rng: random.Random) -> None:
    day = period_of(today()).starts
    for _ in range(rng.choice([2, 6, 11, 17])):
        ref = coded_case(
            admin_app,
            rng.choice(["CAT", "CCPR", "SPT"]),
            created=day + datetime.timedelta(days=rng.choice([0, 31, 62])),
            coded=rng.random() < 0.8,
            consents=(("statistics", rng.choice(["granted", "granted", "granted", "refused"])),),
            state=rng.choice(["RU", "RU", "BY", "CN", None]),
            setting=rng.choice(["online", "offline", None]),
            victim_type=rng.choice(["individual", "organisation"]),
            acts=" ".join(rng.sample(["arrest", "travel_ban", "smear"], rng.randint(0, 2))),
            confirmed=rng.random() < 0.7,
        )
        with database(admin_app).session() as session:
            for _m in range(rng.choice([0, 0, 2, 5])):
                session.add(
                    Measure(
                        case_ref=ref,
                        kind=rng.choice(["state_letter", "state_meeting", "verify"]),
                        consent_scope="contact",
                        status="sent",
                        sent_on=day + datetime.timedelta(days=rng.choice([1, 40])),
                        reply_grade=rng.choice(["A", "B", "D", "E", None, None]),
                    )
                )


@pytest.mark.parametrize("seed", range(8))
def test_random_case_sets_through_both_exports(admin_app: Flask, seed: int) -> None:
    """Random cases in the database, exported over HTTP in CSV and JSON: the two agree, every small
    count is hidden, and no hidden count can be worked out or narrowed."""
    _random_cases(admin_app, random.Random(seed))
    client = admin_app.test_client()
    sign_in(admin_app, client, make_account(admin_app, "coordinator"))
    document = _export(admin_app, "json", client)
    rows = list(csv.reader(io.StringIO(_export(admin_app, "csv", client))))
    period = period_of(today())
    with admin_app.test_request_context():
        with get_db().session() as db:
            counted = figures(db, Period(period.starts, period.ends), None, consented_only=True)
        truth = _truth(unprotected(counted))
    shown, _eq, _ineq = read(document)
    in_csv = {
        (r[0], r[1]): (None if r[3] == exports.SUPPRESSED_TEXT else int(r[3])) for r in rows[3:]
    }
    assert in_csv == shown
    assert set(shown) == set(truth)
    assert all(shown[k] is None for k, n in truth.items() if 0 < n < SMALL_COUNT)
    assert _attack(document, truth) == ([], [])
    # The dashboard (the unprotected counts of the cases this person may open, not an export)
    # states the export's rule in the export's words.
    page = client.get(f"/statistics/?from={period.starts}&to={period.ends}")
    assert page.status_code == 200
    assert html.escape(document["note"]) in page.get_data(as_text=True)
