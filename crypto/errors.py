"""Errors raised by the RPTENV library. Every one of them derives from RptenvError."""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "FormatError",
    "NotARecipientError",
    "PassphraseError",
    "RptenvError",
    "TruncatedError",
    "UnsupportedError",
]


class RptenvError(Exception):
    """Base class of every error raised by this package."""


class FormatError(RptenvError):
    """Not in the RPTENV v1 format: magic, version, suite, lengths, fields, base64, JSON."""


class NotARecipientError(RptenvError):
    """No stanza opens with the given secret key, or none of the keys it yields is committed to."""


class AuthenticationError(RptenvError):
    """Data was altered: an authentication tag, pad, tag order, hash or key check failed."""


class TruncatedError(RptenvError):
    """The input ended early: a short read, or the stream ended before its FINAL message."""


class PassphraseError(RptenvError):
    """The key file does not open with that passphrase."""


class UnsupportedError(RptenvError):
    """This installation cannot do what the data needs (X-Wing without ML-KEM-768 in `cryptography`)."""
