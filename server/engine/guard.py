"""The guard: the only place that decides whether a call may run. It takes the locks, loads the run
state from the journal, applies the rules, journals the call, runs the tool and records its outcome."""

from __future__ import annotations

import contextlib
import copy
import fcntl
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NoReturn, Protocol

import psycopg
from pydantic import BaseModel, ValidationError
from pydantic_core import to_jsonable_python

from server import db
from server.errors import JournalError, NotConfigured, Refused
from server.journal import Journal, execlog, utc_now
from server.log import get_logger
from server.runbook import (
    BACKUP_TICKET,
    TICKETS,
    Call,
    Code,
    Env,
    EventKind,
    RunState,
    Scope,
    TicketStatus,
    apply_event,
    check_rules,
    fold,
    next_step,
    replayable,
    rollback_targets,
    soak_remaining_s,
    ticket_for,
)
from server.settings import ENVIRONMENTS, Settings, redact_dsn, scrub
from tools.lib.pooler import lock_is_safe
from tools.results import Check, StepOutcome, check
from tools.step import StepContext, StepInterrupted

log = get_logger(__name__)

RUN_LOCK = ".run.lock"
# pg_try_advisory_lock key: "MENUCA1" as a bigint; seen in pg_locks as classid/objid.
ADVISORY_KEY = 0x4D454E55434131
STALE_BACKEND_WAIT_S = 10.0
HALT_POLL_S = 0.5
PAUSE_POINTS = (
    "apply_indexes:after_first_build",
    "apply_rls:before_commit",
    "fix_combos:before_commit",
    "backup:after_dump",
    "rollback:during_restore",
)

Executor = Callable[[StepContext, dict[str, Any]], StepOutcome]


class Probes(Protocol):
    """The guard's questions to the outside world (replaced by fakes in the state-machine property tests)."""

    def config_problem(self, environments: tuple[Env, ...]) -> str | None: ...

    def staging_drift(self, state: RunState) -> list[str]: ...

    def db_locks(
        self, environments: tuple[Env, ...], run_id: str, best_effort: bool = False
    ) -> contextlib.AbstractContextManager[list[int]]:
        """Hold pg_try_advisory_lock on each database for the call (yielding the lock sessions' pids);
        raise Refused(LOCKED) when another session holds it. best_effort skips unreachable databases
        (preflight reports them as failed checks instead of being refused)."""
        ...

    def end_stale_backends(
        self, environments: tuple[Env, ...], run_id: str, own_pids: list[int]
    ) -> dict[str, Any]: ...


def new_run_id() -> str:
    return datetime.now(UTC).strftime("run-%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)


def environments_of(tool: str, environment: Env | None) -> tuple[Env, ...]:
    if tool == "preflight" or environment is None:
        return ENVIRONMENTS
    return (environment,)


# -- real probes over PostgreSQL ---------------------------------------------------------------------


class DatabaseProbes:
    """Probes against the configured databases."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def config_problem(self, environments: tuple[Env, ...]) -> str | None:
        missing = [env for env in ENVIRONMENTS if not self.settings.dsn(env)]
        if missing:
            names = " and ".join(f"MENUCA_{env.upper()}_DSN" for env in missing)
            return f"{names} not set: configure both databases (environment or --staging-dsn/--production-dsn) and restart the server"
        identities: dict[Env, tuple[Any, ...]] = {}
        for env in ENVIRONMENTS:
            dsn = self.settings.dsn(env) or ""
            try:
                with db.session(dsn) as conn:
                    row = db.query_one(conn, db.sql_file("common/identity.sql"))
            except NotConfigured as exc:
                if env in environments:
                    return f"{env} database unreachable: {exc}"
                continue  # the other database is down: it cannot be the one this call writes to
            except psycopg.Error as exc:
                return f"{env} database ({redact_dsn(dsn)}) answered with an error: {exc.diag.message_primary or exc}"
            assert row is not None
            identities[env] = (row["system_identifier"], row["datname"], row["postmaster_start"])
        if len(identities) == 2 and identities["staging"] == identities["production"]:
            return (
                "staging and production are the same database (same system_identifier, name and start time): "
                "point MENUCA_PRODUCTION_DSN at the production database"
            )
        return None

    def staging_drift(self, state: RunState) -> list[str]:
        from tools.lib.drift import staging_drift

        dsn = self.settings.dsn("staging") or ""
        with db.session(dsn, run_id=state.run_id) as conn:
            return staging_drift(conn, state)

    @contextlib.contextmanager
    def db_locks(
        self, environments: tuple[Env, ...], run_id: str, best_effort: bool = False
    ) -> Iterator[list[int]]:
        held: list[db.Conn] = []
        locked: list[db.Conn] = []
        pids: list[int] = []
        try:
            for env in environments:
                # A dedicated autocommit session that stays idle: never the one doing the work, never a
                # transaction, never a blocking wait (a blocked waiter can deadlock with a concurrent build).
                try:
                    conn = db.connect(self.settings.dsn(env) or "", run_id=run_id, autocommit=True)
                except NotConfigured:
                    if best_effort:
                        continue
                    raise
                held.append(conn)
                if not lock_is_safe(conn, self.settings.dsn(env) or "", run_id, env, best_effort):
                    continue  # preflight's own check fails it; a session lock there would outlive the call
                row = db.query_one(
                    conn, "SELECT pg_try_advisory_lock(%s) AS ok, pg_backend_pid() AS pid", [ADVISORY_KEY]
                )
                assert row is not None
                pids.append(int(row["pid"]))
                if row["ok"]:
                    locked.append(conn)
                else:
                    holder = db.query_one(
                        conn, db.sql_file("common/advisory_holder.sql"), {"key": ADVISORY_KEY}
                    )
                    who = f" by {holder['application_name']} (pid {holder['pid']})" if holder else ""
                    raise Refused(
                        Code.LOCKED,
                        f"another menuca-migrate call holds the lock on the {env} database{who}: wait for it "
                        "to finish (call status), then call again.",
                    )
            # the server's pids, not libpq's: behind a pooler the key it hands out is its own
            yield pids
        finally:
            for conn in held:
                if conn in locked:  # a session-mode pooler resets the server session only after close
                    with contextlib.suppress(psycopg.Error):
                        conn.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
                with contextlib.suppress(psycopg.Error):
                    conn.close()

    def end_stale_backends(
        self, environments: tuple[Env, ...], run_id: str, own_pids: list[int]
    ) -> dict[str, Any]:
        """Rule 9: wait (bounded) for the backends of this run's crashed server, then terminate them."""
        report: dict[str, Any] = {}
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


# -- the runtime a tool sees -------------------------------------------------------------------------


@dataclass
class StepRuntime:
    """The concrete StepContext the guard hands to a tool function."""

    guard: Guard
    run_id: str
    ticket: str
    tool: str
    environment: Env | Literal["both"]
    dry_run: bool
    settings: Settings
    state: RunState
    on_progress: Callable[[float, float | None, str | None], None] | None = None
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
        if self.on_progress is not None:
            with contextlib.suppress(Exception):  # progress is advisory: a gone client must not fail a step
                self.on_progress(done, total, message)

    def checkpoint(self) -> None:
        if self.cancel_event.is_set():
            raise StepInterrupted("cancelled by the client")
        now = time.monotonic()
        if now - self._last_halt_poll >= HALT_POLL_S:
            self._last_halt_poll = now
            if self.guard.load_state().halted:
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

    def baseline(self, environment: Env) -> dict[str, Any]:
        records = self.state.records.get("00") or []
        if not records or environment not in records[-1].get("baseline", {}):
            raise NotConfigured("this run has no preflight baseline: call preflight first")
        baseline: dict[str, Any] = records[-1]["baseline"][environment]
        return baseline

    def records(self, ticket: str) -> list[dict[str, Any]]:
        return list(self.state.records.get(ticket, []))

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


# -- the guard ---------------------------------------------------------------------------------------


@dataclass
class CallHooks:
    """How the MCP layer reaches a running call: progress out, cancellation in."""

    on_progress: Callable[[float, float | None, str | None], None] | None = None
    on_runtime: Callable[[StepRuntime], None] | None = None


class Guard:
    def __init__(
        self,
        settings: Settings,
        executors: Mapping[str, Executor],
        probes: Probes | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        result_models: Mapping[str, type[BaseModel]] | None = None,
    ) -> None:
        self.settings = settings
        self.executors = executors
        self.result_models = result_models or {}
        self.probes = probes or DatabaseProbes(settings)
        self.clock = clock
        self.journal = Journal(settings.run_dir, settings.secrets(), clock)

    # -- state ---------------------------------------------------------------------------------------

    def load_state(self) -> RunState:
        return fold(self.journal.events())

    def next_of(self, state: RunState) -> dict[str, Any] | None:
        configured = bool(self.settings.staging_dsn and self.settings.production_dsn)
        nxt = next_step(
            state,
            now=self.clock(),
            soak_hours=self.settings.soak_hours,
            require_approval=self.settings.require_approval,
            configured=configured,
        )
        if nxt is None:
            return None
        return {
            "ticket": nxt.ticket,
            "tool": nxt.tool,
            "environment": nxt.environment,
            "blocked_by": str(nxt.blocked_by) if nxt.blocked_by else None,
        }

    def run_lock_free(self) -> bool:
        """True when no call holds the run-dir lock (so an IN_PROGRESS ticket is really interrupted)."""
        try:
            fd = os.open(self.settings.run_dir / RUN_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        finally:
            os.close(fd)
        return True

    def status(self) -> dict[str, Any]:
        read = self.journal.read()
        warnings: list[str] = []
        if read.torn is not None:
            warnings.append(
                f"journal.jsonl ends with an incomplete line ({len(read.torn)} characters) that is ignored; "
                "the next call moves it to journal.torn"
            )
        if read.bad_line is not None:
            warnings.append(f"journal.jsonl line {read.bad_line} is not valid JSON: run verify-log")
        state = fold(read.events)
        lock_free = (
            self.run_lock_free()
            if any(t.status == TicketStatus.IN_PROGRESS for t in state.tickets.values())
            else True
        )
        tickets = []
        for ticket in TICKETS:
            ts = state.tickets[ticket.id]
            tickets.append(
                {
                    "ticket": ticket.id,
                    "tool": ticket.tool,
                    "environment": ticket.environment,
                    "status": str(ts.status) if state.run_id else "PENDING",
                    "started_at": ts.started_at,
                    "finished_at": ts.finished_at,
                    "interrupted": ts.status == TicketStatus.IN_PROGRESS and lock_free,
                }
            )
        approval = state.valid_approval()
        soak = soak_remaining_s(state, self.clock(), self.settings.soak_hours)
        nxt = self.next_of(state)
        complete = sum(1 for t in state.tickets.values() if t.status == TicketStatus.COMPLETE)
        if nxt is None:
            summary = f"run {state.run_id} is complete: all 11 tickets COMPLETE."
        else:
            block = f" (blocked by {nxt['blocked_by']})" if nxt["blocked_by"] else ""
            summary = (
                f"{'run ' + state.run_id if state.active and state.run_id else 'no run in progress'}: "
                f"{complete} of 11 tickets COMPLETE; next: {nxt['tool']} on {nxt['environment']} "
                f"(ticket {nxt['ticket']}){block}."
            )
        return {
            "run_id": state.run_id,
            "tickets": tickets,
            "next": nxt,
            "halted": state.halted,
            "halt_reason": state.halt_reason,
            "approval": {"by": approval.by, "at": approval.at} if approval else None,
            "soak_remaining_s": round(soak, 1) if soak is not None else None,
            "journal_head": {"seq": state.head_seq, "hash": state.head_hash},
            "warnings": warnings,
            "summary": summary,
        }

    # -- a ticket or rollback call -------------------------------------------------------------------

    def call(
        self, tool: str, environment: Env | None, args: dict[str, Any], hooks: CallHooks | None = None
    ) -> dict[str, Any]:
        """Run one tool call under every rule of SPEC.md §5; returns the result or raises Refused."""
        hooks = hooks or CallHooks()
        scope: Scope | None = args.get("scope")
        call = Call(tool=tool, environment=environment, dry_run=bool(args.get("dry_run")), scope=scope)
        try:
            state = self.load_state()
            self.journal.append(
                EventKind.RECEIVED,
                run_id=state.run_id,
                tool=tool,
                environment=environment,
                args=args,
                ticket=self._ticket_id(tool, environment),
            )
        except JournalError as exc:
            raise Refused(str(Code.NOT_CONFIGURED), f"{exc}.") from exc

        state = self.load_state()
        recorded = replayable(state, call) if tool != "rollback" else None
        if recorded is not None:
            return self._replay(state, call, args, recorded.result or {})

        envs = environments_of(tool, environment)
        problem = self.probes.config_problem(envs)
        if problem and tool != "preflight":  # preflight runs and reports it as a failed check instead
            self._refuse(state, call, args, Code.NOT_CONFIGURED, f"{problem}.")
        self._check(state, call, args)

        # a preflight that starts a run mints its id now, so every session it opens carries it
        starts_run = tool == "preflight" and not state.active
        run_id = new_run_id() if starts_run or state.run_id is None else state.run_id
        run_lock = self._take_run_lock(state, call, args)
        try:
            with self.probes.db_locks(envs, run_id, best_effort=tool == "preflight") as own_pids:
                state = self.load_state()  # the rules again, now that nobody else can move the run
                recorded = replayable(state, call) if tool != "rollback" else None
                if recorded is not None:
                    return self._replay(state, call, args, recorded.result or {})
                self._check(state, call, args)
                return self._execute(state, call, args, envs, hooks, run_id, own_pids)
        except Refused as refused:
            if refused.code == Code.LOCKED:
                self._refuse(state, call, args, Code.LOCKED, refused.message)
            raise
        except NotConfigured as exc:
            self._refuse(state, call, args, Code.NOT_CONFIGURED, f"{exc}.")
        finally:
            os.close(run_lock)

    def _changed_sql(self, state: RunState) -> list[str]:
        """SQL files whose checksum differs from the one this run's preflight pinned."""
        records = state.records.get("00") or []
        pinned: dict[str, str] = records[-1].get("sql_checksums", {}) if records else {}
        if not pinned:
            return []
        current = db.sql_checksums()
        return sorted(name for name, digest in pinned.items() if current.get(name) != digest)

    def _ticket_id(self, tool: str, environment: Env | None) -> str | None:
        if tool == "rollback":
            return BACKUP_TICKET[environment] if environment else None
        ticket = ticket_for(tool, environment)
        return ticket.id if ticket else None

    def _check(self, state: RunState, call: Call, args: dict[str, Any]) -> None:
        refusal = check_rules(
            state,
            call,
            now=self.clock(),
            soak_hours=self.settings.soak_hours,
            require_approval=self.settings.require_approval,
        )
        if refusal is not None:
            self._refuse(state, call, args, refusal.code, refusal.message)
        ticket = ticket_for(call.tool, call.environment)
        if ticket is not None and ticket.id == "06":
            drift = self.probes.staging_drift(state)
            if drift:
                self._refuse(
                    state,
                    call,
                    args,
                    Code.STAGING_DRIFTED,
                    "staging no longer matches what its tickets left: "
                    + "; ".join(drift)
                    + ". Repair staging (or roll it back and redo tickets 02-05), then call backup with "
                    "environment=production again.",
                )

    def _take_run_lock(self, state: RunState, call: Call, args: dict[str, Any]) -> int:
        try:
            fd = os.open(self.settings.run_dir / RUN_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            self._refuse(
                state, call, args, Code.NOT_CONFIGURED, f"the run directory is not writable: {exc.strerror}."
            )
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            self._refuse(
                state,
                call,
                args,
                Code.LOCKED,
                "another menuca-migrate call is running on this run directory: wait for it to finish "
                "(call status), then call again.",
            )
        return fd

    def _refuse(
        self, state: RunState, call: Call, args: dict[str, Any], code: Code, message: str
    ) -> NoReturn:
        refused = Refused(str(code), scrub(message, self.settings.secrets()))
        self.journal.append(
            EventKind.REFUSED,
            run_id=state.run_id,
            ticket=self._ticket_id(call.tool, call.environment),
            tool=call.tool,
            environment=call.environment,
            args=args,
            outcome=f"REFUSED {code}",
            details={"message": refused.message},
            log_text=execlog.refusal_block(
                tool=call.tool,
                environment=call.environment,
                run_id=state.run_id,
                args=args,
                text=str(refused),
            ),
        )
        raise refused

    def _replay(
        self, state: RunState, call: Call, args: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        replayed = {**result, "replayed": True, "next": self.next_of(state)}
        self.journal.append(
            EventKind.REPLAYED,
            run_id=state.run_id,
            ticket=self._ticket_id(call.tool, call.environment),
            tool=call.tool,
            environment=call.environment,
            args=args,
            outcome="REPLAYED",
        )
        return replayed

    def _execute(
        self,
        state: RunState,
        call: Call,
        args: dict[str, Any],
        envs: tuple[Env, ...],
        hooks: CallHooks,
        run_id: str,
        own_pids: list[int],
    ) -> dict[str, Any]:
        tool, environment = call.tool, call.environment
        ticket_id = self._ticket_id(tool, environment) or "00"
        new_run = tool == "preflight" and not state.active
        ticket_state = state.tickets.get(ticket_id)
        if (
            not call.dry_run
            and tool != "rollback"
            and ticket_state is not None
            and ticket_state.status == TicketStatus.IN_PROGRESS
        ):
            recovery = self.probes.end_stale_backends(envs, run_id, own_pids)
            self.journal.append(
                EventKind.INTERRUPTED,
                run_id=run_id,
                ticket=ticket_id,
                tool=tool,
                environment=environment,
                outcome="RESUMING",
                details={"previous_start": ticket_state.started_at, "backends": recovery},
            )
        targets: list[str] = []
        uses_approval = False
        if tool == "rollback" and environment is not None and call.scope is not None:
            targets = rollback_targets(state, environment, call.scope)
            uses_approval = (
                environment == "production" and call.scope == "full" and self.settings.require_approval
            )
        started_at = utc_now()
        if not call.dry_run:
            self.journal.append(
                EventKind.STARTED,
                run_id=run_id,
                ticket=ticket_id,
                tool=tool,
                environment=environment,
                args=args,
                outcome="STARTED",
                details={"new_run": new_run, "uses_approval": uses_approval, "pid": os.getpid()},
                log_text=execlog.started_block(
                    ticket=ticket_id, tool=tool, environment=environment, run_id=run_id
                ),
            )
            state = self.load_state()
        runtime = StepRuntime(
            guard=self,
            run_id=run_id,
            ticket=ticket_id,
            tool=tool,
            environment=environment or "both",
            dry_run=call.dry_run,
            settings=self.settings,
            state=state,
            on_progress=hooks.on_progress,
        )
        if hooks.on_runtime:
            hooks.on_runtime(runtime)
        begun = time.monotonic()
        step_args = {**args, "rollback_tickets": targets} if tool == "rollback" else dict(args)
        interrupted: str | None = None
        try:
            changed = self._changed_sql(state) if tool != "preflight" else []
            if changed:
                outcome = StepOutcome(
                    checks=[check("SQL files unchanged since preflight pinned them", [], changed)],
                    summary=f"{len(changed)} SQL file(s) changed after preflight pinned their checksums "
                    f"({', '.join(changed[:5])}): the SQL that would run is not the SQL this run checked. Restore "
                    "them, or abandon the run (menuca-migrate abandon) and start a new one with preflight.",
                )
            else:
                outcome = self.executors[tool](runtime, step_args)
        except StepInterrupted as exc:
            interrupted = exc.reason
            outcome = _interrupted_outcome(tool, exc.reason)
        except Exception as exc:  # noqa: BLE001 - the step's top level: any error fails the ticket, never leaves it IN_PROGRESS
            if runtime.cancel_event.is_set():  # the cancelled query's error: report the cancellation itself
                interrupted = "cancelled by the client"
                outcome = _interrupted_outcome(tool, interrupted)
            else:
                text = scrub(
                    str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                    self.settings.secrets(),
                )
                outcome = StepOutcome(
                    checks=[Check(name="step ran without error", expected=True, actual=text, passed=False)],
                    summary=f"{tool} failed with an error ({text}); fix the cause, then call {tool} again or roll back.",
                )
        finally:
            runtime.close()
        duration_ms = int((time.monotonic() - begun) * 1000)
        return self._record(
            state, call, args, runtime, outcome, started_at, duration_ms, targets, interrupted
        )

    def _record(
        self,
        state: RunState,
        call: Call,
        args: dict[str, Any],
        runtime: StepRuntime,
        outcome: StepOutcome,
        started_at: str,
        duration_ms: int,
        targets: list[str],
        interrupted: str | None,
    ) -> dict[str, Any]:
        tool, environment = call.tool, call.environment
        ticket_id = runtime.ticket
        passed = outcome.passed and interrupted is None
        status = "DRY_RUN" if call.dry_run else ("PASS" if passed else "FAIL")
        result: dict[str, Any] = {
            "run_id": runtime.run_id,
            "ticket": ticket_id,
            "tool": tool,
            "environment": environment or "both",
            "status": status,
            "checks": [c.model_dump(mode="json") for c in outcome.checks],
            "summary": outcome.summary,
            "next": None,
            "replayed": False,
            "duration_ms": duration_ms,
            **(
                {"plan": [p.model_dump(mode="json") for p in outcome.plan]}
                if outcome.plan is not None
                else {}
            ),
            **to_jsonable_python(outcome.fields),
        }
        if tool == "rollback":
            result["tickets_rolled_back"] = targets if passed and not call.dry_run else []
        # the state after this outcome decides `next`: fold the event we are about to write
        if call.dry_run:
            kind, outcome_text, decision = EventKind.DRY_RUN, "DRY_RUN", "DRY RUN — nothing was changed"
        elif tool == "rollback":
            kind = EventKind.ROLLED_BACK if passed else EventKind.FAILED
            outcome_text = "ROLLED_BACK" if passed else "FAIL"
            decision = f"ROLLED BACK ({', '.join(targets) or 'no ticket'})" if passed else "ROLLBACK FAILED"
        else:
            kind = EventKind.PASSED if passed else EventKind.FAILED
            outcome_text = "PASS" if passed else "FAIL"
            decision = (
                "PASS — ticket COMPLETE"
                if passed
                else f"FAIL — ticket FAILED{f' ({interrupted})' if interrupted else ''}"
            )
        model = self.result_models.get(tool)
        if model is not None:
            try:
                model.model_validate({**result, "next": None})
            except ValidationError as exc:  # a defect of the tool: journal it as a failure, never as a pass
                problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
                result["status"] = "FAIL"
                result["checks"] = [
                    *result["checks"],
                    {
                        "name": "result matches its schema",
                        "expected": True,
                        "actual": problem,
                        "passed": False,
                    },
                ]
                kind = EventKind.FAILED if not call.dry_run else kind
                outcome_text = "FAIL" if not call.dry_run else outcome_text
                decision = f"FAIL — the result did not match its schema ({problem})"
        details: dict[str, Any] = {"result": result, "record": to_jsonable_python(outcome.record)}
        if tool == "rollback":
            details["tickets"] = targets if passed else []
        # `next` is what follows this outcome: fold the event about to be written into a copy of the state
        after = copy.deepcopy(state)
        if not call.dry_run:
            apply_event(
                after,
                {
                    "event": str(kind),
                    "run_id": runtime.run_id,
                    "ticket": ticket_id,
                    "tool": tool,
                    "details": details,
                    "seq": state.head_seq + 1,
                    "ts": utc_now(),
                },
            )
        result["next"] = self.next_of(after)
        details["result"] = result
        self.journal.append(
            kind,
            run_id=runtime.run_id,
            ticket=ticket_id,
            tool=tool,
            environment=environment,
            args=args,
            outcome=outcome_text,
            details=details,
            log_text=execlog.ticket_block(
                ticket=ticket_id,
                tool=tool,
                environment=environment,
                run_id=runtime.run_id,
                args=args,
                result=result,
                started_at=started_at,
                actions=outcome.actions,
                decision=decision,
                completion=kind == EventKind.PASSED and tool != "rollback",
                rolled_back=targets if kind == EventKind.ROLLED_BACK else None,
            ),
        )
        return result

    # -- operator actions (CLI only; no MCP tool reaches these) --------------------------------------

    def approve_production(self, by: str) -> dict[str, Any]:
        state = self.load_state()

        def bound_seq(current: RunState) -> int:
            done = current.tickets["05"]
            if not current.active or done.status != TicketStatus.COMPLETE or done.completed_seq is None:
                raise Refused(
                    str(Code.APPROVAL_REQUIRED),
                    "production can only be approved after ticket 05 (validate on staging) is COMPLETE; it is "
                    f"{done.status if current.active else 'not started (no run)'}. Run `menuca-migrate status`.",
                )
            return done.completed_seq

        seq = bound_seq(state)
        return self.journal.append(
            EventKind.APPROVED,
            run_id=state.run_id,
            ticket="06",
            outcome="APPROVED",
            details={"kind": "production", "by": by, "bound_to_seq": seq},
            log_text=execlog.operator_block(action="approve production", run_id=state.run_id, by=by)
            + f"\nBound to: the completion of ticket 05 (journal seq {seq})",
            precondition=lambda events: bound_seq(fold(events)) == seq or _stale(),
        )

    def approve_rollback(self, by: str) -> dict[str, Any]:
        state = self.load_state()
        if state.run_id is None or state.status("06") != TicketStatus.COMPLETE:
            raise Refused(
                str(Code.OUT_OF_ORDER),
                "there is no production backup in this run (ticket 06 is not COMPLETE): nothing to restore.",
            )
        return self.journal.append(
            EventKind.APPROVED,
            run_id=state.run_id,
            ticket="06",
            outcome="APPROVED",
            details={"kind": "rollback", "by": by, "bound_to_seq": state.head_seq},
            log_text=execlog.operator_block(
                action="approve rollback (one full production restore)", run_id=state.run_id, by=by
            ),
        )

    def halt(self, reason: str) -> dict[str, Any]:
        state = self.load_state()
        return self.journal.append(
            EventKind.HALTED,
            run_id=state.run_id,
            outcome="HALTED",
            details={"reason": reason},
            log_text=execlog.operator_block(action="halt", run_id=state.run_id, reason=reason),
        )

    def resume(self) -> dict[str, Any]:
        state = self.load_state()
        return self.journal.append(
            EventKind.RESUMED,
            run_id=state.run_id,
            outcome="RESUMED",
            log_text=execlog.operator_block(action="resume", run_id=state.run_id),
        )

    def abandon(self, reason: str) -> dict[str, Any]:
        state = self.load_state()
        if not state.active:
            raise Refused(str(Code.OUT_OF_ORDER), "there is no run in progress to abandon.")
        return self.journal.append(
            EventKind.ABANDONED,
            run_id=state.run_id,
            outcome="ABANDONED",
            details={"reason": reason},
            log_text=execlog.operator_block(action="abandon", run_id=state.run_id, reason=reason),
        )


def _stale() -> bool:
    raise Refused(
        str(Code.OUT_OF_ORDER),
        "the run moved while the approval was being written: run status and try again.",
    )


def _interrupted_outcome(tool: str, reason: str) -> StepOutcome:
    after = (
        "call it again once the operator has resumed the run" if "halt" in reason else f"call {tool} again"
    )
    return StepOutcome(
        checks=[
            Check(name="step ran to completion", expected=True, actual=f"stopped: {reason}", passed=False)
        ],
        summary=f"{tool} stopped at a safe point ({reason}); its open transaction was rolled back and nothing is "
        f"left half-applied. Call status, then {after} (or roll back).",
    )
