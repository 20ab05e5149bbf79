"""The one exception family thresher raises on purpose."""

from __future__ import annotations


class ThresherError(Exception):
    """Base class of every error thresher raises deliberately."""


class InputError(ThresherError):
    """The input cannot be read as an HTML page (wrong type, undecodable, not markup)."""


class ModelError(ThresherError):
    """A model file is missing, corrupt, or was built for other features or labels."""


class CorpusError(ThresherError):
    """A training or evaluation corpus is missing or malformed."""
