"""Case work: lifecycle, triage, risk, measures behind the consent gate, State replies, overdue."""
