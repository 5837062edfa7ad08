"""The admin app's own extension instances (separate from the intake's)."""

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from reprisal_intake.web.limits import form_session_key, has_no_form_session, make_limiter

babel = Babel()
csrf = CSRFProtect()
# Fail closed: when the limit storage is down, sign-in attempts are refused rather than unlimited.
# Keyed per browser session, never global: a stranger fills only their own (reprisal_intake.web.limits).
limiter = make_limiter(fail_open=False, key_func=form_session_key)
limiter.request_filter(has_no_form_session)
