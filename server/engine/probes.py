"""The guard's questions to the databases: is the configuration usable, has staging drifted, take the
advisory locks, end an interrupted server's backends. Replaced by fakes in the property tests."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

import psycopg

from server import db
from server.engine import anchors
from server.engine.locks import advisory_locks
from server.errors import NotConfigured
from server.runbook import ENVIRONMENTS, SOAK_AFTER, Env, RunState
from server.settings import Settings, redact_dsn
from tools.lib.drift import staging_drift
from tools.lib.health import SamplePlan, take_sample
from tools.lib.health_models import HealthSample
from tools.lib.identity import DatabaseIdentity, configuration_problem, identity_of

STALE_BACKEND_WAIT_S = 10.0

BackendReport = dict[str, dict[str, int]]
Event = dict[str, object]


class Probes(Protocol):
    def config_problem(self, environments: tuple[Env, ...]) -> str | None:
        """Why the configured databases cannot be used by a call on `environments` (None: usable)."""
        ...

    def staging_drift(self, state: RunState) -> list[str]:
        """Rule 6: every difference between staging now and what its tickets left."""
        ...

    def db_locks(
        self, environments: tuple[Env, ...], run_id: str, best_effort: bool = False
    ) -> contextlib.AbstractContextManager[list[int]]:
        """Hold pg_try_advisory_lock on each database for the call (yielding the lock sessions' pids);
        raise LockHeld when another session holds it. best_effort skips unreachable databases."""
        ...

    def end_stale_backends(
        self, environments: tuple[Env, ...], run_id: str, own_pids: list[int]
    ) -> BackendReport:
        """Rule 9: wait (bounded) for the backends of this run's crashed server, then end them."""
        ...

    def write_anchors(self, event: Event, journal_id: str) -> dict[str, str]:
        """Anchor a journal entry on the databases it concerns; the causes of anchors not written."""
        ...

    def anchor_problems(
        self, events: list[Event], journal_id: str | None, environments: tuple[Env, ...]
    ) -> list[str]:
        """Where the journal and the anchors on these databases disagree (tampering)."""
        ...

    def soak_elapsed_s(self, state: RunState, journal_id: str | None, now: datetime) -> float | None:
        """Seconds since the soak started: since the anchor of its predecessor's completion, on
        staging's clock (None: that completion has no anchor). `now` is the guard's clock, for fakes."""
        ...

    def entry_age_s(
        self, environment: Env, journal_id: str | None, entry: Mapping[str, object], now: datetime
    ) -> float | None:
        """Seconds since a journal entry was anchored on that database, by its clock (None: no anchor)."""
        ...

    def health_sample(self, environment: Env, run_id: str | None, plan: SamplePlan) -> HealthSample:
        """One health sample of that database (SPEC.md §12); raises NotConfigured when it is unreachable."""
        ...


class DatabaseProbes:
    """Probes against the configured databases."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def config_problem(self, environments: tuple[Env, ...]) -> str | None:
        missing = [env for env in ENVIRONMENTS if not self.settings.dsn(env)]
        if missing:
            names = " and ".join(f"MENUCA_{env.upper()}_DSN" for env in missing)
            return f"{names} not set: configure both databases (environment or --staging-dsn/--production-dsn) and restart the server"
        identities: dict[Env, DatabaseIdentity] = {}
        for env in ENVIRONMENTS:
            dsn = self.settings.dsn(env) or ""
            try:  # autocommit: a read closed inside its transaction would count as a rollback (§12)
                with db.session(dsn, autocommit=True) as conn:
                    identities[env] = identity_of(conn)
            except NotConfigured as exc:
                if env in environments:
                    return f"{env} database unreachable: {exc}"
                continue  # the other database is down: it cannot be the one this call writes to
            except psycopg.Error as exc:
                return f"{env} database ({redact_dsn(dsn)}) answered with an error: {exc.diag.message_primary or exc}"
        return configuration_problem(identities, self.settings.allow_same_server)

    def staging_drift(self, state: RunState) -> list[str]:
        # autocommit: the check must not add rolled-back transactions to staging's soak window (§12)
        with db.session(self.settings.dsn("staging") or "", run_id=state.run_id, autocommit=True) as conn:
            return staging_drift(conn, state)

    def db_locks(
        self, environments: tuple[Env, ...], run_id: str, best_effort: bool = False
    ) -> contextlib.AbstractContextManager[list[int]]:
        return advisory_locks(self.settings, environments, run_id, best_effort)

    def end_stale_backends(
        self, environments: tuple[Env, ...], run_id: str, own_pids: list[int]
    ) -> BackendReport:
        report: BackendReport = {}
        name = db.application_name(run_id)
        for env in environments:
            with db.session(self.settings.dsn(env) or "", run_id=run_id, autocommit=True) as conn:
                deadline = time.monotonic() + STALE_BACKEND_WAIT_S
                waited = terminated = 0
                while True:
                    rows = db.query_all(
                        conn,
                        db.sql_file("common/run_backends.sql"),
                        {"application_name": name, "exclude": own_pids},
                    )
                    if not rows:
                        break
                    if time.monotonic() > deadline:
                        for row in rows:
                            db.query_all(conn, "SELECT pg_terminate_backend(%s)", [row["pid"]])
                            terminated += 1
                        time.sleep(0.5)
                        deadline = time.monotonic() + 5
                        if terminated > 50:
                            break
                        continue
                    waited = len(rows)
                    time.sleep(0.2)
                report[env] = {"waited_for": waited, "terminated": terminated}
        return report

    def write_anchors(self, event: Event, journal_id: str) -> dict[str, str]:
        return anchors.AnchorWriter(self.settings)(event, journal_id)

    def anchor_problems(
        self, events: list[Event], journal_id: str | None, environments: tuple[Env, ...]
    ) -> list[str]:
        return anchors.check_anchors(self.settings, events, journal_id, environments).problems

    def soak_elapsed_s(self, state: RunState, journal_id: str | None, now: datetime) -> float | None:
        seq = state.tickets[SOAK_AFTER].completed_seq
        return None if seq is None else anchors.anchor_age_s(self.settings, "staging", journal_id, seq)

    def entry_age_s(
        self, environment: Env, journal_id: str | None, entry: Mapping[str, object], now: datetime
    ) -> float | None:
        return anchors.anchor_age_s(self.settings, environment, journal_id, int(str(entry["seq"])))

    def health_sample(self, environment: Env, run_id: str | None, plan: SamplePlan) -> HealthSample:
        dsn = self.settings.dsn(environment)
        if not dsn:
            raise NotConfigured(f"MENUCA_{environment.upper()}_DSN is not set")
        with db.session(dsn, run_id=run_id) as conn:
            try:
                return take_sample(conn, plan, second_session=lambda: db.connect(dsn, run_id=run_id))
            except psycopg.Error as exc:
                raise NotConfigured(
                    f"its counters could not be read ({exc.sqlstate} {exc.diag.message_primary or exc})"
                ) from exc
