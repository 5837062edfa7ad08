"""The admin app's own extension instances (separate from the intake's)."""

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from reprisal_intake.web.limits import make_limiter

babel = Babel()
csrf = CSRFProtect()
# Fail closed: when the limit storage is down, sign-in attempts are refused rather than unlimited.
limiter = make_limiter(fail_open=False)
