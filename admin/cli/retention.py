"""``reprisal-admin purge`` and ``reprisal-admin mechanism retention``: how long closed cases are kept.

``purge`` alone only lists what would go; deleting needs ``--yes``, so no case is lost by accident. It
also lists the open cases due for a deletion review, and says why nothing is due when nothing is.
"""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import Engine, select

from admin.audit import log as audit_log
from admin.cases.retention import (
    NothingDue,
    compact,
    nothing_due,
    purge_candidates,
    purge_case,
    review_candidates,
)
from reprisal_intake.db import get_db
from reprisal_intake.models import Mechanism, today

ACTOR = "reprisal-admin"


@click.group()
def mechanism() -> None:
    """Mechanisms that cases are routed to."""


@mechanism.command("retention")
@click.argument("code")
@click.argument("days")
def mechanism_retention(code: str, days: str) -> None:
    """Keep CODE's closed cases DAYS days after closing, then purge them; DAYS "keep" keeps them.

    A case routed to several mechanisms is kept as long as the longest of their periods. 0 days lets
    a case closed today be purged today (for a trial).
    """
    if days.strip().lower() == "keep":
        period = None
    else:
        try:
            period = int(days)
        except ValueError as error:
            raise click.BadParameter(
                "a whole number of days, or keep", param_hint="DAYS"
            ) from error
        if period < 0:
            raise click.BadParameter("0 days or more, or keep", param_hint="DAYS")
    with get_db().session() as session:
        found = session.get(Mechanism, code.strip().upper())
        if found is None:
            known = ", ".join(session.scalars(select(Mechanism.code).order_by(Mechanism.position)))
            raise click.BadParameter(f"unknown mechanism {code}; known: {known}", param_hint="CODE")
        found.retention_days = period
        audit_log.record(
            session,
            ACTOR,
            "retention_set",
            detail={"mechanism": found.code, "days": period},
        )
        shown = (
            "kept"
            if period is None
            else "purged from the day they are closed"
            if period == 0
            else f"kept {period} days after closing"
        )
        click.echo(f"Closed cases of {found.code} are {shown}.")


@mechanism.command("list")
def mechanism_list() -> None:
    """List mechanisms and how long their closed cases are kept."""
    with get_db().session() as session:
        for row in session.scalars(select(Mechanism).order_by(Mechanism.position)):
            kept = "keep" if row.retention_days is None else f"{row.retention_days} days"
            click.echo(f"{row.code}\t{kept}\t{row.name}")


@click.command()
@click.option(
    "--dry-run", "dry_run", is_flag=True, help="Only list what would go (also the default)."
)
@click.option("--yes", is_flag=True, help="Really delete the listed cases, for good.")
def purge(dry_run: bool, yes: bool) -> None:
    """Delete closed cases kept longer than the retention of all their mechanisms.

    Without --yes nothing is deleted: the cases that would go are listed (and the plan audited).
    """
    if dry_run and yes:
        raise click.UsageError("choose --dry-run or --yes, not both")
    review_days = current_app.config["RETENTION_REVIEW_DAYS"]
    with get_db().session() as session:
        candidates = purge_candidates(session, today())
        for c in candidates:
            click.echo(
                f"{c.ref}\tclosed {c.closed_on.isoformat()}\t{','.join(c.mechanisms)}\t"
                f"retention ended {c.due_since.isoformat()}"
            )
        if not candidates:
            _explain(nothing_due(session))
        reviews = review_candidates(session, today(), review_days)
        for r in reviews:
            why = (
                "the person withdrew keep and assess"
                if r.why == "withdrawn"
                else f"open and untouched for {review_days} days or more"
            )
            click.echo(f"review\t{r.ref}\t{r.status}\treceived {r.created.isoformat()}\t{why}")
        if reviews:
            click.echo(
                f"{len(reviews)} open case(s) to review for deletion: close them (their retention "
                "then runs) or act on them. Open cases are never purged."
            )
        if not yes:
            audit_log.record(
                session, ACTOR, "purge_planned", detail={"cases": [c.ref for c in candidates]}
            )
            click.echo(
                f"{len(candidates)} case(s) would be deleted. Nothing was deleted: "
                "run `reprisal-admin purge --yes` to delete them for good."
            )
            return
        for c in candidates:
            purge_case(session, c.ref)
            audit_log.record(
                session,
                ACTOR,
                "case_purged",
                case_ref=c.ref,
                detail={"closed_on": c.closed_on.isoformat(), "mechanisms": list(c.mechanisms)},
            )
        click.echo(f"Deleted {len(candidates)} case(s) for good.")
    bind = get_db().bind
    if candidates and isinstance(bind, Engine):
        click.echo(f"Database {compact(bind)}.")


def _explain(why: NothingDue) -> None:
    """Say why no case is due, so that a trial that purges nothing is not a mystery."""
    click.echo("No case is due for purging:")
    if why.kept:
        click.echo(
            f"  {why.kept} closed case(s) are kept: no retention period for "
            f"{', '.join(why.kept_by)} (set one with `reprisal-admin mechanism retention`)."
        )
    if why.waiting:
        assert why.next_due is not None
        click.echo(
            f"  {why.waiting} closed case(s) are within their retention period; the first is "
            f"due on {why.next_due.isoformat()}."
        )
    if why.not_closed:
        click.echo(f"  {why.not_closed} case(s) are not closed; only closed cases are purged.")
    if not (why.kept or why.waiting or why.not_closed):
        click.echo("  there are no cases.")
