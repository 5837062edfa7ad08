"""The intake in the six official UN languages: catalogues complete, language chosen by the URL.

A person chooses a language with a plain link (``/fr/report``); every page then says which language
and direction it is in, every link and form stays in it, dates and country names follow it, and the
case records it as the language the consent was explained in.
"""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, format_date
from nacl.public import PublicKey
from sqlalchemy import select

from crypto.codename import derive_codename_keys, generate_codename
from crypto.envelope import encrypt
from crypto.keys import generate_keypair, seal_case_key
from reprisal_intake.models import Case, Consent, today
from reprisal_intake.web.templating import LANGUAGES
from tests.factories import database, make_reviewer, report_form
from tests.support.catalogues import (
    extracted_messages,
    not_in_catalogue,
    read_catalogue,
    strings_of,
    untranslated,
)
from tests.support.forms import csrf_token, post_form
from tests.support.intake import CODENAME

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "reprisal_intake" / "translations"
SHIPPED = sorted(code for code in LANGUAGES if code != "en")
PAGES = ["/", "/safety", "/report", "/followup"]
HTML_TAG = re.compile(r"<html lang=\"([^\"]+)\" dir=\"(ltr|rtl)\">")


def catalogue(language: str) -> Catalog:
    return read_catalogue(TRANSLATIONS, language)


def source_messages() -> set[str]:
    return extracted_messages(ROOT / "reprisal_intake")


# ---- catalogues --------------------------------------------------------------------------------


def test_the_babel_config_covers_the_intake() -> None:
    config = (ROOT / "babel.cfg").read_text()
    assert "[python: reprisal_intake/**.py]" in config
    assert "[jinja2: reprisal_intake/templates/**.html]" in config


@pytest.mark.parametrize("language", SHIPPED)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    """Fails on an empty or fuzzy msgstr, or on a string of the code that is not in the catalogue."""
    messages = catalogue(language)
    problems = untranslated(messages)
    assert problems == [], f"{language}: untranslated or fuzzy: {problems[:10]}"
    missing = not_in_catalogue(messages, source_messages())
    assert missing == set(), f"{language}: not in the catalogue (run pybabel update): {missing}"


@pytest.mark.parametrize("language", SHIPPED)
def test_translations_keep_every_placeholder(language: str) -> None:
    for message, errors in catalogue(language).check():
        assert not errors, f"{language}: {message.id!r}: {errors}"
    for message in catalogue(language):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(re.findall(r"%\((\w+)\)", source[-1])) - {"num"}
        for string in strings_of(message):
            assert set(re.findall(r"%\((\w+)\)", string)) >= wanted, (language, message.id)


@pytest.mark.parametrize("language", SHIPPED)
def test_the_compiled_catalogue_matches_its_source(language: str) -> None:
    folder = TRANSLATIONS / language / "LC_MESSAGES"

    def entries(messages):  # type: ignore[no-untyped-def]
        as_tuple = lambda v: tuple(v) if isinstance(v, (list, tuple)) else v  # noqa: E731
        return {as_tuple(m.id): as_tuple(m.string) for m in messages if m.id}

    with (folder / "messages.mo").open("rb") as mo:
        compiled = entries(read_mo(mo))
    source = entries(catalogue(language))
    assert compiled == source, f"{language}: run pybabel compile -d reprisal_intake/translations"


# ---- language in the URL -----------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_every_page_exists_in_every_language_with_lang_dir_and_language_links(
    client: FlaskClient, path: str
) -> None:
    for code, (_name, html_lang, direction) in LANGUAGES.items():
        url = path if code == "en" else f"/{code}{path}"
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert HTML_TAG.search(page).groups() == (html_lang, direction), url
        for other, (other_name, other_lang, _dir) in LANGUAGES.items():
            target = path if other == "en" else f"/{other}{path}"
            assert f'<a href="{target}" lang="{other_lang}" hreflang="{other_lang}"' in page
            assert other_name in page
        # Every link of the page's own navigation stays in the language.
        prefix = "" if code == "en" else f"/{code}"
        for href in re.findall(r'<nav aria-label="[^"]+">\s*<ul>(.*?)</ul>', page, re.S)[-1:]:
            for link in re.findall(r'href="([^"]+)"', href):
                assert link.startswith(prefix + "/"), (url, link)


def test_english_stays_at_the_root_and_unknown_languages_are_not_pages(
    client: FlaskClient,
) -> None:
    assert 'lang="en" dir="ltr"' in client.get("/").get_data(as_text=True)
    assert client.get("/en/report").status_code == 200
    assert client.get("/de/report").status_code == 404
    assert client.get("/fr").status_code == 308  # to /fr/


def test_a_page_in_french_shows_no_english_sentence(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    english = {
        m.id
        for m in catalogue("fr")
        if m.id and isinstance(m.id, str) and len(m.id) > 25 and m.id != m.string
    }
    for path in PAGES:
        page = client.get(f"/fr{path}").get_data(as_text=True)
        leaked = [text for text in english if text in page]
        assert leaked == [], (path, leaked[:5])


def test_error_pages_follow_the_language_of_the_address(client: FlaskClient) -> None:
    page = client.get("/ar/no-such-page").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in page
    assert "الصفحة غير موجودة" in page
    assert 'href="/ar/"' in page


def test_forms_post_back_in_their_language(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    page = client.get("/es/report").get_data(as_text=True)
    assert 'action="/es/report"' in page
    assert 'action="/ru/followup"' in client.get("/ru/followup").get_data(as_text=True)


def test_mechanisms_and_countries_are_named_in_the_page_language(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    expected = {
        "en": ("Committee against Torture (CAT)", ">Germany<"),
        "fr": ("Comité contre la torture (CAT)", ">Allemagne<"),
        "es": ("Comité contra la Tortura (CAT)", ">Alemania<"),
        "ru": ("Комитет против пыток (CAT)", ">Германия<"),
        "zh": ("禁止酷刑委员会 (CAT)", ">德国<"),
        "ar": ("لجنة مناهضة التعذيب (CAT)", ">ألمانيا<"),
    }
    for code, (mechanism, country) in expected.items():
        page = client.get("/report" if code == "en" else f"/{code}/report").get_data(as_text=True)
        assert mechanism in page, code
        assert country in page, code


def test_countries_sort_without_regard_to_accents(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    page = client.get("/fr/report").get_data(as_text=True)
    assert page.index(">Égypte<") < page.index(">Espagne<") < page.index(">Zambie<")


# ---- the language is recorded with the case --------------------------------------------------------


def language_of_the_case(app: Flask) -> tuple[str, set[str]]:
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        return case.language, {c.language for c in session.scalars(select(Consent))}


def test_a_report_sent_in_french_records_french_and_answers_in_french(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    token = csrf_token(client, "/fr/report")
    response = post_form(client, "/fr/report", report_form(token))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'lang="fr"' in page
    assert "Votre signalement a été reçu" in page
    assert "Comité contre la torture" in page
    with app.test_request_context(), force_locale("fr"):
        assert format_date(today(), format="long") in page
    assert language_of_the_case(app) == ("fr", {"fr"})


def test_form_errors_come_back_in_the_language(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    token = csrf_token(client, "/zh/report")
    response = post_form(client, "/zh/report", report_form(token, what_happened=""))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "出现问题" in page
    assert "请用您自己的话告诉我们发生了什么。" in page


def commit_from(client: FlaskClient, address: str, **headers: str):  # type: ignore[no-untyped-def]
    """What report.js sends to commit a report encrypted in the browser (no attachments)."""
    token = csrf_token(client, "/report")
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    case_key = generate_keypair()
    codename_keys = derive_codename_keys(generate_codename())
    recipients = client.get("/report/keys/CAT").get_json()["recipients"]
    answers = {"form": "report", "form_version": 1, "what_happened": "BROWSER-PHRASE"}
    payload = {
        "mechanism": "CAT",
        "urgency": "urgent",
        "consent": {"store_assess": "granted", "given_by": "victim", "contact": "granted"},
        "case_public_key": b64(bytes(case_key.public_key)),
        "submitter_public_key": b64(bytes(codename_keys.submitter_key.public_key)),
        "lookup_tag": b64(codename_keys.lookup_tag),
        "access": [
            {
                "reviewer": r["id"],
                "public_key": r["public_key"],
                "sealed_case_key": b64(
                    seal_case_key(case_key, PublicKey(base64.b64decode(r["public_key"])))
                ),
            }
            for r in recipients
        ],
        "report": b64(
            encrypt(json.dumps(answers).encode(), [case_key.public_key], {"kind": "report"})
        ),
        "attachments": [],
    }
    return client.post(
        address,
        data=json.dumps(payload),
        headers={"X-CSRFToken": token, **headers},
        content_type="application/json",
    )


def test_the_javascript_path_records_the_language_of_the_page_it_was_sent_from(
    app: Flask, client: FlaskClient
) -> None:
    """report.js calls the endpoints under the form's own address (/ar/report/...)."""
    make_reviewer(app, "CAT")
    response = commit_from(client, "/ar/report/commit")
    assert response.status_code == 201, response.get_data(as_text=True)
    receipt = response.get_json()
    assert receipt["mechanism"] == "لجنة مناهضة التعذيب"
    with app.test_request_context(), force_locale("ar"):
        assert receipt["created"] == format_date(today(), format="long")
    assert language_of_the_case(app) == ("ar", {"ar"})


def test_the_referer_never_decides_the_language(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    response = commit_from(client, "/report/commit", Referer="http://localhost/ru/report")
    assert response.status_code == 201
    assert response.get_json()["mechanism"] == "Committee against Torture"
    assert language_of_the_case(app)[0] == "en"


def test_the_javascript_path_also_answers_at_a_language_address(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    response = commit_from(client, "/es/report/commit")
    assert response.status_code == 201
    assert response.get_json()["mechanism"] == "Comité contra la Tortura"
    assert language_of_the_case(app) == ("es", {"es"})


def test_a_consent_change_records_the_language_it_was_made_in(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    page = post_form(client, "/report", report_form(csrf_token(client, "/report")))
    codename = CODENAME.search(page.get_data(as_text=True)).group(1)
    token = csrf_token(client, "/ru/followup")
    entered = client.post("/ru/followup", data={"csrf_token": token, "codename": codename})
    assert entered.status_code == 303
    assert entered.headers["Location"].endswith("/ru/followup/case")
    token = csrf_token(client, "/ru/followup/case")
    response = client.post(
        "/ru/followup/consent",
        data={"csrf_token": token, "scope_public_named": "granted", "consent_given_by": "victim"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'lang="ru"' in page
    assert "Ваше согласие обновлено." in page
    # The language links of a POST-only page lead to the case page, not to a 405.
    assert 'href="/fr/followup/case"' in page
    with database(app).session() as session:
        rows = list(session.scalars(select(Consent).order_by(Consent.id)))
    assert rows[-1].scope == "public_named"
    assert rows[-1].language == "ru"
    assert {r.language for r in rows[:-1]} == {"en"}


def test_follow_up_files_sent_in_a_language_stay_in_it(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    page = post_form(client, "/report", report_form(csrf_token(client, "/report")))
    codename = CODENAME.search(page.get_data(as_text=True)).group(1)
    token = csrf_token(client, "/zh/followup")
    client.post("/zh/followup", data={"csrf_token": token, "codename": codename})
    token = csrf_token(client, "/zh/followup/case")
    response = post_form(
        client,
        "/zh/followup/case",
        {"csrf_token": token, "attachments": [(io.BytesIO(b"x" * 10), "a.txt", "text/plain")]},
    )
    assert response.status_code == 200
    assert "您的新信息已加密并保存。" in response.get_data(as_text=True)
