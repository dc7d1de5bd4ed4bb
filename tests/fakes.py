"""Fakes for the pure state machine only (the guard's probes and clock); never for the database."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from server.engine.locks import LockHeld
from server.runbook import SOAK_AFTER, RunState, parse_ts
from tools.lib.health import SamplePlan
from tools.lib.health_models import Counters, HealthSample


class FakeProbes:
    def __init__(self) -> None:
        self.config: str | None = None
        self.drift: list[str] = []
        self.db_locked = False
        self.stale_calls: list[tuple[Any, ...]] = []
        self.samples: list[tuple[str, SamplePlan]] = []

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

    def write_anchors(self, event: dict[str, Any], journal_id: str) -> dict[str, str]:
        return {}  # the fakes have no database to anchor in

    def anchor_problems(
        self, events: list[dict[str, Any]], journal_id: str | None, environments: tuple[str, ...]
    ) -> list[str]:
        return []

    def soak_elapsed_s(self, state: RunState, journal_id: str | None, now: datetime) -> float | None:
        """The soak by the guard's (fake) clock, since the journal's completion of ticket 05."""
        done = state.tickets[SOAK_AFTER].finished_at
        return None if done is None else (now - parse_ts(done)).total_seconds()

    def entry_age_s(self, environment: str, journal_id: str | None, entry: Any, now: datetime) -> float:
        return (now - parse_ts(str(entry["ts"]))).total_seconds()

    def health_sample(self, environment: str, run_id: str | None, plan: SamplePlan) -> HealthSample:
        """A quiet, healthy database (the trigger logic itself is tested over real samples)."""
        self.samples.append((environment, plan))
        return HealthSample(
            environment=plan.environment,
            database=f"fake_{environment}",
            taken_at=datetime.now(UTC).isoformat(),
            server_version=150000,
            stats_reset=None,
            counters=Counters(
                xact_commit=10 * len(self.samples),
                xact_rollback=0,
                deadlocks=0,
                conflicts=0,
                temp_files=0,
                blks_hit=0,
                blks_read=0,
            ),
        )

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
