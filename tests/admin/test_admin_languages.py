"""The admin app in the six UN languages (Arabic right to left): complete catalogues, a language chosen
by a plain link, an account preference or the browser, dates written in the page's language, and the
submitter's language shown on the case page.

A report sent in Russian is tagged Russian on the case page, whatever the reviewer's own language.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, format_date
from sqlalchemy import select

from admin.i18n import HTML_LANG as LANG_ATTRIBUTE
from admin.i18n import LANGUAGES
from reprisal_intake.models import Case, User, today
from tests.factories import database, make_account, report_form
from tests.support.admin import csrf_of, sign_in
from tests.support.catalogues import (
    extracted_messages,
    not_in_catalogue,
    read_catalogue,
    strings_of,
    untranslated,
)
from tests.support.forms import csrf_token, post_form

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "admin" / "translations"
SHIPPED = sorted(code for code in LANGUAGES if code != "en")
HTML_LANG = re.compile(r'<html lang="([^"]+)"')


def catalogue(language: str) -> Catalog:
    return read_catalogue(TRANSLATIONS, language)


def admin_messages() -> set[str]:
    return extracted_messages(ROOT / "admin")


# ---- catalogues --------------------------------------------------------------------------------


def test_the_babel_config_covers_the_admin_app() -> None:
    config = (ROOT / "admin" / "babel.cfg").read_text()
    assert "[python: admin/**.py]" in config
    assert "[jinja2: admin/templates/**.html]" in config


@pytest.mark.parametrize("language", SHIPPED)
def test_every_admin_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    """Fails on an empty or fuzzy msgstr, or on a string of admin/ that is not in the catalogue
    (run `make translations`, then translate)."""
    messages = catalogue(language)
    problems = untranslated(messages)
    assert problems == [], f"{language}: untranslated or fuzzy: {problems[:10]}"
    missing = not_in_catalogue(messages, admin_messages())
    assert missing == set(), f"{language}: not in the catalogue (run make translations): {missing}"


@pytest.mark.parametrize("language", SHIPPED)
def test_admin_translations_keep_every_placeholder(language: str) -> None:
    for message, errors in catalogue(language).check():
        assert not errors, f"{language}: {message.id!r}: {errors}"
    for message in catalogue(language):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(re.findall(r"%\((\w+)\)", source[-1]))
        for string in strings_of(message):
            assert set(re.findall(r"%\((\w+)\)", string)) == wanted, (language, message.id)


@pytest.mark.parametrize("language", SHIPPED)
def test_the_compiled_admin_catalogue_matches_its_source(language: str) -> None:
    def entries(messages):  # type: ignore[no-untyped-def]
        as_tuple = lambda v: tuple(v) if isinstance(v, (list, tuple)) else v  # noqa: E731
        return {as_tuple(m.id): as_tuple(m.string) for m in messages if m.id}

    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").open("rb") as mo:
        compiled = entries(read_mo(mo))
    assert compiled == entries(catalogue(language)), "run make translations"


# ---- choosing a language -----------------------------------------------------------------------


def test_the_browser_language_is_used_among_english_french_and_spanish(admin_app: Flask) -> None:
    client = admin_app.test_client()
    french = client.get("/signin", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"})
    assert HTML_LANG.search(french.get_data(as_text=True)).group(1) == "fr"
    assert "Se connecter" in french.get_data(as_text=True)
    german = client.get("/signin", headers={"Accept-Language": "de-DE, de;q=0.9"})
    assert HTML_LANG.search(german.get_data(as_text=True)).group(1) == "en"


def test_plain_links_switch_the_language_for_the_session(admin_app: Flask) -> None:
    client = admin_app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    for code, name in LANGUAGES.items():
        lang = LANG_ATTRIBUTE.get(code, code)
        link = f'href="/language/{code}?next=/signin" lang="{lang}" hreflang="{lang}"'
        assert re.search(re.escape(link) + r"[^>]*>" + re.escape(name) + "</a>", page), code
    switched = client.get("/language/es?next=/signin")
    assert switched.status_code == 302 and switched.headers["Location"] == "/signin"
    page = client.get("/signin", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="es"' in page and "Iniciar sesión" in page
    assert client.get("/language/de").status_code == 404
    assert client.get("/language/fr?next=//elsewhere.example/").headers["Location"] == "/"


def test_the_six_languages_are_named_in_themselves() -> None:
    assert LANGUAGES == {
        "ar": "العربية",
        "zh": "中文",
        "en": "English",
        "fr": "Français",
        "ru": "Русский",
        "es": "Español",
    }


@pytest.mark.parametrize(
    ("code", "lang", "direction", "sign_in_words"),
    [
        ("ar", "ar", "rtl", "تسجيل الدخول"),
        ("zh", "zh-Hans", "ltr", "登录"),
        ("ru", "ru", "ltr", "Войти"),
        ("en", "en", "ltr", "Sign in"),
    ],
)
def test_each_language_sets_the_pages_lang_and_direction(
    admin_app: Flask, code: str, lang: str, direction: str, sign_in_words: str
) -> None:
    client = admin_app.test_client()
    client.get(f"/language/{code}")
    page = client.get("/signin").get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{direction}">' in page
    assert sign_in_words in page


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_dates_are_written_in_the_pages_language(admin_app: Flask, code: str) -> None:
    account = make_account(admin_app, "auditor")
    client = admin_app.test_client()
    client.get(f"/language/{code}")
    sign_in(admin_app, client, account)
    page = client.get("/audit/").get_data(as_text=True)
    with admin_app.test_request_context(), force_locale(code):
        written = format_date(today(), format="long")
    assert written in page
    if code != "en":
        with admin_app.test_request_context(), force_locale("en"):
            assert format_date(today(), format="long") not in page


def test_the_language_saved_on_the_account_follows_the_person(admin_app: Flask) -> None:
    account = make_account(admin_app, "auditor")
    client = admin_app.test_client()
    sign_in(admin_app, client, account)
    page = client.get("/account/").get_data(as_text=True)
    saved = client.post("/account/language", data={"csrf_token": csrf_of(page), "language": "fr"})
    assert saved.status_code == 302
    assert "Votre langue est enregistrée." in client.get("/account/").get_data(as_text=True)
    with database(admin_app).session() as session:
        assert session.get(User, account.id).language == "fr"  # type: ignore[union-attr]

    elsewhere = admin_app.test_client()  # another browser, which asks for English
    sign_in(admin_app, elsewhere, account)
    page = elsewhere.get("/audit/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr"' in page and "Journal d'audit" in page
    refused = elsewhere.post("/account/language", data={"language": "fr"})
    assert refused.status_code == 400  # no CSRF token


# ---- the submitter's language on the case page -----------------------------------------------


def russian_case(app: Flask, client: FlaskClient) -> str:
    token = csrf_token(client, "/ru/report")
    assert post_form(client, "/ru/report", report_form(token)).status_code == 200
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        assert case.language == "ru"
        return case.ref


def test_a_report_submitted_in_russian_is_tagged_russian_on_the_case_page(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    focal = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    ref = russian_case(app, client)
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, focal)

    page = reviewer.get(f"/cases/{ref}").get_data(as_text=True)
    assert re.search(r'Language of the submitter</dt><dd class="case-language">Russian', page)
    assert '<span lang="ru">русский</span>' in page

    reviewer.get("/language/fr")
    page = reviewer.get(f"/cases/{ref}").get_data(as_text=True)
    assert '<html lang="fr"' in page
    assert re.search(r"Langue de l'auteur du signalement</dt><dd[^>]*>Russe", page)
    with admin_app.test_request_context(), force_locale("fr"):
        assert format_date(today(), format="long") in page


@pytest.mark.parametrize("language", SHIPPED)
def test_the_main_admin_pages_show_no_english_sentence_in_another_language(
    app: Flask, admin_app: Flask, client: FlaskClient, language: str
) -> None:
    people = {
        role: make_account(
            admin_app, role, mechanisms=("CAT",), key="app" if role == "focal_point" else None
        )
        for role in ("focal_point", "administrator", "auditor")
    }
    ref = russian_case(app, client)
    english = {
        m.id
        for m in catalogue(language)
        if m.id and isinstance(m.id, str) and len(m.id) > 20 and m.id != m.string
    }
    pages = {
        "focal_point": ["/account/", "/cases/", f"/cases/{ref}", "/statistics/"],
        "administrator": ["/users/"],
        "auditor": ["/audit/"],
    }
    for role, paths in pages.items():
        reviewer = admin_app.test_client()
        reviewer.get(f"/language/{language}")
        sign_in(admin_app, reviewer, people[role])
        for path in paths:
            response = reviewer.get(path)
            assert response.status_code == 200, path
            page = response.get_data(as_text=True)
            assert f'<html lang="{LANG_ATTRIBUTE.get(language, language)}"' in page, path
            leaked = [text for text in english if text in page]
            assert leaked == [], (path, leaked[:5])


@pytest.mark.parametrize("target", ["/%0d%0aSet-Cookie:%20x=1", "/%09/elsewhere.example/"])
def test_a_language_link_with_an_odd_next_address_leads_home(admin_app: Flask, target: str) -> None:
    switched = admin_app.test_client().get(f"/language/fr?next={target}")
    assert switched.status_code == 302 and switched.headers["Location"] == "/"
