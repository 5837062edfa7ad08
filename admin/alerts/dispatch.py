"""``reprisal-admin alerts run``: find the cases that need someone now and tell them.

* a case still "received" with immediate risk (flagged by the person) gets one alert per mechanism,
  sent to the mechanism's on-call focal point;
* any other case still "received" after ``ALERT_TRIAGE_DAYS`` days gets one too;
* an alert nobody acknowledges within ``ALERT_ACK_MINUTES`` goes to the coordinators, once;
* with nobody reachable on call, the alert goes to the coordinators at once.

The admin side finds these cases itself, so the intake writes nothing for alerts and holds no mail
credentials. An alert is recorded only once delivered: a failed delivery is tried on the next run.
Triaging the case (it leaves "received") counts as acknowledging its alerts.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.alerts import rota
from admin.alerts.channels import Channel, DeliveryFailed, Notification
from admin.alerts.messages import notification
from reprisal_intake.models import Case, User
from reprisal_intake.models.alerts import Alert

REASONS = ("immediate", "untriaged")


@dataclass
class RunSettings:
    alerts_url: str
    ack_window: datetime.timedelta
    triage_days: int
    now: datetime.datetime
    today: datetime.date


@dataclass
class RunReport:
    sent: int = 0
    escalated: int = 0
    closed: int = 0
    failures: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)


def _reason(case: Case, settings: RunSettings) -> str | None:
    if case.status != "received":
        return None
    if case.urgency == "immediate":
        return "immediate"
    if case.created <= settings.today - datetime.timedelta(days=settings.triage_days):
        return "untriaged"
    return None


def _deliver(
    channel: Channel, users: list[User], make: Callable[[User], Notification], report: RunReport
) -> bool:
    """Send to each of ``users``; True when at least one delivery succeeded."""
    delivered = False
    for user in users:
        try:
            channel.send(make(user))
            delivered = True
        except DeliveryFailed as failure:
            report.failures.append(str(failure))
    return delivered


def _message(
    settings: RunSettings, reason: str, mechanism: str, escalation: bool
) -> Callable[[User], Notification]:
    def make(user: User) -> Notification:
        return notification(
            address=user.alert_address or "",
            language=user.language,
            reason=reason,
            mechanism=mechanism,
            escalation=escalation,
            alerts_url=settings.alerts_url,
            triage_days=settings.triage_days,
        )

    return make


def _new_alerts(db: Session, channel: Channel, settings: RunSettings, report: RunReport) -> None:
    alerted = {
        (ref, code) for ref, code in db.execute(select(Alert.case_ref, Alert.mechanism_code))
    }
    for case in db.scalars(select(Case).where(Case.status == "received").order_by(Case.created)):
        reason = _reason(case, settings)
        if reason is None:
            continue
        for mechanism in case.mechanisms:
            if (case.ref, mechanism.code) in alerted:
                continue
            focal_point = rota.on_call(db, mechanism.code, settings.today)
            if focal_point is not None:
                make = _message(settings, reason, mechanism.code, escalation=False)
                if not _deliver(channel, [focal_point], make, report):
                    continue
                db.add(
                    Alert(
                        case_ref=case.ref,
                        mechanism_code=mechanism.code,
                        reason=reason,
                        recipient_id=focal_point.id,
                        sent_on=settings.today,
                        escalate_after=settings.now + settings.ack_window,
                    )
                )
                report.sent += 1
                continue
            report.unreachable.append(mechanism.code)
            make = _message(settings, reason, mechanism.code, escalation=False)
            if not _deliver(channel, rota.coordinators(db, mechanism.code), make, report):
                continue
            db.add(
                Alert(
                    case_ref=case.ref,
                    mechanism_code=mechanism.code,
                    reason=reason,
                    sent_on=settings.today,
                    escalated_on=settings.today,
                )
            )
            report.escalated += 1
    db.flush()


def _close_triaged(db: Session, settings: RunSettings, report: RunReport) -> None:
    for alert in db.scalars(
        select(Alert)
        .join(Case, Case.ref == Alert.case_ref)
        .where(Alert.acknowledged_on.is_(None), Case.status != "received")
    ):
        alert.acknowledged_on = settings.today
        alert.escalate_after = None
        report.closed += 1


def _escalate(db: Session, channel: Channel, settings: RunSettings, report: RunReport) -> None:
    due = db.scalars(
        select(Alert)
        .where(
            Alert.acknowledged_on.is_(None),
            Alert.escalated_on.is_(None),
            Alert.escalate_after < settings.now,
        )
        .order_by(Alert.escalate_after, Alert.id)
    )
    for alert in due:
        make = _message(settings, alert.reason, alert.mechanism_code, escalation=True)
        recipients = rota.coordinators(db, alert.mechanism_code)
        if not recipients:
            report.unreachable.append(alert.mechanism_code)
            continue
        if _deliver(channel, recipients, make, report):
            alert.escalated_on = settings.today
            alert.escalate_after = None
            report.escalated += 1


def run(db: Session, channel: Channel, settings: RunSettings) -> RunReport:
    report = RunReport()
    _close_triaged(db, settings, report)
    _new_alerts(db, channel, settings, report)
    _escalate(db, channel, settings, report)
    return report
