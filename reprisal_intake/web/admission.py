"""Admission by capacity, not by a global count.

A stranger must not be able to fill anything that everyone shares. So the intake counts no request
globally; instead each worker process does at most ``ADMISSION_CAPACITY`` pieces of real work (a
database transaction, encrypting and storing) at once, and a request waits at most
``ADMISSION_QUEUE_SECONDS`` for its turn. In order, for a POST to an ``ADMITTED_ENDPOINTS`` route:

1. the body is read (bounded and rate-limited by ``web.bodies``), holding no slot;
2. a form without a valid CSRF token is answered at once with the person's answers and a fresh token
   (the "resend" page: no database, no slot, counted nowhere); JSON routes are checked by
   ``CSRFProtect`` before this; a file part where text belongs is refused the same way (400);
3. a slot is taken, or after the queue deadline the resend page says the service is busy, nothing was
   saved, try again in a minute (503; JSON routes get ``{"error": "busy"}``).

The same resend page answers a database outage or a full disk (``unavailable``): whatever the person
typed comes back to them, never a blank error or a 500.
"""

from __future__ import annotations

import errno
import threading
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import validate_csrf
from werkzeug.exceptions import BadRequest, InternalServerError, ServiceUnavailable
from wtforms import ValidationError

from .errors import log_exception_without_content, render_error
from .lastread import DATABASE_UNREACHABLE

ADMISSION_CAPACITY = 4
ADMISSION_QUEUE_SECONDS = 10.0
FREE_TEXT_MIN_CHARS = 40
EXTENSION_KEY = "reprisal_admission"


class Admission:
    """At most ``capacity`` admitted requests at once in this process."""

    def __init__(self, capacity: int, queue_seconds: float) -> None:
        self.capacity = capacity
        self.queue_seconds = queue_seconds
        self._slots = threading.BoundedSemaphore(capacity)

    def enter(self) -> bool:
        return self._slots.acquire(timeout=self.queue_seconds)

    def leave(self) -> None:
        self._slots.release()


def _is_free_text(value: str) -> bool:
    return len(value) >= FREE_TEXT_MIN_CHARS or any(c.isspace() for c in value)


def resend_page(title: str, message: str, status: int) -> tuple[str, int]:
    """What the person sent, back on a page with a fresh token, to send again as it is or edited.
    Free text is shown in text boxes; choices travel as hidden fields; files cannot come back."""
    fields = [
        # The report's one-time token (docs/codename-v2.md) travels hidden, never as "your text".
        (name, value, name != "form_token" and _is_free_text(value))
        for name, values in request.form.lists()
        if name != "csrf_token"
        for value in values
    ]
    files_dropped = any(f.filename for f in request.files.values())
    return render_template(
        "resend.html",
        title=title,
        message=message,
        fields=fields,
        files_dropped=files_dropped,
        action=request.path,
    ), status


def busy_page() -> tuple[str, int]:
    return resend_page(
        _("Please send again in a minute"),
        _(
            "The service is busy or briefly unavailable, so nothing was saved. Try again in a "
            "minute: your answers are below."
        ),
        503,
    )


def busy_answer() -> Any:
    """The refusal for a saturated or failing service: JSON for the browser path, else the page."""
    if request.is_json or not request.mimetype.startswith(("multipart/", "application/x-www")):
        return jsonify({"error": "busy"}), 503
    return busy_page()


def _token_is_valid() -> bool:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


def admit() -> Any:
    if request.method != "POST" or request.endpoint not in current_app.config.get(
        "ADMITTED_ENDPOINTS", ()
    ):
        return None
    is_form = request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded")
    if is_form:
        try:
            request.files  # noqa: B018 - read the whole body before taking a slot
        except BadRequest:
            # Unreadable here (broken multipart, or files for a page that first needs a codename):
            # the view answers it as before, without a slot.
            return None
        if not _token_is_valid():
            return resend_page(
                _("This form has expired"),
                _(
                    "This form was open for a long time, or did not come from this site, so "
                    "nothing was saved. Check your answers and send again."
                ),
                400,
            )
        if any(getattr(f.stream, "disk_full", False) for _n, f in request.files.items(multi=True)):
            return busy_answer()
        if set(request.files) - current_app.config.get("FILE_FIELDS", {"attachments"}):
            # A file where text belongs: no form sends that, and it must not reach a validator.
            return resend_page(
                _("We could not read what was sent"),
                _("Nothing was saved. Go back and try again."),
                400,
            )
    else:
        request.get_data()
    admission: Admission = current_app.extensions[EXTENSION_KEY]
    if not admission.enter():
        return busy_answer()
    g.admitted = True
    return None


def unavailable(error: Exception) -> Any:
    """The database cannot be reached, or the disk is full: the person's answers come back with
    "nothing was saved, try again in a minute" (503), never a 500. Logged without content."""
    log_exception_without_content(current_app, (type(error), error, error.__traceback__))
    if request.method == "POST":
        return busy_answer()
    return render_error(ServiceUnavailable())


def disk_full_or_unhandled(error: OSError) -> Any:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return unavailable(error)
    log_exception_without_content(current_app, (type(error), error, error.__traceback__))
    return render_error(InternalServerError())


def leave(_error: BaseException | None) -> None:
    if g.pop("admitted", False):
        current_app.extensions[EXTENSION_KEY].leave()


def init_app(app: Flask) -> None:
    """Call after ``CSRFProtect`` and the limiter are bound (their checks come first)."""
    app.extensions[EXTENSION_KEY] = Admission(
        int(app.config.get("ADMISSION_CAPACITY", ADMISSION_CAPACITY)),
        float(app.config.get("ADMISSION_QUEUE_SECONDS", ADMISSION_QUEUE_SECONDS)),
    )
    app.before_request(admit)
    app.teardown_request(leave)
    for unreachable in DATABASE_UNREACHABLE:
        app.register_error_handler(unreachable, unavailable)
    app.register_error_handler(OSError, disk_full_or_unhandled)
