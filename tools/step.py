"""The handles a tool function receives from the guard: connections, settings, progress, safe points."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Protocol

from server.db import Conn
from server.runbook import Env, RunState
from server.settings import Settings


class StepInterrupted(Exception):
    """Raised at a safe point when the operator halted the run or the client cancelled the call."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class StepContext(Protocol):
    """What the guard gives a tool; tools never open connections or read settings themselves."""

    run_id: str
    ticket: str
    tool: str
    environment: Env | Literal["both"]
    dry_run: bool
    settings: Settings
    state: RunState

    def connect(self, environment: Env, *, autocommit: bool = False) -> Conn:
        """A new session on that environment's database, cancelled if the call is cancelled."""
        ...

    def dsn(self, environment: Env) -> str: ...

    def progress(self, done: float, total: float | None = None, message: str | None = None) -> None: ...

    def checkpoint(self) -> None:
        """A safe point between statements: raises StepInterrupted when halted or cancelled."""
        ...

    def pause(self, point: str, *, sleep: bool = True) -> None:
        """The crash-test hook of SPEC.md §10: write `PAUSED <point>` to stderr and wait (no-op unless
        MENUCA_TEST_HOOKS=1 and MENUCA_TEST_PAUSE names this point)."""
        ...

    def pause_seconds(self, point: str) -> float | None:
        """How long the hook would pause at this point, or None when it is not armed (for pauses that
        happen inside a child process, such as the restore transaction)."""
        ...

    def backups_dir(self) -> Path: ...

    def baseline(self, environment: Env) -> dict[str, Any]:
        """The preflight baseline of that environment recorded in this run's journal."""
        ...

    def records(self, ticket: str) -> list[dict[str, Any]]:
        """The records journaled by every attempt of a ticket in this run, oldest first."""
        ...
