"""The exception hierarchy: every error names what failed and, where it can, the fix.

How a build treats an exception raised while it processes a recording:

- ``DataError`` (the input is bad: it does not decode, is cut short, lacks a label, is too short): the row is
  quarantined with the stage, reason and message, and counted in ``stats.json``; the build goes on.
- ``NotFeedable`` (this recording cannot make an instance of one task, e.g. no energy above a bandwidth-extension
  cutoff): counted in ``stats.json`` ``not_fed`` with the reason; not an error.
- ``TransientError`` (throttling, 5xx, timeouts, connection resets, after the storage layer's own retries): the unit
  fails and Ray retries it; if it keeps failing the build fails without committing, and a rerun resumes.
- anything else is a bug: the build fails at once with the traceback.
"""

from __future__ import annotations


class AudioFlanError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(AudioFlanError):
    """A configuration is invalid. ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in self.problems))


class OutputRefused(AudioFlanError):
    """The output cannot be written by this build (foreign files, another build's output, a lock held): exit 2."""


class LockHeld(OutputRefused):
    """Another build holds the output's lock."""


class RecipeError(AudioFlanError):
    """A corpus does not have the native layout its recipe expects."""


class TemplateError(AudioFlanError):
    """A task template file is malformed or cannot render an instance."""


class DataError(AudioFlanError):
    """The input is bad (quarantined, counted by ``reason``)."""

    reason = "bad_data"

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class DecodeError(DataError):
    """Audio bytes could not be decoded (or are cut short)."""

    reason = "decode_error"


class TransientError(AudioFlanError):
    """A storage or network fault that may clear (retried; fails the build if it persists)."""


class StorageError(AudioFlanError):
    """An object could not be read or written."""


class ValidationError(AudioFlanError):
    """A built dataset does not hold what its manifest promises."""


class NotFeedable(AudioFlanError):
    """A recording cannot feed one task honestly (e.g. nothing above a bandwidth-extension cutoff to restore).

    Not a fault: the build counts it under ``stats.json`` ``not_fed`` with ``reason``, never as an error."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)
