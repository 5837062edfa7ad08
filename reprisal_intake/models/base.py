from __future__ import annotations

import datetime
import secrets
from typing import ClassVar

from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every model maps one table (none maps a join or a select), so Core statements can take it.
    __table__: ClassVar[Table]


def random_id() -> str:
    """A random identifier: 128 bits, URL-safe, never sequential."""
    return secrets.token_urlsafe(16)


def today() -> datetime.date:
    """Dates, not times, wherever a submitter is involved (UTC date)."""
    return datetime.datetime.now(datetime.UTC).date()
