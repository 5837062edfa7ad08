"""Routing (issue 5): which cases are shared with which further mechanism, and since when."""

from __future__ import annotations
