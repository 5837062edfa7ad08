"""No hidden count of a statistics export can be worked out from anything else in it: not from the
totals, not from the other rows of its table, not through a total that several tables split
(tests/support/disclosure.py does the attacker's arithmetic without the export's code)."""

from __future__ import annotations

import datetime
import json
import random
from collections import Counter

import pytest
from flask import Flask

from admin.reporting_periods import period_of
from admin.statistics.exports import cells
from admin.statistics.figures import Figures, Period
from admin.statistics.suppression import SMALL_COUNT, Cell, Partition, protect
from reprisal_intake.models import today
from tests.factories import make_account
from tests.support.admin import csrf_of, sign_in
from tests.support.disclosure import recoverable
from tests.support.statistics import coded_case

PERIOD = Period(datetime.date(2025, 5, 1), datetime.date(2026, 4, 30))


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
    sent = rng.choice([0, 2, 5, 11, 30])
    grades = _split(rng, sent, ["A", "B", "C", "D", "E", "awaiting"])
    return Figures(
        PERIOD,
        cases=cases,
        coded=coded,
        individuals=rng.randint(0, 40),
        organisations=rng.randint(0, 6),
        women_girls=rng.randint(0, 12),
        anonymity_requested=rng.randint(0, cases),
        withheld_for_protection=rng.randint(0, 3),
        by_mechanism=_split(rng, cases + rng.randint(0, 4), ["CAT", "CCPR", "SP", "HRC"]),
        by_month=_split(rng, cases, ["2025-05", "2025-06", "2025-07", "2026-01"]),
        by_status=_split(rng, cases, ["received", "triaged", "closed", "on_hold"]),
        by_state=_split(rng, coded, ["RU", "BY", "CN", "VE", "EG"], rng.random()),
        by_act=_split(rng, coded * 2, ["arrest", "travel_ban", "smear"]),
        by_perpetrator=_split(rng, coded, ["police", "judiciary"]),
        by_setting=_split(rng, coded, ["online", "offline", "both"], rng.random()),
        by_victim_type=_split(rng, coded, ["individual", "group", "organisation"], rng.random()),
        by_age_band=_split(rng, coded, ["18_29", "30_59", "60_plus"], rng.random()),
        measures_by_kind=_split(rng, sent + 3, ["state_letter", "verify"]),
        replies_by_grade=grades,
        state_measures_sent=sent,
        state_replies=sum(n for g, n in grades if g in ("A", "B", "C", "E")),
    )


def _exported(
    found: list[Cell],
) -> tuple[dict[tuple[str, str], int | None], dict[tuple[str, str], int]]:
    published = {(c.figure, c.code): (None if c.hidden else c.count) for c in found}
    truth = {(c.figure, c.code): c.count for c in found}
    return published, truth


@pytest.mark.parametrize("seed", range(150))
def test_no_hidden_count_can_be_worked_out_from_the_rest(admin_app: Flask, seed: int) -> None:
    rng = random.Random(seed)
    figures = random_figures(rng)
    with admin_app.test_request_context():
        found = cells(figures)
    published, truth = _exported(found)
    assert all(published[k] is None for k, n in truth.items() if 0 < n < SMALL_COUNT)
    assert recoverable(published, truth) == []


def test_primary_suppression_alone_gives_cells_back() -> None:
    """The check finds what small-count suppression alone leaves open: a country's 3 cases are the
    coded cases minus the shown countries, and a total of 3 cases is any month's count."""
    total = [Cell("total", "cases", "", 9), Cell("total", "coded", "", 9)]
    states = [Cell("by_state", "RU", "", 6), Cell("by_state", "BY", "", 3)]
    months = [Cell("by_month", "2025-06", "", 9)]
    naive = total + states + months
    for cell in naive:
        cell.hidden = 0 < cell.count < SMALL_COUNT
    assert recoverable(*_exported(naive)) == [("by_state", "BY")]

    protected = protect(
        [Cell(c.figure, c.code, "", c.count) for c in naive]
        + [Cell("by_state", "not_known", "", 0)],
        (Partition("by_state", "coded"), Partition("by_month", "cases")),
    ).cells
    assert recoverable(*_exported(protected)) == []


def test_the_shared_export_hides_what_the_totals_would_give_back(admin_app: Flask) -> None:
    """Through the export itself: 9 coded cases, 6 in Russia and 3 in Belarus, 8 online and 1 of
    unknown setting, and 1 case not coded. Small-count suppression hides Belarus (3) and the unknown
    setting (1); the coded total would give both back, so their complements are hidden too, and
    nothing hidden can be worked out."""
    for state, setting in [("RU", "online")] * 6 + [("BY", "online")] * 2 + [("BY", None)]:
        coded_case(admin_app, state=state, setting=setting)
    coded_case(admin_app, coded=False)
    coordinator = make_account(admin_app, "coordinator")
    client = admin_app.test_client()
    sign_in(admin_app, client, coordinator)
    page = client.get("/statistics/").get_data(as_text=True)
    period = period_of(today()).code
    response = client.post(
        "/statistics/export",
        data={"csrf_token": csrf_of(page), "period": period, "format": "json"},
    )
    assert response.status_code == 200
    document = json.loads(response.get_data(as_text=True))
    assert document["period"]["code"] == period
    published = {(f["figure"], f["code"]): f["count"] for f in document["figures"]}
    assert published[("total", "cases")] == 10
    assert published[("by_state", "RU")] == 6
    assert published[("by_state", "BY")] is None
    assert published[("by_state", "not_known")] is None, "9 - 6 - 0 would give Belarus back"
    assert published[("by_setting", "online")] is None, "9 - 8 would give the unknown back"
    truth = {
        **{k: v for k, v in published.items() if v is not None},
        ("by_state", "BY"): 3,
        ("by_state", "not_known"): 0,
        ("by_setting", "not_known"): 1,
        ("by_setting", "online"): 8,
    }
    for key, value in published.items():
        if value is None and key not in truth:
            pytest.fail(f"hidden but not expected: {key}")
    assert recoverable(published, truth) == []


def test_an_ad_hoc_range_is_not_exported(admin_app: Flask) -> None:
    coordinator = make_account(admin_app, "coordinator")
    client = admin_app.test_client()
    sign_in(admin_app, client, coordinator)
    token = csrf_of(client.get("/statistics/").get_data(as_text=True))
    for data in (
        {"start": "2025-05-01", "end": "2025-05-31"},
        {"period": "2025-05-01/2025-05-31"},
        {"period": "2025-2027"},
        {"period": "1990-1991"},
    ):
        response = client.post(
            "/statistics/export", data={"csrf_token": token, "format": "csv", **data}
        )
        assert response.status_code == 400, data
