"""Uploaded files are encrypted while Werkzeug parses the request, before anything reaches a disk.

Werkzeug spools uploads over 500 KB to a temporary file in the clear. ``IntakeRequest`` replaces its
stream factory: each file part is written straight into an RPTENV writer, and only ciphertext is spooled
(to an unnamed temporary file) until the view stores it in the database.
"""

from __future__ import annotations

import errno
import io
import tempfile
from collections.abc import Callable
from typing import IO, Any

from flask import Request
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import BadRequest

from crypto.envelope import CHUNK_LOG2_FILE, EnvelopeWriter
from crypto.stanzas import RecipientKey

from ..models import today

# endpoint -> function giving the public keys that files posted to it are encrypted to.
RecipientResolver = Callable[[], list[RecipientKey]]
_RESOLVERS: dict[str, RecipientResolver] = {}


def accepts_encrypted_files(endpoint: str, resolver: RecipientResolver) -> None:
    _RESOLVERS[endpoint] = resolver


class EncryptedUpload(io.RawIOBase):
    """The file object Werkzeug writes one file part into: plaintext in, ciphertext spooled."""

    def __init__(self, recipients: list[RecipientKey], metadata: dict[str, object]) -> None:
        super().__init__()
        self._spool: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed with this object
        self._writer = EnvelopeWriter(self._spool, recipients, metadata, chunk_log2=CHUNK_LOG2_FILE)
        self.plaintext_size = 0
        self._finished = False
        # The disk filled up while spooling: the rest of the part is read and dropped, so that the
        # form's text still arrives and the person gets it back (web.admission), files not kept.
        self.disk_full = False

    def _spooling(self, action: Any, *args: Any) -> None:
        if self.disk_full:
            return
        try:
            action(*args)
        except OSError as error:
            if error.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            self.disk_full = True
            self._spool.truncate(0)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self._finished:
            raise ValueError("upload already finished")
        chunk = bytes(data)
        self._spooling(self._writer.write, chunk)
        self.plaintext_size += len(chunk)
        return len(chunk)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        # Werkzeug seeks to 0 when the part is complete: that is where the envelope is finished.
        if not self._finished:
            self._spooling(self._writer.close)
            self._finished = True
        return self._spool.seek(offset, whence)

    def envelope(self) -> IO[bytes]:
        """The finished envelope, positioned at its start."""
        self.seek(0)
        return self._spool

    def close(self) -> None:
        self._spool.close()
        super().close()


def encrypted_upload(storage: FileStorage) -> EncryptedUpload:
    stream = storage.stream
    if not isinstance(stream, EncryptedUpload):  # pragma: no cover - only IntakeRequest builds them
        raise TypeError("file was not encrypted on arrival")
    return stream


class IntakeRequest(Request):
    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        resolver = _RESOLVERS.get(self.endpoint or "")
        if resolver is None:
            raise BadRequest("This form does not take files.")
        metadata: dict[str, object] = {
            "kind": "attachment",
            "name": filename or "",
            "type": content_type or "application/octet-stream",
            "created": today().isoformat(),
        }
        return EncryptedUpload(resolver(), metadata)  # type: ignore[return-value]
