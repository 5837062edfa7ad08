"""reprisal-intake: the data model shared by both apps, and the public intake app.

The intake never holds a reviewer's secret key and never imports ``admin``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from .config import default_instance_path, load_config
from .web.errors import log_exception_without_content


class IntakeFlask(Flask):
    def log_exception(self, exc_info: Any) -> None:
        log_exception_without_content(self, exc_info)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The intake app factory (``reprisal_intake:create_app()``)."""
    instance_path = default_instance_path()
    # The public app's own package loads here, not on import: the admin app shares this package's
    # models and rules but never loads the intake's views or upload code.
    from .intake.uploads import IntakeRequest

    app = IntakeFlask(__name__, instance_path=str(instance_path), static_url_path="/static")
    app.request_class = IntakeRequest
    app.config.update(load_config("intake", instance_path))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.config.update(
        INTAKE_SUBMIT_LIMIT="30 per minute; 600 per hour",
        INTAKE_LOOKUP_LIMIT="30 per minute; 300 per hour",
        INTAKE_FOLLOWUP_LIMIT="30 per minute; 300 per hour",
        INTAKE_UPLOAD_LIMIT="600 per minute",
    )
    from .intake.browser import PART_MAX_BYTES

    app.config.update(
        # web.bodies: each route's largest body (None: MAX_CONTENT_LENGTH); every other route 64 KiB.
        BODY_LIMITS={
            "intake.submit": None,
            "intake.followup_case": None,
            "intake.upload_part": PART_MAX_BYTES,
            "intake.commit": 512 * 1024,
        },
        # web.admission: the routes that do real work, admitted by capacity after their body is read.
        ADMITTED_ENDPOINTS=frozenset(
            {
                "intake.submit",
                "intake.followup_start",
                "intake.followup_case",
                "intake.followup_consent",
                "intake.commit",
                "intake.start_upload",
                "intake.upload_part",
            }
        ),
    )
    if test_config:
        app.config.update(test_config)

    from . import db, static_integrity
    from .extensions import babel, csrf, limiter
    from .intake import bp
    from .web import admission, bodies, errors, headers, static_files, templating

    bodies.init_app(app)
    db.init_app(app, app.config.get("DATABASE_BIND"))
    babel.init_app(app, locale_selector=templating.select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    admission.init_app(app)
    headers.init_app(app)
    static_files.init_app(app)
    templating.init_app(app)
    templating.init_languages(app)
    errors.init_app(app)
    static_integrity.init_app(app)
    app.register_blueprint(bp)
    return app
