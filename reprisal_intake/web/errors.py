"""Error pages that tell a person what happened and whether anything was saved, and error logging that
never carries request content (an exception's message may quote what a submitter sent)."""

from __future__ import annotations

import traceback
from types import TracebackType

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import (
    BadHost,
    BadRequest,
    HTTPException,
    InternalServerError,
    SecurityError,
)
from werkzeug.wrappers import Response

OUR_PACKAGES = ("reprisal_intake", "admin", "crypto")
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def _message(error: HTTPException, app: Flask) -> tuple[str, str]:
    if isinstance(error, CSRFError):
        return (
            _("This form has expired"),
            _(
                "The form was open too long, or did not come from this site. Nothing was saved. "
                "Go back, reload the page and send it again."
            ),
        )
    limit_mib = (app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    messages = {
        400: (
            _("We could not read what was sent"),
            _("Nothing was saved. Go back and try again."),
        ),
        403: (_("Not allowed"), _("You cannot open this page.")),
        404: (_("Page not found"), _("There is no page at this address.")),
        405: (
            _("This page cannot be used that way"),
            _("Nothing was saved. Go back and use the form on the page."),
        ),
        413: (
            _("What you sent is too large"),
            _(
                "This service accepts at most %(limit)s MiB in one go. Nothing was saved. "
                "Go back and attach fewer or smaller files; you can add more files later "
                "with your codename.",
                limit=limit_mib,
            ),
        ),
        429: (
            _("Too many requests"),
            _(
                "Too many requests reached this service in a short time. Nothing was saved. "
                "Wait a few minutes and try again."
            ),
        ),
    }
    messages[408] = messages[400]  # a body that arrived too slowly (web.bodies)
    return messages.get(
        error.code or 500,
        (
            _("Something went wrong on our side"),
            _(
                "If you were sending a report, it was saved only if you saw the page with your "
                "codename. Please try again later."
            ),
        ),
    )


def render_error(error: HTTPException) -> tuple[str, int]:
    from flask import current_app

    code = error.code or 500
    title, message = _message(error, current_app)
    return render_template("error.html", title=title, message=message, code=code), code


def log_exception_without_content(app: Flask, exc_info: ExcInfo) -> None:
    """Log where an unhandled error happened, never its message or any request data."""
    exc_type, _exc, tb = exc_info
    if exc_type is None:
        return
    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if any(f"/{p}/" in f.filename for p in OUR_PACKAGES)]
    shown = (
        [*ours[-4:], frames[-1]] if ours and ours[-1] is not frames[-1] else (ours or frames)[-5:]
    )
    where = " <- ".join(f"{frame.filename}:{frame.lineno}" for frame in reversed(shown))
    app.logger.error("unhandled %s at %s", exc_type.__name__, where)


def refuse_nul_in_address() -> None:
    """A NUL character in the path or query is never a real page; PostgreSQL cannot even compare
    it with stored text. Refused before any view runs."""
    if "\x00" in request.path or b"%00" in request.query_string:
        raise BadRequest()


def refuse_unusable_host(error: HTTPException) -> Response:
    """Werkzeug's plain error page: with a Host header that names no host, no address can be built,
    not even the stylesheet's that every page of ours links to."""
    return error.get_response()


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(BadHost, refuse_unusable_host)
    app.register_error_handler(SecurityError, refuse_unusable_host)
    app.before_request(refuse_nul_in_address)

    @app.errorhandler(DataError)
    def unstorable(error: DataError) -> tuple[str, int]:
        # A value the database cannot hold (a NUL character, text too long for its column) came
        # from the request: the transaction was rolled back, so say nothing was saved.
        log_exception_without_content(app, (type(error), error, error.__traceback__))
        return render_error(BadRequest())

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> tuple[str, int]:
        log_exception_without_content(app, (type(error), error, error.__traceback__))
        return render_error(InternalServerError())
