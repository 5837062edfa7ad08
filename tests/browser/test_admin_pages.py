"""Every admin page, in every state a person meets, in English and in Arabic (issue 17), in Chromium
against the admin app under gunicorn: axe-core finds no WCAG 2.2 AA violation, no page is wider than
a 320 or 390 px screen, and an Arabic page runs right to left.

The pages come from the route map: every GET route (tests/support/admin_pages.py names the few that
are files or redirects) must be reached, so a new page fails here until it is given a state. The states
include invitation and enrolment (with a wrong code), the second step (code and security key), recovery
codes, the case list, the case page locked and unlocked, case-work errors (a form sent incomplete) and
refusals (a measure the person's consent does not allow, a status change without its reason, a share
the person did not allow, a reply written with the key locked), overdue work, alerts, the audit log and
a case's readers, accounts and an invitation made, the statistics dashboard, the Secretary-General's
report, and the 400, 403 and 404 pages.

Set REPRISAL_SCREENSHOTS to a folder to keep a desktop and a 390 px screenshot of every state.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest

from reprisal_intake.models import User, WebAuthnCredential
from tests.factories import KEY_PASSPHRASE, Account, database, make_account
from tests.support.admin_pages import endpoint_of, page_endpoints, wider_than_screen
from tests.support.browser import LiveIntake, axe
from tests.support.intake import submit
from tests.support.live_admin import (
    LiveAdmin,
    admin_server,
    apps_on,
    password_step,
    sign_in_as,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGES = {"en": "ltr", "ar": "rtl"}
NEW_PASSWORD = "a long and new password for the invitation"


@dataclass
class People:
    """One set of accounts per language: each TOTP step is accepted once, invitations once."""

    worker: Account  # every role, a key held in the app
    key_holder: Account  # an auditor with a security key (and an authenticator app)


@dataclass
class Desk:
    live: LiveAdmin
    people: dict[str, People]


@pytest.fixture(scope="module")
def desk(live_intake: LiveIntake) -> Iterator[Desk]:
    intake, admin = apps_on(live_intake)
    people = {}
    for language in LANGUAGES:
        worker = make_account(
            admin,
            "focal_point",
            "coordinator",
            "administrator",
            "auditor",
            mechanisms=("CAT",),
            key="app",
            username=f"worker-{language}",
        )
        key_holder = make_account(admin, "auditor", username=f"auditor-{language}")
        with database(admin).session() as db:
            user = db.get(User, key_holder.id)
            assert user is not None
            user.credentials.append(
                WebAuthnCredential(
                    id=os.urandom(16), public_key=b"\xa5" * 77, name="Security key", sign_count=0
                )
            )
        people[language] = People(worker, key_holder)
    # Consent to store and assess only: sharing, and measures naming the person, are refused.
    submit(
        intake.test_client(),
        what_happened="They summoned me after I met the Committee. لقد استدعوني",
        state="BY",
        acts=["summons"],
        consent_statistics="granted",
    )
    with admin_server(live_intake, admin, people["en"].worker) as live:
        yield Desk(live, people)


@dataclass
class Walk:
    """Each state visited: its endpoint, HTTP status, axe violations and overflow."""

    live: LiveAdmin
    axe_source: str
    direction: str
    language: str
    seen: dict[str, tuple[str | None, int]] = field(default_factory=dict)
    problems: dict[str, object] = field(default_factory=dict)

    def check(self, page: Any, name: str, status: int, method: str = "GET") -> None:
        endpoint = endpoint_of(self.live.app, page.url, method)
        self.seen[name] = (endpoint, status)
        html = page.locator("html")
        if html.get_attribute("dir") != self.direction:
            self.problems[f"{name}: dir"] = html.get_attribute("dir")
        if not (html.get_attribute("lang") or "").startswith(self.language):
            self.problems[f"{name}: lang"] = html.get_attribute("lang")
        violations = axe(page, self.axe_source)
        if violations:
            self.problems[f"{name}: axe"] = violations
        wider = wider_than_screen(page)
        if wider:
            self.problems[f"{name}: wider than the screen"] = wider
        screenshots(page, f"{self.language}-{name}")

    def goto(self, page: Any, path: str, name: str) -> None:
        response = page.goto(self.live.url + path)
        self.check(page, name, response.status)

    def send(self, page: Any, button: str, name: str, *, method: str = "POST") -> None:
        """Submit the form of ``button`` as it stands (the browser's own checks off, as an old
        browser would send it) and check the page that comes back."""
        page.evaluate("() => document.querySelectorAll('form').forEach(f => f.noValidate = true)")
        with page.expect_navigation() as navigation:
            page.click(button)
        response = navigation.value
        # A POST answered with a redirect lands on a GET page.
        landed = method if response.request.method == method else "GET"
        self.check(page, name, response.status, landed)


def screenshots(page: Any, name: str) -> None:
    folder = os.environ.get("REPRISAL_SCREENSHOTS")
    if not folder:
        return
    size = page.viewport_size
    for width, label in ((1280, "desktop"), (390, "390px")):
        page.set_viewport_size({"width": width, "height": 900})
        safe = re.sub(r"[^\w-]+", "-", name)
        page.screenshot(path=str(Path(folder) / f"{safe}-{label}.png"), full_page=True)
    page.set_viewport_size(size)


def invitation_link(walk: Walk, page: Any, username: str) -> str:
    """The administrator invites someone on the accounts page: the page shows the one-time link."""
    page.goto(walk.live.url + "/users/")
    walk.send(
        page, "form[action$='/users/invite'] button[type=submit]", "accounts, invitation incomplete"
    )
    page.fill("#username", username)
    page.check("form[action$='/users/invite'] input[name=roles][value=auditor]")
    walk.send(page, "form[action$='/users/invite'] button[type=submit]", "invitation made")
    link = page.locator("main code, main a[href*='/invitation/']").first
    text = link.get_attribute("href") or link.inner_text()
    return "/invitation/" + text.rsplit("/invitation/", 1)[1].strip()


def enrolment(walk: Walk, context: Any, link: str) -> None:
    """The invited person: a new password (first with two that differ), an authenticator app (first
    with a wrong code), then their recovery codes."""
    page = context.new_page()
    walk.goto(page, link, "invitation")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.fill("input[name=confirm]", NEW_PASSWORD + " but different")
    walk.send(page, "main button[type=submit]", "invitation, passwords differ")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.fill("input[name=confirm]", NEW_PASSWORD)
    walk.send(page, "main button[type=submit]", "enrolment (authenticator app)")
    secret = page.inner_text("main code").strip()
    page.fill("#code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    walk.send(page, "main button[type=submit]", "enrolment, wrong code")
    page.fill("#code", pyotp.TOTP(secret).now())
    walk.send(page, "main button[type=submit]", "recovery codes (first time)")
    page.close()
    walk.goto(context.new_page(), link, "invitation used already (404)")


def second_step_with_a_security_key(walk: Walk, chromium: Any, people: People) -> None:
    context = chromium.new_context(bypass_csp=True)  # only so that the test may inject axe
    try:
        page = context.new_page()
        page.goto(walk.live.url + f"/language/{walk.language}?next=/signin")
        password_step(page, walk.live, people.key_holder)
        walk.check(page, "second step (security key and code)", 200)
        page.fill("#code", "000000")
        walk.send(
            page, "form[action^='/signin/verify'] button[type=submit]", "second step, wrong code"
        )
        sign_in_as(page, walk.live, people.key_holder)
        walk.goto(page, "/cases/", "refused: an auditor on the case list (403)")
    finally:
        context.close()


def case_work(walk: Walk, page: Any, case_url: str) -> None:
    path = case_url.removeprefix(walk.live.url)
    walk.goto(page, path, "case page, key locked")
    unlock(walk, page)
    walk.goto(page, "/account/", "account, key unlocked")
    walk.goto(page, path, "case page, key unlocked")
    # A reply written, and the key locked in another tab before it is sent.
    page.fill("#reply-text", "أين أنت الآن؟")
    other = page.context.new_page()
    other.goto(walk.live.url + "/account/")
    other.click("form[action$='/account/key/lock'] button[type=submit]")
    other.close()
    walk.send(page, "form[action$='/reply'] button[type=submit]", "reply sent with the key locked")
    unlock(walk, page)
    page.goto(case_url)
    page.click("#statistics button[type=submit]")  # the coding prefilled from the report
    page.goto(case_url)
    walk.send(page, "form[action$='/reply'] button[type=submit]", "reply form sent empty")
    page.goto(case_url)
    walk.send(page, "form[action$='/risk'] button[type=submit]", "risk assessment sent incomplete")
    page.goto(case_url)
    page.select_option("#transition-to", "on_hold")
    walk.send(
        page, "form[action$='/transition'] button[type=submit]", "status change without its reason"
    )
    page.goto(case_url)
    refused_measure(walk, page)
    page.goto(case_url)
    if page.locator("#share-mechanism").count():
        page.select_option("#share-mechanism", index=1)
        page.check("#share-confirm")
        walk.send(
            page, "form[action$='/share'] button[type=submit]", "share the person did not allow"
        )
    page.goto(case_url)
    walk.send(page, "form[action$='/assessment'] button[type=submit]", "assessment sent incomplete")
    page.goto(case_url)
    walk.send(
        page,
        "form[action$='/sg-report'] button[type=submit]",
        "place in the report sent incomplete",
    )
    page.goto(case_url)
    inclusion = page.locator("form[action$='/sg-report']")
    for field_ in inclusion.locator("select").all()[:2]:
        field_.select_option(index=1)
    walk.send(page, "form[action$='/sg-report'] button[type=submit]", "place in the report refused")


def unlock(walk: Walk, page: Any) -> None:
    page.goto(walk.live.url + "/account/")
    page.fill("#unlock-passphrase", KEY_PASSPHRASE)
    page.click("form[action^='/account/key/unlock'] button[type=submit]")
    page.wait_for_load_state()


def refused_measure(walk: Walk, page: Any) -> None:
    """A referral to another mechanism, which the person did not allow to see the case (the form
    offers it: that consent is per mechanism, checked when the measure is planned)."""
    page.select_option("#plan-kind", "refer_mechanism")
    variants = page.locator("#plan-variant option").evaluate_all("os => os.map(o => o.value)")
    if "anonymised" in variants:
        page.select_option("#plan-variant", "anonymised")
    page.select_option("#plan-mechanism", "HRC")
    walk.send(page, "form[action$='/measures'] button[type=submit]", "measure refused (consent)")


def walk_the_admin(walk: Walk, chromium: Any, people: People) -> None:
    context = chromium.new_context(bypass_csp=True)  # only so that the test may inject axe
    try:
        page = context.new_page()
        page.goto(walk.live.url + f"/language/{walk.language}?next=/signin")
        walk.check(page, "sign-in", 200)
        page.fill("#username", people.worker.username)
        page.fill("#password", "not the password")
        walk.send(page, "main button[type=submit]", "sign-in, wrong password")
        password_step(page, walk.live, people.worker)
        walk.check(page, "second step (code)", 200)
        sign_in_as(page, walk.live, people.worker)
        walk.check(page, "case list", 200)
        walk.goto(page, "/account/", "account, key locked")
        page.goto(walk.live.url + "/cases/")
        page.click("main table a")
        case_url = page.url
        case_work(walk, page, case_url)
        ref = case_url.rstrip("/").rsplit("/", 1)[1]
        for name, path in [
            ("case list, filtered", "/cases/?status=new"),
            ("overdue", "/casework/overdue"),
            ("alerts", "/alerts/"),
            ("statistics dashboard", "/statistics/"),
            ("Secretary-General's report", "/annual-report/"),
            ("audit log", "/audit/"),
            ("audit log, filtered", f"/audit/?case={ref}"),
            ("who has read what", f"/audit/cases/{ref}"),
            ("accounts", "/users/"),
            ("not found (404)", "/cases/NO-SUCH-CASE"),
            ("no such page (404)", "/no-such-page"),
        ]:
            walk.goto(page, path, name)
        page.goto(walk.live.url + "/account/")
        walk.send(
            page, "form[action$='/recovery-codes'] button[type=submit]", "recovery codes (renewed)"
        )
        page.goto(walk.live.url + "/account/")
        page.evaluate(
            "() => document.querySelectorAll('form input[name=csrf_token]').forEach(i => i.remove())"
        )
        walk.send(
            page,
            "form[action$='/signout-everywhere'] button[type=submit]",
            "form without its token (400)",
        )
        link = invitation_link(walk, page, f"invited-{walk.language}")
    finally:
        context.close()
    newcomer = chromium.new_context(bypass_csp=True)
    try:
        newcomer.new_page().goto(walk.live.url + f"/language/{walk.language}?next=/signin")
        enrolment(walk, newcomer, link)
    finally:
        newcomer.close()
    second_step_with_a_security_key(walk, chromium, people)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_admin_page_and_state_passes_axe_and_fits_a_phone(
    chromium: Any, desk: Desk, axe_source: str, language: str
) -> None:
    walk = Walk(desk.live, axe_source, LANGUAGES[language], language)
    walk_the_admin(walk, chromium, desk.people[language])

    # Every page of the route map was reached (a new GET route needs a state here).
    reached = {endpoint for endpoint, _status in walk.seen.values()}
    assert page_endpoints(desk.live.app) - reached == set()
    statuses = {name: status for name, (_endpoint, status) in walk.seen.items()}
    assert {400, 401, 403, 404, 409} <= set(statuses.values()), statuses
    refusals = {name for name, status in statuses.items() if status == 409}
    assert refusals == {
        "reply sent with the key locked",
        "status change without its reason",
        "measure refused (consent)",
        "share the person did not allow",
        "place in the report refused",
    }, statuses
    assert walk.problems == {}, walk.problems
