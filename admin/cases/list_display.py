"""The case list's rows as the page shows them: every label, date and address worked out once per
page in Python (each distinct label translated once, each distinct date formatted once), so the
template only writes strings out. Rendering 150 rows label by label in Jinja cost most of a page."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from babel.dates import format_date
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from admin.cases.links import Link
from admin.cases.listing import CaseRow
from admin.i18n import case_status_label, detention_label, urgency_label
from reprisal_intake.models.links import POSSIBLE_DUPLICATE

K = TypeVar("K")

DUE_LABELS: dict[str, LazyString] = {
    "triage": _l("triage"),
    "risk_review": _l("risk review"),
    "state_reply": _l("State reply due"),
    "retention": _l("retention review"),
}


@dataclass(frozen=True)
class Badge:
    text: str
    flag: bool = False


@dataclass(frozen=True)
class ListedCase:
    ref: str
    url: str
    created: str
    created_text: str
    mechanisms: str
    status: str
    urgency: str
    detention: str
    action_overdue: bool
    owner: str
    due: str | None
    due_text: str
    due_passed: bool
    badges: tuple[Badge, ...]


def _memo(make: Callable[[K], str]) -> Callable[[K], str]:
    done: dict[K, str] = {}

    def get(key: K) -> str:
        if key not in done:
            done[key] = make(key)
        return done[key]

    return get


@functools.lru_cache(maxsize=8192)
def _long_date(day: datetime.date, locale: str) -> str:
    """As the ``format_date`` filter writes it (Babel's long format), cached: formatting is most of
    what a row costs, and a page's dates repeat across requests."""
    return format_date(day, format="long", locale=locale)


def _due_label(code: str) -> str:
    return str(DUE_LABELS.get(code, code))


def listed_cases(
    rows: Sequence[CaseRow],
    *,
    owner_names: Mapping[str, str],
    news: Mapping[str, list[str]],
    news_labels: Mapping[str, LazyString],
    links: Mapping[str, list[Link]],
    today: datetime.date,
) -> list[ListedCase]:
    status = _memo(case_status_label)
    urgency = _memo(urgency_label)
    detention = _memo(detention_label)
    locale = str(get_locale() or "en")

    def day(value: datetime.date) -> str:
        return _long_date(value, locale)

    due_label = _memo(_due_label)
    news_label = _memo(lambda code: str(news_labels[str(code)]))
    nobody = _("none yet")
    # References are letters, digits and dashes: one address built, the others by replacing it.
    placeholder = "REF"
    address = url_for("cases.case_page_view", ref=placeholder)
    listed = []
    for row in rows:
        badges = [Badge(news_label(kind)) for kind in news.get(row.ref, [])]
        for link in links.get(row.ref, []):
            if link.kind == POSSIBLE_DUPLICATE:
                badges.append(Badge(_("possible duplicate of %(ref)s", ref=link.other_ref), True))
            else:
                badges.append(Badge(_("same matter as %(ref)s", ref=link.other_ref)))
        listed.append(
            ListedCase(
                ref=row.ref,
                url=address.replace(placeholder, row.ref),
                created=row.created.isoformat(),
                created_text=day(row.created),
                mechanisms=", ".join(row.mechanisms),
                status=status(row.status),
                urgency=urgency(row.urgency),
                detention=detention(row.in_detention),
                action_overdue=row.overdue,
                owner=owner_names.get(row.owner_id, "-") if row.owner_id else nobody,
                due=row.next_due.isoformat() if row.next_due else None,
                due_text=(
                    f"{day(row.next_due)} ({due_label(row.next_due_reason or '')})"
                    if row.next_due
                    else "-"
                ),
                due_passed=row.next_due is not None and row.next_due < today,
                badges=tuple(badges),
            )
        )
    return listed
