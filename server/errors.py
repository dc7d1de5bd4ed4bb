"""The exceptions of menuca-migrate: one class per situation, data in attributes."""

from __future__ import annotations

from typing import Any


class RunbookError(Exception):
    """Base class of every error menuca-migrate raises on purpose."""


class ConfigError(RunbookError):
    """Raised when a setting has an invalid value (at start-up, never ignored)."""


class BadArgument(RunbookError):
    """Raised when an operator command's argument is invalid (a name or reason it cannot record)."""


class NotConfigured(RunbookError):
    """Raised when a tool needs a database that is missing, unreachable or not distinct."""


class Refused(RunbookError):
    """Raised by the guard when a rule forbids a call; the text tells the agent what to do next.
    `next` and `blockers` (plain JSON) are what the agent reads without parsing the text."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        next: dict[str, Any] | None = None,
        blockers: list[dict[str, Any]] | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.next = next
        self.blockers = blockers if blockers is not None else [{"code": code, "detail": message}]
        super().__init__(f"REFUSED {code}: {message}")


class EmbeddedPgError(RunbookError):
    """Raised when the embedded PostgreSQL cannot be found, started or stopped."""


class SeedError(RunbookError):
    """Raised when the dataset cannot be created (bad input or a database in an unexpected state)."""


class JournalError(RunbookError):
    """Raised when the journal cannot be read or appended to."""


class BackupNotVerified(RunbookError):
    """Raised when a backup archive cannot be read back or restored."""


class ReplayError(RunbookError):
    """Raised when a replay file is malformed."""
