"""Risk level from likelihood and severity (docs/domain.md: Risk)."""

from __future__ import annotations

from admin.vocabulary import RISK_LEVELS, RISK_LIKELIHOODS, RISK_SEVERITIES


def risk_level(likelihood: str, severity: str) -> str:
    """Likelihood x severity on two four-step scales -> low, medium, high or critical."""
    steps = [code for code, _label in RISK_LIKELIHOODS], [code for code, _label in RISK_SEVERITIES]
    score = (steps[0].index(likelihood) + 1) * (steps[1].index(severity) + 1)
    levels = [code for code, _label in RISK_LEVELS]
    return levels[0 if score <= 3 else 1 if score <= 6 else 2 if score <= 9 else 3]
