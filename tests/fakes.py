"""Fakes for the pure state machine only (the guard's probes and clock); never for the database."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from server.engine.locks import LockHeld
from server.runbook import RunState


class FakeProbes:
    def __init__(self) -> None:
        self.config: str | None = None
        self.drift: list[str] = []
        self.db_locked = False
        self.stale_calls: list[tuple[Any, ...]] = []

    def config_problem(self, environments: tuple[str, ...]) -> str | None:
        return self.config

    def staging_drift(self, state: RunState) -> list[str]:
        return list(self.drift)

    @contextlib.contextmanager
    def db_locks(
        self, environments: tuple[str, ...], run_id: str, best_effort: bool = False
    ) -> Iterator[list[int]]:
        if self.db_locked:
            raise LockHeld("another call holds the advisory lock.")
        yield [4242]

    def end_stale_backends(
        self, environments: tuple[str, ...], run_id: str, own_pids: list[int]
    ) -> dict[str, Any]:
        self.stale_calls.append((environments, run_id, tuple(own_pids)))
        return {"staging": {"waited_for": 0, "terminated": 0}}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now
