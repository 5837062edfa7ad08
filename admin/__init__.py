"""The reviewer app and the management CLI. Never served by the intake process.

Imports ``reprisal_intake`` (the shared model) and ``crypto``; nothing imports it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from admin.uploads import AdminRequest
from reprisal_intake.config import default_instance_path, load_config
from reprisal_intake.web.errors import log_exception_without_content


class AdminFlask(Flask):
    def log_exception(self, exc_info: Any) -> None:
        log_exception_without_content(self, exc_info)


def create_app(
    test_config: Mapping[str, Any] | None = None, *, repair_instance: bool = False
) -> Flask:
    """The admin app factory (``admin:create_app()``): its own cookie name and secret key. It
    refuses to start when the instance folder or database files are open to other users;
    ``reprisal-admin`` (``repair_instance``) makes them private instead."""
    from admin.settings import admin_settings

    instance_path = default_instance_path()
    app = AdminFlask(__name__, instance_path=str(instance_path))
    app.request_class = AdminRequest
    app.config.update(load_config("admin", instance_path, repair_instance=repair_instance))
    app.config.update(admin_settings())
    # reprisal_intake.web.bodies: no admin form takes a file; the longest text (a reply of 50,000
    # characters) fits well within 1 MiB, read at a minimum rate like every body.
    app.config["BODY_LIMIT_DEFAULT"] = 1024 * 1024
    if test_config:
        app.config.update(test_config)

    from admin import design, home, i18n
    from admin.accounts import views as account_views
    from admin.alerts import views as alert_views
    from admin.annual_report import views as annual_report_views
    from admin.audit import keys as audit_keys
    from admin.audit import views as audit_views
    from admin.auth import views as auth_views
    from admin.auth.current_user import load_current_user
    from admin.cases import due, links, matters
    from admin.cases import views as case_views
    from admin.casework import views as casework_views
    from admin.contact import views as contact_views
    from admin.extensions import csrf, limiter
    from admin.sharing import views as sharing_views
    from admin.statistics import views as statistics_views
    from admin.users import views as user_views
    from reprisal_intake import db, static_integrity
    from reprisal_intake.web import bodies, errors, headers, templating

    bodies.init_app(app)
    database = db.init_app(app, app.config.get("DATABASE_BIND"))
    due.init_app(database.sessionmaker)  # each case's next action due, kept current on commit
    links.init_app(database.sessionmaker)  # possible duplicates, found again when coding changes
    audit_keys.init_app(app)
    i18n.init_app(app)  # Flask-Babel with the admin's language selector and catalogues
    csrf.init_app(app)
    limiter.init_app(app)
    headers.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    static_integrity.init_app(app)  # integrity= hashes for the admin's scripts
    app.before_request(load_current_user)

    for blueprint in (
        home.bp,
        design.bp,
        auth_views.bp,
        account_views.bp,
        case_views.bp,
        matters.bp,
        alert_views.bp,
        annual_report_views.bp,
        casework_views.bp,
        contact_views.bp,
        sharing_views.bp,
        statistics_views.bp,
        audit_views.bp,
        user_views.bp,
    ):
        app.register_blueprint(blueprint)
    return app
