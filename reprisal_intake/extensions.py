"""The intake app's extensions, created unbound and bound in ``create_app`` (flaskr style)."""

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from .web.limits import make_limiter

babel = Babel()
csrf = CSRFProtect()
# Fail open: when Redis is down a person can still send a report (the outage is logged once).
limiter = make_limiter(fail_open=True)
