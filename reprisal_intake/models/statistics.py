"""Statistics coding (issue 7): the de-identified facts of a case that the dashboard counts."""

from __future__ import annotations
