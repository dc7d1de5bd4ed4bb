"""The step runtime: the concrete StepContext the guard hands to a tool function (connections that a
cancellation reaches, progress, safe points that see a halt, the crash-test pause hook, records)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from server import db
from server.engine.progress import ProgressFile
from server.errors import NotConfigured
from server.journal import sidecar
from server.runbook import FIRST, Env, RunState, TicketEnv, ToolName
from server.settings import Settings
from tools.records import Baseline, PreflightRecord
from tools.step import RecordT, StepInterrupted

HALT_POLL_S = 0.5
# The pause points of SPEC.md §10 (crash tests); anything else in MENUCA_TEST_PAUSE is ignored.
PAUSE_POINTS = (
    "apply_indexes:after_first_build",
    "apply_rls:before_commit",
    "fix_combos:before_commit",
    "backup:after_dump",
    "backup:during_scratch_restore",
    "rollback:during_restore",
)

ProgressFn = Callable[[float, float | None, str | None], None]


@dataclass
class StepRuntime:
    """One running step's handles; `cancel()` may be called from another thread."""

    run_id: str
    ticket: str
    tool: ToolName
    environment: TicketEnv
    dry_run: bool
    settings: Settings
    state: RunState
    is_halted: Callable[[], bool]
    required_sql_files: tuple[str, ...] = ()
    on_progress: ProgressFn | None = None
    progress_file: ProgressFile | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)
    _connections: list[db.Conn] = field(default_factory=list)
    _last_halt_poll: float = 0.0

    def connect(self, environment: Env, *, autocommit: bool = False) -> db.Conn:
        self.checkpoint()
        conn = db.connect(self.dsn(environment), run_id=self.run_id, autocommit=autocommit)
        self._connections.append(conn)
        return conn

    def dsn(self, environment: Env) -> str:
        dsn = self.settings.dsn(environment)
        if not dsn:
            raise NotConfigured(f"MENUCA_{environment.upper()}_DSN is not set")
        return dsn

    def progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        if self.progress_file is not None:
            with contextlib.suppress(OSError):  # advisory: a full disk must not fail a step
                self.progress_file.update(done, total, message)
        if self.on_progress is not None:
            with contextlib.suppress(Exception):  # progress is advisory: a gone client must not fail a step
                self.on_progress(done, total, message)

    def checkpoint(self) -> None:
        if self.cancel_event.is_set():
            raise StepInterrupted("cancelled by the client")
        now = time.monotonic()
        if now - self._last_halt_poll >= HALT_POLL_S:
            self._last_halt_poll = now
            if self.is_halted():
                raise StepInterrupted("halted by the operator")

    def pause_seconds(self, point: str) -> float | None:
        if os.environ.get("MENUCA_TEST_HOOKS") != "1" or point not in PAUSE_POINTS:
            return None
        wanted, _, seconds = os.environ.get("MENUCA_TEST_PAUSE", "").rpartition(":")
        if wanted != point:
            return None
        try:
            return max(float(seconds), 0.0)
        except ValueError:
            return None

    def pause(self, point: str, *, sleep: bool = True) -> None:
        seconds = self.pause_seconds(point)
        if seconds is None:
            return
        print(f"PAUSED {point}", file=sys.stderr, flush=True)
        if sleep:
            time.sleep(seconds)

    def backups_dir(self) -> Path:
        path = self.settings.run_dir / "backups"
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)
        return path

    def baseline(self, environment: Env) -> Baseline:
        records = self.records(PreflightRecord, FIRST.id)
        if not records or environment not in records[-1].baseline:
            raise NotConfigured("this run has no preflight baseline: call preflight first")
        return records[-1].baseline[environment]

    def records(self, model: type[RecordT], ticket: str) -> list[RecordT]:
        return [self._record(model, record) for record in self.state.records.get(ticket, [])]

    def completed_record(self, model: type[RecordT], ticket: str) -> RecordT | None:
        done = self.state.tickets[ticket]
        if done.completed_seq is None or done.record is None:
            return None
        return self._record(model, done.record)

    def _record(self, model: type[RecordT], journaled: dict[str, Any]) -> RecordT:
        """A journaled record, its large lists read back from their sidecar files."""
        return model.model_validate(
            sidecar.inflate(self.settings.run_dir, journaled, journaled.get("sidecars"))
        )

    def cancel(self) -> None:
        """Called from another thread when the client cancels: stop the database work now."""
        self.cancel_event.set()
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                conn.cancel_safe(timeout=2)

    def close(self) -> None:
        for conn in self._connections:
            with contextlib.suppress(Exception):
                conn.close()
        self._connections.clear()


def dump_record(record: BaseModel | None) -> dict[str, object] | None:
    """A record as the journal keeps it (plain JSON; None when the step recorded nothing)."""
    return record.model_dump(mode="json") if record is not None else None
