"""Signing in: invitation, password, TOTP (no replay), recovery codes, throttling, fixation, idle
timeout, sign-out everywhere."""

from __future__ import annotations

import datetime
import io
import re
import time

import pyotp
import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select, update

from admin.cli import cli
from reprisal_intake.models import AdminSession, User
from tests.factories import database, make_account
from tests.support.admin import audit_actions, csrf_of, form_post, next_code, sign_in

SECRET_IN_PAGE = re.compile(r"<code>([A-Z2-7]{32})</code>")
RECOVERY = re.compile(r"<li><code>([a-z0-9-]{14})</code></li>")


def session_ids(app: Flask) -> set[str]:
    with database(app).session() as session:
        return set(session.scalars(select(AdminSession.id)))


def test_an_invited_focal_point_sets_a_password_and_enrols_totp(admin_app: Flask) -> None:
    result = CliRunner().invoke(
        cli,
        ["user", "add", "ana", "--role", "focal_point", "--mechanism", "CAT"],
        obj=admin_app,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    link = re.search(r"http://\S+/invitation/(\S+)", result.output)
    assert link
    path = f"/invitation/{link.group(1)}"
    client = admin_app.test_client()

    short = form_post(client, path, {"password": "short", "confirm": "short"})
    assert "at least 12 characters" in short.get_data(as_text=True)
    response = form_post(
        client, path, {"password": "my own secret words", "confirm": "my own secret words"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/signin/enrol")
    with database(admin_app).session() as session:
        user = session.scalars(select(User).where(User.username == "ana")).one()
        assert user.password_hash.startswith("$argon2id$")
        assert user.invitation_hash is None
    # The link works only once.
    assert admin_app.test_client().get(path).status_code == 404

    page = client.get("/signin/enrol").get_data(as_text=True)
    assert "<svg" in page and "<script" not in page
    secret = SECRET_IN_PAGE.search(page).group(1)
    wrong = form_post(client, "/signin/enrol", {"code": "000000"}, page)
    assert "does not match" in wrong.get_data(as_text=True)
    done = form_post(client, "/signin/enrol", {"code": pyotp.TOTP(secret).now()}, page)
    assert done.status_code == 200
    codes = RECOVERY.findall(done.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/account/").status_code == 200
    actions = [a for _who, a, _ref in audit_actions(admin_app)]
    assert actions[-4:] == ["invitation_accepted", "sign_in_failed", "totp_enrolled", "sign_in"]
    assert actions[0] == "invitation_created"


def test_a_totp_code_is_refused_the_second_time(admin_app: Flask) -> None:
    account = make_account(admin_app, "auditor")
    code = next_code(admin_app, account)
    first = admin_app.test_client()
    form_post(first, "/signin", {"username": account.username, "password": account.password})
    assert form_post(first, "/signin/verify", {"code": code}).status_code == 302

    second = admin_app.test_client()
    form_post(second, "/signin", {"username": account.username, "password": account.password})
    replay = form_post(second, "/signin/verify", {"code": code})
    assert replay.status_code == 401
    assert "used already" in replay.get_data(as_text=True)
    assert second.get("/audit/").status_code == 302  # still not signed in


def test_a_recovery_code_signs_in_once(admin_app: Flask) -> None:
    account = make_account(admin_app, "auditor")
    client = admin_app.test_client()
    sign_in(admin_app, client, account)
    page = form_post(
        client, "/account/recovery-codes", {}, client.get("/account/").get_data(as_text=True)
    )
    code = RECOVERY.findall(page.get_data(as_text=True))[0]

    for expected in (302, 401):
        other = admin_app.test_client()
        form_post(other, "/signin", {"username": account.username, "password": account.password})
        response = form_post(other, "/signin/verify", {"recovery-code": code})
        assert response.status_code == expected
    assert (account.username, "recovery_code_used", None) in audit_actions(admin_app)


GUARDED = "Sign-in for this name is being slowed after many failed attempts"


def test_a_guessing_attack_slows_guesses_but_never_keeps_the_owner_out(admin_app: Flask) -> None:
    account = make_account(admin_app, "auditor")
    attacker = admin_app.test_client()
    for _ in range(20):
        wrong = form_post(attacker, "/signin", {"username": account.username, "password": "nope"})
        assert wrong.status_code == 401  # never a lock
    assert GUARDED in wrong.get_data(as_text=True)
    owner = admin_app.test_client()
    # The password alone is not checked any more for this name: the page asks for the code too.
    alone = form_post(
        owner, "/signin", {"username": account.username, "password": account.password}
    )
    assert alone.status_code == 401
    page = alone.get_data(as_text=True)
    assert GUARDED in page and 'name="code"' in page
    # With the password and a code together, the owner is in, at once.
    both = form_post(
        owner,
        "/signin",
        {
            "username": account.username,
            "password": account.password,
            "code": next_code(admin_app, account),
        },
    )
    assert both.status_code == 302, both.get_data(as_text=True)
    assert "/signin" not in both.headers["Location"]
    home = owner.get("/")
    assert home.status_code == 200 or "/signin" not in home.headers["Location"]
    actions = [a for who, a, _ in audit_actions(admin_app) if who == account.username]
    assert "account_locked" not in actions and actions[-1] == "sign_in"


def test_a_guarded_guess_without_the_code_never_reaches_the_password(
    admin_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from admin.auth import views

    account = make_account(admin_app, "auditor")
    client = admin_app.test_client()
    for _ in range(5):
        form_post(client, "/signin", {"username": account.username, "password": "nope"})
    checked: list[str] = []
    monkeypatch.setattr(views, "verify_secret", lambda *_a: checked.append("argon2") or False)
    for guess in ("guess-1", "guess-2", account.password):
        data = {"username": account.username, "password": guess, "code": "123456"}
        assert form_post(client, "/signin", data).status_code == 401
    assert checked == []


def _answer(page: str) -> str:
    """A sign-in page without what differs between any two page loads (the CSRF token)."""
    return re.sub(r'value="[^"]*"', 'value=""', page)


def test_known_and_unknown_names_get_the_same_answers_and_the_same_work(
    admin_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from admin.auth import passwords, views

    account = make_account(admin_app, "auditor")
    verifications: list[str] = []
    real = passwords.verify_secret

    def counting(stored: str | None, secret: str) -> bool:
        verifications.append("argon2")
        return real(stored, secret)

    monkeypatch.setattr(views, "verify_secret", counting)
    answers: dict[str, list[tuple[int, str, int]]] = {}
    for name in (account.username, "nobody-by-that-name"):
        client = admin_app.test_client()
        seen = []
        for attempt in range(8):  # unguarded, then guarded; with and without a code
            data = {"username": name, "password": f"wrong {attempt}"}
            if attempt % 2:
                data["code"] = "000000"
            verifications.clear()
            response = form_post(client, "/signin", data)
            seen.append(
                (response.status_code, _answer(response.get_data(as_text=True)), len(verifications))
            )
        answers[name] = seen
    known, unknown = answers.values()
    assert [(s, n) for s, _p, n in known] == [(s, n) for s, _p, n in unknown]
    for (_s, page_known, _n), (_s2, page_unknown, _n2) in zip(known, unknown, strict=True):
        assert page_known.replace(account.username, "NAME") == page_unknown.replace(
            "nobody-by-that-name", "NAME"
        )
    # One Argon2 verification per attempt until the name is guarded, none after.
    assert [n for _s, _p, n in known] == [1, 1, 1, 1, 1, 0, 0, 0]


def test_unknown_user_names_get_the_same_answer(admin_app: Flask) -> None:
    response = form_post(
        admin_app.test_client(), "/signin", {"username": "nobody", "password": "whatever"}
    )
    assert response.status_code == 401
    assert "Wrong user name or password" in response.get_data(as_text=True)
    assert audit_actions(admin_app) == []


def test_each_sign_in_step_gets_a_new_session_id(admin_app: Flask) -> None:
    account = make_account(admin_app, "auditor")
    client = admin_app.test_client()
    form_post(client, "/signin", {"username": account.username, "password": account.password})
    pending = session_ids(admin_app)
    assert len(pending) == 1
    form_post(client, "/signin/verify", {"code": next_code(admin_app, account)})
    full = session_ids(admin_app)
    assert len(full) == 1 and full.isdisjoint(pending)
    with database(admin_app).session() as session:
        assert session.get(AdminSession, full.pop()).stage == "full"


def test_an_idle_session_ends(admin_app: Flask) -> None:
    account = make_account(admin_app, "auditor")
    client = admin_app.test_client()
    sign_in(admin_app, client, account)
    assert client.get("/audit/").status_code == 200
    with database(admin_app).session() as session:
        session.execute(
            update(AdminSession).values(
                last_seen=datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
                - datetime.timedelta(hours=1)
            )
        )
    assert client.get("/audit/").status_code == 302
    assert session_ids(admin_app) == set()
    assert "signed out after a period of inactivity" in client.get("/signin").get_data(as_text=True)


def test_sign_out_everywhere_ends_every_browser(admin_app: Flask) -> None:
    account = make_account(admin_app, "auditor")
    laptop, phone = admin_app.test_client(), admin_app.test_client()
    sign_in(admin_app, laptop, account)
    time.sleep(0)  # distinct steps come from next_code, not from waiting
    sign_in(admin_app, phone, account)
    assert len(session_ids(admin_app)) == 2
    page = laptop.get("/account/").get_data(as_text=True)
    assert form_post(laptop, "/account/signout-everywhere", {}, page).status_code == 302
    assert session_ids(admin_app) == set()
    assert phone.get("/audit/").status_code == 302


def test_sign_out_ends_the_session(admin_app: Flask) -> None:
    account = make_account(admin_app, "auditor")
    client = admin_app.test_client()
    sign_in(admin_app, client, account)
    page = client.get("/audit/").get_data(as_text=True)
    assert form_post(client, "/signout", {}, page).status_code == 302
    assert client.get("/audit/").status_code == 302
    assert session_ids(admin_app) == set()


def test_the_sign_in_cap_is_per_browser_and_fills_for_nobody_else(admin_app: Flask) -> None:
    admin_app.config["ADMIN_SIGNIN_LIMIT"] = "3 per minute"
    client = admin_app.test_client()
    statuses = [
        form_post(client, "/signin", {"username": f"name{n}", "password": "x"}).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    # The owner's browser is not in that bucket.
    account = make_account(admin_app, "auditor")
    sign_in(admin_app, admin_app.test_client(), account)


def test_admin_pages_allow_scripts_only_where_security_keys_need_them(admin_app: Flask) -> None:
    account = make_account(admin_app, "administrator", "auditor", "coordinator")
    client = admin_app.test_client()
    assert "script-src" not in client.get("/signin").headers["Content-Security-Policy"]
    sign_in(admin_app, client, account)
    for path in ("/cases/", "/users/", "/audit/"):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy, path
        assert "<script" not in response.get_data(as_text=True), path
        assert response.headers["Cache-Control"].startswith("no-store")
    account_policy = client.get("/account/").headers["Content-Security-Policy"]
    assert "script-src 'self';" in account_policy + ";" and "unsafe" not in account_policy
    cookie = client.get_cookie("reprisal_admin")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"


@pytest.mark.parametrize("field", ["username", "password"])
def test_a_file_sent_as_a_typed_answer_counts_as_not_given(admin_app: Flask, field: str) -> None:
    account = make_account(admin_app, "auditor")
    client = admin_app.test_client()
    answers: dict[str, object] = {"username": account.username, "password": account.password}
    answers[field] = (io.BytesIO(b"typed answer"), "answer.txt")
    response = form_post(client, "/signin", answers)
    # The sign-in form again, as when a field is left empty.
    assert response.status_code == 200
    assert 'name="password"' in response.get_data(as_text=True)
    assert session_ids(admin_app) == set()


@pytest.mark.parametrize("body", [{"username": 5, "password": 5}, [1], 5], ids=repr)
def test_a_json_body_is_not_read_as_the_sign_in_form(admin_app: Flask, body: object) -> None:
    client = admin_app.test_client()
    token = csrf_of(client.get("/signin").get_data(as_text=True))
    response = client.post("/signin", json=body, headers={"X-CSRFToken": token})
    # The sign-in form again, as when a field is left empty.
    assert response.status_code == 200
    assert 'name="password"' in response.get_data(as_text=True)
    assert session_ids(admin_app) == set()


@pytest.mark.parametrize("target", ["/%0d%0aSet-Cookie:%20x=1", "/%09/elsewhere.example/"])
def test_after_the_code_an_odd_next_address_leads_home(admin_app: Flask, target: str) -> None:
    account = make_account(admin_app, "auditor")
    client = admin_app.test_client()
    form_post(client, "/signin", {"username": account.username, "password": account.password})
    response = form_post(
        client, f"/signin/verify?next={target}", {"code": next_code(admin_app, account)}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("host", ["a..b", "x" * 300], ids=["empty label", "too long"])
def test_a_host_header_that_names_no_host_is_refused(admin_app: Flask, host: str) -> None:
    response = admin_app.test_client().get("/signin", headers={"Host": host})
    assert response.status_code == 400
    assert "Bad Request" in response.get_data(as_text=True)
