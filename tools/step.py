"""The step contract: what a tool function receives from the engine (its context and typed arguments)
and what it hands back (a typed outcome). Tools never open connections or read settings themselves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from server.db import Conn
from server.runbook import Env, TicketEnv, ToolName
from server.settings import Settings
from tools.records import Baseline
from tools.results import Check, PlannedStatement

FieldsT = TypeVar("FieldsT", bound=BaseModel)
ArgsT = TypeVar("ArgsT", bound=BaseModel, contravariant=True)
RecordT = TypeVar("RecordT", bound=BaseModel)


class StepInterrupted(Exception):
    """Raised at a safe point when the operator halted the run or the client cancelled the call."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class StepContext(Protocol):
    """What the engine gives a tool."""

    run_id: str
    ticket: str
    tool: ToolName
    environment: TicketEnv
    dry_run: bool
    settings: Settings
    # every SQL file a tool of this version runs (preflight checks they are there)
    required_sql_files: tuple[str, ...]

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

    def baseline(self, environment: Env) -> Baseline:
        """The preflight baseline of that environment recorded in this run's journal."""
        ...

    def records(self, model: type[RecordT], ticket: str) -> list[RecordT]:
        """The records journaled by every attempt of a ticket in this run, oldest first."""
        ...

    def completed_record(self, model: type[RecordT], ticket: str) -> RecordT | None:
        """The record of the ticket's current completion (None unless it is COMPLETE)."""
        ...


@dataclass
class StepOutcome(Generic[FieldsT]):
    """A tool's answer: its checks decide PASS/FAIL; `fields` fill its result model; `record` is kept
    in the journal only (baselines, snapshots, created objects) for later tickets and rollbacks."""

    checks: list[Check]
    summary: str
    fields: FieldsT | None = None
    record: BaseModel | None = None
    actions: list[str] = field(default_factory=list)
    plan: list[PlannedStatement] | None = None

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)


class Step(Protocol[ArgsT]):
    """A tool's entry function (named after its tool) or a rollback scope's undo."""

    def __call__(self, ctx: StepContext, args: ArgsT, /) -> StepOutcome[Any]: ...


StepFn = Callable[[StepContext, Any], StepOutcome[Any]]


def check(
    name: str, expected: Any, actual: Any, passed: bool | None = None, warning: str | None = None
) -> Check:
    """A check; when `passed` is not given it is `expected == actual`."""
    return Check(
        name=name,
        expected=expected,
        actual=actual,
        passed=(expected == actual) if passed is None else passed,
        warning=warning,
    )
