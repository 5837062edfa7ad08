"""The admin app's requests keep uploaded files in memory, never in a temporary file: a State's reply
attached to a case is case content, and is sealed before it is stored (admin/annual_report/views.py).
``REPRISAL_ADMIN_MAX_UPLOAD_MIB`` (25) bounds what one request can hold."""

from __future__ import annotations

import io
from typing import IO

from flask import Request


class AdminRequest(Request):
    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return io.BytesIO()
