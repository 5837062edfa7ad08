"""The append-only audit log, chained with a key outside the database, and its page for auditors."""
