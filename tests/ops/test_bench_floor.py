"""The floor app of bench/submit_throughput.py stores what the intake stores for the same form: a
complete case that the mechanism's reviewer can decrypt, with the same rows in every table. Otherwise
its figure would say nothing about what the intake could reach."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from bench.floor_app import create_app as create_floor_app
from reprisal_intake import create_app as create_intake_app
from reprisal_intake.db import get_db
from reprisal_intake.models import (
    AccessStanza,
    Case,
    Consent,
    EnvelopeChunk,
    Item,
    SubmitterTag,
    case_mechanisms,
)
from tests.support.servers import (
    CODENAME,
    CSRF,
    check_store,
    multipart,
    prepare_instance,
    report_fields,
)

pytestmark = pytest.mark.postgres

PER_CASE = {
    "access stanzas": AccessStanza.__table__.c.case_ref,
    "consents": Consent.__table__.c.case_ref,
    "lookup tags": SubmitterTag.__table__.c.case_ref,
    "case mechanisms": case_mechanisms.c.case_ref,
    "items": Item.__table__.c.case_ref,
}


def _rows_per_case(database_url: str, ref: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = {
                name: connection.scalar(select(func.count()).where(column == ref)) or 0
                for name, column in PER_CASE.items()
            }
            rows["envelope pieces"] = (
                connection.scalar(
                    select(func.count())
                    .select_from(EnvelopeChunk)
                    .join(Item, Item.id == EnvelopeChunk.item_id)
                    .where(Item.case_ref == ref)
                )
                or 0
            )
    finally:
        engine.dispose()
    return rows


def _refs(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(Case.ref)))
    finally:
        engine.dispose()


def test_the_floor_app_stores_the_same_complete_case_as_the_intake(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = prepare_instance(tmp_path / "instance", postgres_url)
    for name, value in instance.env.items():
        if name.startswith("REPRISAL_"):
            monkeypatch.setenv(name, value)

    intake_app = create_intake_app()
    intake = intake_app.test_client()
    token_match = CSRF.search(intake.get("/report").get_data(as_text=True))
    assert token_match
    body, content_type = multipart(report_fields(token_match.group(1), "taken at the airport"))
    page = intake.post(
        "/report", data=body, content_type=content_type, follow_redirects=True
    ).get_data(as_text=True)
    intake_codename = CODENAME.search(page)
    assert intake_codename, page[-2000:]
    (intake_ref,) = _refs(postgres_url)

    with intake_app.app_context():
        get_db().bind.dispose()  # type: ignore[union-attr]

    floor_app = create_floor_app()
    floor = floor_app.test_client()
    acknowledged = {intake_codename.group(1): "taken at the airport"}
    for n in range(3):
        phrase = f"passport kept at the border, report {n}"
        body, content_type = multipart(report_fields("floor", phrase))
        response = floor.post("/report", data=body, content_type=content_type)
        assert response.status_code == 200
        codename = CODENAME.search(response.get_data(as_text=True))
        assert codename
        acknowledged[codename.group(1)] = phrase

    for connection in floor_app.extensions["floor_connections"].values():
        connection.close()

    check = check_store(postgres_url, instance.reviewer_key, acknowledged)
    assert check.cases == 4
    assert check.missing == [] and check.unreadable == [] and check.incomplete == []
    intake_rows = _rows_per_case(postgres_url, intake_ref)
    assert intake_rows["consents"] > 1 and intake_rows["access stanzas"] >= 1
    for ref in set(_refs(postgres_url)) - {intake_ref}:
        assert _rows_per_case(postgres_url, ref) == intake_rows
