"""The public intake: the submitter's blueprint."""

from . import browser  # noqa: F401  (registers the JavaScript path's routes on bp)
from .views import bp

__all__ = ["bp"]
