"""Case work records (issue 5): lifecycle changes, triage, risk assessments, measures and State replies."""

from __future__ import annotations
