"""Statistics: coding a case's de-identified facts, the dashboard and the shared exports."""
