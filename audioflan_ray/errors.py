"""The exception hierarchy: every error names what failed and, where it can, the fix."""

from __future__ import annotations


class AudioFlanError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(AudioFlanError):
    """A configuration is invalid. ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in self.problems))


class RecipeError(AudioFlanError):
    """A corpus does not have the native layout its recipe expects."""


class TemplateError(AudioFlanError):
    """A task template file is malformed or cannot render an instance."""


class DecodeError(AudioFlanError):
    """Audio bytes could not be decoded."""


class StorageError(AudioFlanError):
    """An object could not be read or written."""


class ValidationError(AudioFlanError):
    """A built dataset does not hold what its manifest promises."""


NOT_FED = "not_fed"  # the error type of a row that carries a NotFeedable instance to the sink's not_fed count


class NotFeedable(AudioFlanError):
    """A recording cannot feed one task honestly (e.g. nothing above a bandwidth-extension cutoff to restore).

    Not a fault: the build counts it under ``stats.json`` ``not_fed`` with ``reason``, never as an error."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)
