"""Accounts, for administrators: invitations, roles, deactivation."""
