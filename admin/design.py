"""The design shared with the intake (issue 17): its stylesheet, served from the admin's own origin.

One file, ``reprisal_intake/static/css/common.css``, is the look of both apps; the intake serves it
from its static folder, the admin app from ``/design/common.css`` (no copy to drift, nothing fetched
from elsewhere). The admin's own ``static/admin.css`` comes after it with the workspace's layout.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response

from reprisal_intake.web.static_files import send_file_from

SHARED_STYLES = Path(__file__).resolve().parents[1] / "reprisal_intake" / "static" / "css"
SHARED_STYLESHEET = "common.css"

bp = Blueprint("design", __name__)


@bp.get("/design/common.css")
def common_css() -> Response:
    """The shared stylesheet, precompressed when the browser accepts gzip, as the intake sends it."""
    return send_file_from(SHARED_STYLES, SHARED_STYLESHEET)
