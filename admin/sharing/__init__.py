"""Routing: sharing a case with a further mechanism, only with the submitter's consent."""
