"""Signing in: passwords, second factors, server-side sessions and the signed-in user of a request."""
