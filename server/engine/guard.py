"""The guard: the only door to a step. A call goes lock → load → decide → start → run → record: it
gathers the facts, lets the runbook's `decide()` apply every rule of SPEC.md §5, journals the call,
runs the tool and records its outcome. Status and the operator's actions read the same journal."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime

import psycopg

from server import db
from server.engine import answers, health, operator, progress, status
from server.engine.execute import CallHooks as CallHooks  # where the MCP jobs and the tests import it from
from server.engine.execute import environments_of, execute
from server.engine.locks import LockHeld, run_dir_lock, run_dir_lock_free
from server.engine.probes import DatabaseProbes, Probes
from server.engine.record import blocker_models
from server.errors import JournalError, NotConfigured, Refused
from server.journal import Journal, JournalRead
from server.runbook import (
    DATA_WRITING_ARGS,
    DRY_RUN_PASSES,
    ENVIRONMENTS,
    FIRST,
    Call,
    Env,
    EventKind,
    Facts,
    Folds,
    Gates,
    Refuse,
    Replay,
    Run,
    RunState,
    Scope,
    SoakClock,
    SoakHealth,
    TicketStatus,
    decide,
    needs_drift_check,
    needs_soak_clock,
    needs_soak_health,
    next_step,
)
from server.settings import Settings
from tools.lib.causes import cause_of
from tools.records import PreflightRecord
from tools.results import Next, Progress, RollbackArgs, StatusResult, TicketResult, ToolArgs
from tools.step import StepFn


def new_run_id() -> str:
    return datetime.now(UTC).strftime("run-%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)


# One per process, shared by its guards: a fold is resumed only over the very same event objects.
_FOLDS = Folds()


class Guard:
    def __init__(
        self,
        settings: Settings,
        steps: Mapping[str, StepFn],
        probes: Probes | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        result_models: Mapping[str, type[TicketResult]] | None = None,
        required_sql_files: tuple[str, ...] = (),
    ) -> None:
        self.settings = settings
        self.steps = steps
        self.result_models = result_models or {}
        self.required_sql_files = required_sql_files
        self.probes = probes or DatabaseProbes(settings)
        self.clock = clock
        self.journal = Journal(
            settings.run_dir,
            settings.secrets(),
            clock,
            key_file=settings.journal_key_file,
            anchor=self.probes.write_anchors,
        )
        self._seen_drift: tuple[str, ...] | None = None  # what rule 6 found during the current call
        self._seen_tampered: str | None = None  # what the journal's verification found during it

    @property
    def gates(self) -> Gates:
        return self.settings.gates()

    def load_state(self) -> RunState:
        return self.fold(self.journal.events())

    def fold(self, events: list[dict[str, object]]) -> RunState:
        """The run state of `events`, resumed from the last fold when they only grew (runbook.Folds)."""
        return _FOLDS.fold(events)

    def tampered(self, environments: tuple[Env, ...] = (), read: JournalRead | None = None) -> str | None:
        """The first problem of the journal's verification: the keyed chain and the sidecars, then the
        anchors on the given databases (None: it verifies)."""
        report = self.journal.verify(read, with_log=False)
        if report.tampering:
            return report.tampering[0]
        if not environments:
            return None
        problems = self.probes.anchor_problems(self.journal.events(), self.journal.journal_id(), environments)
        return problems[0] if problems else None

    def config_block(self, state: RunState) -> str | None:
        """The configuration problem the current preflight FAILED on, while the configuration is still
        the one it failed with: only a human can fix it, so `next` says NOT_CONFIGURED."""
        ticket = state.tickets[FIRST.id]
        if not state.active or ticket.status != TicketStatus.FAILED or not ticket.record:
            return None
        record = PreflightRecord.model_validate(ticket.record)
        if record.config_problem and record.database_fingerprint == self.settings.database_fingerprint():
            return record.config_problem
        return None

    def next_of(self, state: RunState, facts: Facts | None = None) -> Next | None:
        """`next` for this state; `facts` adds what the caller found out (a held lock, a journal that
        failed its verification, staging drift)."""
        configured = bool(self.settings.staging_dsn and self.settings.production_dsn)
        configured = configured and self.config_block(state) is None
        nxt = next_step(state, self.gates, self.clock(), configured=configured, facts=facts)
        if nxt is None:
            return None
        return Next(
            ticket=nxt.ticket,
            tool=nxt.tool,
            environment=nxt.environment,
            blocked_by=str(nxt.blocked_by) if nxt.blocked_by else None,
            blockers=blocker_models(nxt.blockers),
            args=dict(nxt.args) if nxt.args is not None else None,
            args_reason=nxt.args_reason,
        )

    def status(self) -> StatusResult:
        return status.run_status(self)

    def run_lock_free(self) -> bool:
        return run_dir_lock_free(self.settings.run_dir)

    # -- a ticket or rollback call -------------------------------------------------------------------

    def call(self, args: ToolArgs, hooks: CallHooks | None = None) -> TicketResult:
        """Run one tool call under every rule of SPEC.md §5; returns its result or raises Refused."""
        self._seen_drift = self._seen_tampered = None
        call = _call_of(args)
        state = self._receive(call, args)
        first_health: SoakHealth | None = None  # staging's health over the soak: sampled once per call
        try:
            first = self._facts(state, call, locked=False)
            first_health = first.soak_health
            decision = self._decide(state, call, first)
        except psycopg.Error as exc:  # a probe's query failed (the drift check, say): never a bare error
            decision = decide(state, call, Facts(unusable=_probe_error(exc)), self.gates, self.clock())
        if not isinstance(decision, Run):
            return self._answer(state, call, args, decision)
        # a preflight that starts a run mints its id now, so every session it opens carries it
        run_id = new_run_id() if decision.new_run or state.run_id is None else state.run_id
        try:
            with self._locks(call, run_id) as own_pids:
                state = self.load_state()  # the rules again, now that nobody else can move the run
                facts = self._facts(state, call, locked=True, soak_health=first_health)
                decision = self._decide(state, call, facts)
                if not isinstance(decision, Run):
                    return self._answer(state, call, args, decision)
                return execute(self, state, call, args, decision, hooks or CallHooks(), run_id, own_pids)
        except LockHeld as held:
            running = progress.read(self.settings.run_dir)
            facts = Facts(locked=f"{held} Now: {running.describe()}." if running else str(held))
        except NotConfigured as exc:
            facts = Facts(unusable=str(exc))
        except psycopg.Error as exc:  # a probe before the step (the interrupted server's backends)
            facts = Facts(unusable=_probe_error(exc))
        # a lock another call holds, or a database gone mid-call: the first rule that applies now
        state = self.load_state()
        decision = decide(state, call, facts, self.gates, self.clock())
        assert not isinstance(decision, Run)  # a held lock or an unusable configuration always refuses
        return self._answer(state, call, args, decision)

    def _receive(self, call: Call, args: ToolArgs) -> RunState:
        try:
            state = self.load_state()
            self.journal.append(
                EventKind.RECEIVED,
                run_id=state.run_id,
                tool=call.tool,
                environment=call.environment,
                args=args.journaled(),
                ticket=call.ticket_id,
            )
        except JournalError as exc:
            raise Refused("NOT_CONFIGURED", f"{exc}.") from exc
        return self.load_state()

    def _facts(
        self, state: RunState, call: Call, *, locked: bool, soak_health: SoakHealth | None = None
    ) -> Facts:
        """What the rules need to know about the world: the configuration (before the locks), the
        journal's verification (its chain, and its anchors on the databases the call needs: its own,
        and staging before the soak ticket), the soak clock on staging and staging's health over the
        soak (sampled once per call, at the gate), and (under the locks) changed SQL."""
        needed = tuple(env for env in ENVIRONMENTS if env in environments_of(call) or needs_drift_check(call))
        soak = None
        if needs_soak_clock(state, call):
            soak = SoakClock(self.probes.soak_elapsed_s(state, self.journal.journal_id(), self.clock()))
        self._seen_tampered = self.tampered(needed)
        facts = Facts(
            config_problem=None if locked else self.probes.config_problem(environments_of(call)),
            tampered=self._seen_tampered,
            soak=soak,
            changed_sql=self._changed_sql(state) if locked else (),
        )
        if soak_health is None and needs_soak_health(state, call, facts, self.gates, self.clock()):
            soak_health = health.soak_gate(self, state)
        return replace(facts, soak_health=soak_health)

    def _decide(self, state: RunState, call: Call, facts: Facts) -> Refuse | Replay | Run:
        decision = decide(state, call, facts, self.gates, self.clock())
        if needs_drift_check(call) and _at_the_gates(decision):  # rule 6 asks the database: only then
            self._seen_drift = tuple(self.probes.staging_drift(state))
            decision = decide(state, call, replace(facts, drift=self._seen_drift), self.gates, self.clock())
        return decision

    @contextlib.contextmanager
    def _locks(self, call: Call, run_id: str) -> Iterator[list[int]]:
        """Rule 7's locks, held for the whole call (LockHeld when another call has one); yields the
        pids of the advisory lock sessions."""
        advisory = self.probes.db_locks(environments_of(call), run_id, best_effort=call.tool == "preflight")
        with run_dir_lock(self.settings.run_dir), advisory as own_pids:
            yield own_pids

    def _answer(self, state: RunState, call: Call, args: ToolArgs, decision: Refuse | Replay) -> TicketResult:
        """A refusal (raised) or a replay of the recorded result (rule 8)."""
        seen = Facts(drift=self._seen_drift, tampered=self._seen_tampered)
        return answers.answer(self, state, call, args, decision, seen)

    # -- long calls (SPEC.md §14): the MCP adapter runs call() in a job and answers within the budget --

    def running_answer(self, args: ToolArgs, progress: Progress, waited_s: float) -> TicketResult:
        """The answer to a caller whose call is still working after the call budget: RUNNING, with the
        progress, `next` naming the very same call; journaled (and logged) as such."""
        return answers.running_answer(self, _call_of(args), args, progress, waited_s)

    def picked_up(self, args: ToolArgs, result: TicketResult) -> TicketResult:
        """The first call after work that outlived its RUNNING answer: that work's recorded result
        (PASS, FAIL or the rollback's), replayed; nothing runs."""
        call = _call_of(args)
        state = self._receive(call, args)
        return answers.picked_up(self, state, call, args, result)

    def _changed_sql(self, state: RunState) -> tuple[str, ...]:
        """SQL files whose checksum differs from the one this run's preflight pinned."""
        records = state.records.get(FIRST.id) or []
        pinned = PreflightRecord.model_validate(records[-1]).sql_checksums if records else {}
        if not pinned:
            return ()
        current = db.sql_checksums()
        return tuple(sorted(name for name, digest in pinned.items() if current.get(name) != digest))

    # -- operator actions (CLI only; no MCP tool reaches these) --------------------------------------

    def approve_production(self, by: str, *, interactive: bool = False) -> dict[str, object]:
        return operator.approve_production(self, by, interactive=interactive)

    def approve_rollback(self, by: str, *, interactive: bool = False) -> dict[str, object]:
        return operator.approve_rollback(self, by, interactive=interactive)

    def sign_off(self, by: str, role: str, note: str | None = None) -> dict[str, object]:
        return operator.sign_off(self, by, role, note)

    def halt(self, reason: str) -> dict[str, object]:
        return operator.halt(self, reason)

    def resume(self) -> dict[str, object]:
        return operator.resume(self)

    def abandon(self, reason: str) -> dict[str, object]:
        return operator.abandon(self, reason)


def _probe_error(exc: psycopg.Error) -> str:
    cause = cause_of(exc)
    return f"a check the guard makes before the step failed: {cause.sentence('call again')}"


def _call_of(args: ToolArgs) -> Call:
    return Call(
        tool=args.tool,
        environment=args.environment_of,
        dry_run=args.dry_run,
        scope=_scope(args),
        data_args=tuple((name, bool(getattr(args, name))) for name in DATA_WRITING_ARGS.get(args.tool, {})),
    )


def _at_the_gates(decision: Refuse | Replay | Run) -> bool:
    """The call got past every rule before rule 6 but the time and human gates: staging drift is the
    next thing to know about (for the real call, or for a dry run's blockers)."""
    if isinstance(decision, Run):
        return True
    return isinstance(decision, Refuse) and all(
        b.code in DRY_RUN_PASSES or b.code == "LOCKED" for b in decision.blockers
    )


def _scope(args: ToolArgs) -> Scope | None:
    return args.scope if isinstance(args, RollbackArgs) else None
