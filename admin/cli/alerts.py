"""``reprisal-admin alerts ...``: the on-call rota, alert addresses, and ``alerts run``, which a
systemd timer runs every few minutes (deploy/systemd/reprisal-alerts.timer)."""

from __future__ import annotations

import datetime

import click
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.alerts import dispatch
from admin.alerts.channels import channel_from_config
from reprisal_intake.db import get_db
from reprisal_intake.models import Mechanism, User, today, utcnow
from reprisal_intake.models.alerts import OnCall


@click.group()
def alerts() -> None:
    """Alerts about immediate-risk and untriaged cases (content-free)."""


def _user(session: Session, username: str) -> User:
    found = session.scalars(select(User).where(User.username == username)).one_or_none()
    if found is None:
        raise click.UsageError(f"no account {username}")
    return found


@alerts.command("run")
def alerts_run() -> None:
    """Send the alerts that are due and escalate the unacknowledged ones."""
    config = current_app.config
    channel = channel_from_config(config)
    if channel is None:
        click.echo("Alerts are off (REPRISAL_ALERT_CHANNEL is none): nothing sent.")
        return
    settings = dispatch.RunSettings(
        alerts_url=config["ADMIN_BASE_URL"].rstrip("/") + "/alerts/",
        ack_window=datetime.timedelta(minutes=config["ALERT_ACK_MINUTES"]),
        triage_days=config["ALERT_TRIAGE_DAYS"],
        now=utcnow(),
        today=today(),
    )
    with get_db().session() as session:
        report = dispatch.run(session, channel, settings)
    click.echo(
        f"Sent {report.sent} alert(s) to on-call focal points, {report.escalated} to "
        f"coordinators; {report.closed} closed by triage."
    )
    for code in sorted(set(report.unreachable)):
        click.echo(f"Nobody reachable on call for {code}: check the rota and alert addresses.")
    if report.failures:
        for failure in sorted(set(report.failures)):
            click.echo(f"Not delivered (tried again next run): {failure}", err=True)
        raise SystemExit(1)


@alerts.command("address")
@click.argument("username")
@click.argument("address")
def alerts_address(username: str, address: str) -> None:
    """Set where USERNAME's alerts go (an e-mail address; "-" clears it)."""
    address = address.strip()
    if address != "-" and ("@" not in address or any(c.isspace() for c in address)):
        raise click.UsageError(f"{address!r} is not an e-mail address")
    with get_db().session() as session:
        user = _user(session, username)
        user.alert_address = None if address == "-" else address
    click.echo(f"Alerts for {username}: {address if address != '-' else 'none'}.")


@alerts.group("rota")
def rota() -> None:
    """Who is on call for a mechanism, and when."""


@rota.command("add")
@click.argument("mechanism")
@click.argument("username")
@click.option("--from", "starts", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "ends", required=True, type=click.DateTime(["%Y-%m-%d"]))
def rota_add(
    mechanism: str, username: str, starts: datetime.datetime, ends: datetime.datetime
) -> None:
    """Put USERNAME on call for MECHANISM from one date to another (both included)."""
    code = mechanism.strip().upper()
    if ends < starts:
        raise click.UsageError("--to is before --from")
    with get_db().session() as session:
        if session.get(Mechanism, code) is None:
            raise click.UsageError(f"no mechanism {code}")
        user = _user(session, username)
        if not user.has_role("focal_point"):
            raise click.UsageError(f"{username} is not a focal point")
        session.add(
            OnCall(mechanism_code=code, user_id=user.id, starts=starts.date(), ends=ends.date())
        )
        missing = (
            "" if user.alert_address else " (no alert address yet: set one with alerts address)"
        )
    click.echo(f"{username} is on call for {code} from {starts.date()} to {ends.date()}{missing}.")


@rota.command("list")
def rota_list() -> None:
    """The rota from today on."""
    with get_db().session() as session:
        rows = session.execute(
            select(OnCall, User.username)
            .join(User, User.id == OnCall.user_id)
            .where(OnCall.ends >= today())
            .order_by(OnCall.mechanism_code, OnCall.starts)
        ).all()
        if not rows:
            click.echo("Nobody is on call from today on.")
        for stretch, username in rows:
            click.echo(f"{stretch.mechanism_code}\t{username}\t{stretch.starts}\t{stretch.ends}")
