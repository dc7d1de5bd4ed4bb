"""The guard: the only door to a step. A call goes lock → load → decide → start → run → record: it
gathers the facts, lets the runbook's `decide()` apply every rule of SPEC.md §5, journals the call,
runs the tool and records its outcome. Status and the operator's actions read the same journal."""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import NoReturn

import psycopg
from pydantic import BaseModel

from server import db
from server.engine import health, operator, progress, status
from server.engine.locks import LockHeld, run_dir_lock, run_dir_lock_free
from server.engine.probes import DatabaseProbes, Probes
from server.engine.progress import ProgressFile, Running
from server.engine.record import Attempt, UnmodelledResult, blocker_models, record_outcome
from server.engine.runtime import ProgressFn, StepRuntime
from server.errors import JournalError, NotConfigured, Refused
from server.journal import Journal, JournalRead, execlog, sidecar, utc_now
from server.log import get_logger
from server.runbook import (
    DATA_WRITING_ARGS,
    DRY_RUN_PASSES,
    ENVIRONMENTS,
    FIRST,
    SOAK_TICKET,
    Call,
    Env,
    EventKind,
    Facts,
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
    fold,
    needs_drift_check,
    needs_soak_clock,
    needs_soak_health,
    next_step,
)
from server.settings import Settings, scrub
from tools.lib.causes import Cause, cause_of
from tools.records import PreflightRecord
from tools.results import Check, Next, Progress, RollbackArgs, StatusResult, TicketResult, ToolArgs
from tools.step import StepFn, StepInterrupted, StepOutcome, check

log = get_logger(__name__)


@dataclass
class CallHooks:
    """How the MCP layer reaches a running call: progress out, cancellation in."""

    on_progress: ProgressFn | None = None
    on_runtime: Callable[[StepRuntime], None] | None = None


def new_run_id() -> str:
    return datetime.now(UTC).strftime("run-%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)


def environments_of(call: Call) -> tuple[Env, ...]:
    if call.tool == "preflight" or call.environment is None:
        return ENVIRONMENTS
    return (call.environment,)


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
        return fold(self.journal.events())

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
                return self._execute(state, call, args, decision, hooks or CallHooks(), run_id, own_pids)
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
        if isinstance(decision, Refuse):
            self._refuse(state, call, args, decision)
        model = self.result_models.get(call.tool, UnmodelledResult)
        result = sidecar.inflate(
            self.settings.run_dir, decision.ticket.result or {}, decision.ticket.sidecars
        )
        recorded = model.model_validate({**result, "replayed": True})
        recorded.next = self.next_of(state)
        self.journal.append(
            EventKind.REPLAYED,
            run_id=state.run_id,
            ticket=call.ticket_id,
            tool=call.tool,
            environment=call.environment,
            args=args.journaled(),
            outcome="REPLAYED",
        )
        return recorded

    # -- long calls (SPEC.md §14): the MCP adapter runs call() in a job and answers within the budget --

    def running_answer(self, args: ToolArgs, progress: Progress, waited_s: float) -> TicketResult:
        """The answer to a caller whose call is still working after the call budget: RUNNING, with the
        progress, `next` naming the very same call; journaled (and logged) as such."""
        call = _call_of(args)
        state = self.load_state()
        how_far = f" ({progress.done:g} of {progress.total:g})" if progress.total else ""
        doing = f": {progress.message}" if progress.message else ""
        summary = (
            f"{call.tool} is still working after {waited_s:.0f} s{how_far}{doing}. The work goes on in the "
            f"server: call {call.tool} again with the same arguments to wait for its result (other calls are "
            "refused LOCKED meanwhile; status shows its progress)."
        )
        ticket_id = call.ticket_id or FIRST.id
        model = self.result_models.get(call.tool, UnmodelledResult)
        common: dict[str, object] = {
            "run_id": state.run_id,
            "ticket": ticket_id,
            "tool": call.tool,
            "environment": call.environment or "both",
            "status": "RUNNING",
            "checks": [],
            "summary": summary,
            "next": Next(
                ticket=ticket_id,
                tool=call.tool,
                environment=call.environment or "both",
                blocked_by=None,
                args=dict(call.data_args) if call.data_args else None,
                args_reason="the same arguments as the call that is still working"
                if call.data_args
                else None,
            ),
            "replayed": False,
            "duration_ms": int(waited_s * 1000),
            "progress": progress,
        }
        if call.tool == "rollback":
            common["scope"] = call.scope
        answer = model.model_validate(common)
        with contextlib.suppress(JournalError):  # the answer stands even when the journal is not writable
            self.journal.append(
                EventKind.RUNNING,
                run_id=state.run_id,
                ticket=call.ticket_id,
                tool=call.tool,
                environment=call.environment,
                args=args.journaled(),
                outcome="RUNNING",
                details={"progress": progress.model_dump(), "waited_ms": answer.duration_ms},
                log_text=execlog.running_block(
                    ticket=call.ticket_id,
                    tool=call.tool,
                    environment=call.environment,
                    run_id=state.run_id,
                    args=args.journaled(),
                    text=summary,
                ),
            )
        return answer

    def picked_up(self, args: ToolArgs, result: TicketResult) -> TicketResult:
        """The first call after work that outlived its RUNNING answer: that work's recorded result
        (PASS, FAIL or the rollback's), replayed; nothing runs."""
        call = _call_of(args)
        state = self._receive(call, args)
        self.journal.append(
            EventKind.REPLAYED,
            run_id=state.run_id,
            ticket=call.ticket_id,
            tool=call.tool,
            environment=call.environment,
            args=args.journaled(),
            outcome="REPLAYED",
            details={"picked_up": True},
        )
        return result.model_copy(update={"replayed": True, "next": self.next_of(state)})

    def _refuse(self, state: RunState, call: Call, args: ToolArgs, refusal: Refuse) -> NoReturn:
        secrets_ = self.settings.secrets()
        blockers = [
            b.model_copy(update={"detail": scrub(b.detail, secrets_)}).model_dump(mode="json")
            for b in blocker_models(refusal.blockers)
        ]
        # `next` lists staging drift too when this call looked at it (the soak ticket's gates)
        following = self.next_of(state, Facts(drift=self._seen_drift, tampered=self._seen_tampered))
        refused = Refused(
            str(refusal.code),
            scrub(refusal.message, secrets_),
            next=following.model_dump(mode="json") if following else None,
            blockers=blockers,
        )
        with contextlib.suppress(JournalError):  # a journal that cannot be appended to still refuses
            self._journal_refusal(state, call, args, refused)
        raise refused

    def _journal_refusal(self, state: RunState, call: Call, args: ToolArgs, refused: Refused) -> None:
        self.journal.append(
            EventKind.REFUSED,
            run_id=state.run_id,
            ticket=call.ticket_id,
            tool=call.tool,
            environment=call.environment,
            args=args.journaled(),
            outcome=f"REFUSED {refused.code}",
            details={"message": refused.message, "blockers": [b["code"] for b in refused.blockers]},
            log_text=execlog.refusal_block(
                tool=call.tool,
                environment=call.environment,
                run_id=state.run_id,
                args=args.journaled(),
                text=str(refused),
            ),
        )

    def _execute(
        self,
        state: RunState,
        call: Call,
        args: ToolArgs,
        decision: Run,
        hooks: CallHooks,
        run_id: str,
        own_pids: list[int],
    ) -> TicketResult:
        ticket_id = decision.ticket_id
        if decision.resumes_interrupted:  # rule 9: the earlier server's backends end before we go on
            recovery = self.probes.end_stale_backends(environments_of(call), run_id, own_pids)
            self.journal.append(
                EventKind.INTERRUPTED,
                run_id=run_id,
                ticket=ticket_id,
                tool=call.tool,
                environment=call.environment,
                outcome="RESUMING",
                details={"previous_start": state.tickets[ticket_id].started_at, "backends": recovery},
            )
        started_at = utc_now()
        if not call.dry_run:
            self.journal.append(
                EventKind.STARTED,
                run_id=run_id,
                ticket=ticket_id,
                tool=call.tool,
                environment=call.environment,
                args=args.journaled(),
                outcome="STARTED",
                details={
                    "new_run": decision.new_run,
                    "uses_approval": decision.uses_approval,
                    "pid": os.getpid(),
                    # the gates this run is held to from now on (SPEC.md §3: pinned by its preflight)
                    **({"gates": self.gates.pinned_form()} if decision.pins else {}),
                },
                log_text=execlog.started_block(
                    ticket=ticket_id, tool=call.tool, environment=call.environment, run_id=run_id
                ),
            )
            state = self.load_state()
        runtime = StepRuntime(
            run_id=run_id,
            ticket=ticket_id,
            tool=call.tool,
            environment=call.environment or "both",
            dry_run=call.dry_run,
            settings=self.settings,
            state=state,
            is_halted=lambda: self.load_state().halted,
            required_sql_files=self.required_sql_files,
            on_progress=hooks.on_progress,
            progress_file=None
            if call.dry_run
            else _progress_file(self.settings, run_id, ticket_id, call, started_at),
        )
        if hooks.on_runtime:
            hooks.on_runtime(runtime)
        begun = time.monotonic()
        try:
            outcome, interrupted = self._run_step(call, args, decision, runtime)
        finally:
            if runtime.progress_file is not None:
                runtime.progress_file.remove()
        attempt = Attempt(
            call=call,
            args=args,
            decision=decision,
            run_id=run_id,
            started_at=started_at,
            duration_ms=int((time.monotonic() - begun) * 1000),
            interrupted=interrupted,
        )
        if call.ticket is not None and call.ticket.id == SOAK_TICKET and not call.dry_run:
            outcome.checks.insert(0, health.soak_check(self, state))  # the gate's soak figures (§6 warnings)
        model = self.result_models.get(call.tool, UnmodelledResult)
        result = record_outcome(self.journal, state, attempt, outcome, model, self.next_of)
        if not call.dry_run:  # the soak starts at 05's completion, the watch at 10's: each with a sample
            health.after_completion(self, ticket_id, result.status == "PASS" and call.tool != "rollback")
        return result

    def _run_step(
        self, call: Call, args: ToolArgs, decision: Run, runtime: StepRuntime
    ) -> tuple[StepOutcome[BaseModel], str | None]:
        """(outcome, interruption): the step's own outcome, or one that says why it stopped."""
        try:
            if decision.changed_sql:
                changed = list(decision.changed_sql)
                return StepOutcome(
                    checks=[check("SQL files unchanged since preflight pinned them", [], changed)],
                    summary=f"{len(changed)} SQL file(s) changed after preflight pinned their checksums "
                    f"({', '.join(changed[:5])}): the SQL that would run is not the SQL this run checked. Restore "
                    "them, or abandon the run (menuca-migrate abandon) and start a new one with preflight.",
                ), None
            return self.steps[call.tool](runtime, args), None
        except StepInterrupted as exc:
            return _interrupted_outcome(call.tool, exc.reason), exc.reason
        except Exception as exc:  # noqa: BLE001 - the step's top level: any error fails the ticket, never leaves it IN_PROGRESS
            if runtime.cancel_event.is_set():  # the cancelled query's error: report the cancellation itself
                reason = "cancelled by the client"
                return _interrupted_outcome(call.tool, reason), reason
            cause = cause_of(exc)
            # never the traceback: its rendering may show locals, DSNs among them
            log.warning(
                "step stopped by an error",
                tool=call.tool,
                environment=call.environment,
                cause=cause.kind,
                error=f"{type(exc).__name__}: {cause.detail}",
            )
            return _error_outcome(call, cause, self.settings.secrets()), None
        finally:
            runtime.close()

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


def _progress_file(settings: Settings, run_id: str, ticket: str, call: Call, started_at: str) -> ProgressFile:
    running = Running(
        run_id=run_id,
        ticket=ticket,
        tool=call.tool,
        environment=call.environment or "both",
        pid=os.getpid(),
        started_at=started_at,
        progress=Progress(done=0),
    )
    progress_file = ProgressFile(settings.run_dir, running)
    with contextlib.suppress(OSError):
        progress_file.update(0, None, "starting")
    return progress_file


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


def _error_outcome(call: Call, cause: Cause, secrets: list[str]) -> StepOutcome[BaseModel]:
    """A step that stopped with an error: a FAIL whose check and summary name the cause and the fix."""
    where = f" on {call.environment}" if call.environment else ""
    again = f"call {call.tool} again" + (f" with environment={call.environment}" if call.environment else "")
    if call.tool not in ("preflight", "backup", "rollback"):  # nothing of theirs to roll back
        again += f", or call rollback with environment={call.environment}"
    detail = scrub(cause.detail, secrets)
    return StepOutcome(
        checks=[
            Check(
                name="step ran without error", expected=True, actual=f"{cause.kind}: {detail}", passed=False
            )
        ],
        summary=scrub(f"{call.tool}{where} stopped: {cause.sentence(again)}.", secrets),
        actions=[f"stopped by an error ({cause.kind}): {detail}"],
    )


def _interrupted_outcome(tool: str, reason: str) -> StepOutcome[BaseModel]:
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


def _scope(args: ToolArgs) -> Scope | None:
    return args.scope if isinstance(args, RollbackArgs) else None
