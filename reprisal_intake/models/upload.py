from __future__ import annotations

import datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, random_id, today


class Upload(Base):
    """An envelope a browser is uploading in parts (ciphertext only) before it commits the report.

    Its id is a capability: only the browser that started the upload knows it. Committed uploads
    become items and are deleted in the same transaction; abandoned ones are deleted after a day.
    """

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    created: Mapped[datetime.date] = mapped_column(Date, default=today, index=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    parts: Mapped[int] = mapped_column(Integer, default=0)


class UploadPart(Base):
    __tablename__ = "upload_parts"

    upload_id: Mapped[str] = mapped_column(
        ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
