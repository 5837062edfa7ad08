"""The public intake: the submitter's blueprint."""

from .views import bp

__all__ = ["bp"]
