"""Assessment and the Secretary-General's annual report on reprisals (issue 16): the assessment step,
each case's place in a report, State replies, and the export for the report's drafting team."""
