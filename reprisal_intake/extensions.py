"""The intake app's extensions, created unbound and bound in ``create_app`` (flaskr style)."""

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from .web.limits import form_session_key, has_no_form_session, make_limiter

babel = Babel()
csrf = CSRFProtect()
# Fail open: when Redis is down a person can still send a report (the outage is logged once).
# Per browser session, never global (web.limits); requests without a session count toward nothing.
limiter = make_limiter(fail_open=True, key_func=form_session_key)
limiter.request_filter(has_no_form_session)
