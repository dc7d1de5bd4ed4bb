"""Running a call the guard let through: rule 9's recovery, the STARTED event, the step under its
runtime (progress file, interruption, errors as a FAIL) and the recording of its outcome."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel

from server.engine import health
from server.engine.progress import ProgressFile, Running
from server.engine.record import Attempt, UnmodelledResult, record_outcome
from server.engine.runtime import ProgressFn, StepRuntime
from server.journal import execlog, utc_now
from server.log import get_logger
from server.runbook import ENVIRONMENTS, SOAK_TICKET, Call, Env, EventKind, Run, RunState
from server.settings import Settings, scrub
from tools.lib.causes import Cause, cause_of
from tools.results import Check, Progress, TicketResult, ToolArgs
from tools.step import StepInterrupted, StepOutcome, check

if TYPE_CHECKING:
    from server.engine.guard import Guard

log = get_logger(__name__)


@dataclass
class CallHooks:
    """How the MCP layer reaches a running call: progress out, cancellation in."""

    on_progress: ProgressFn | None = None
    on_runtime: Callable[[StepRuntime], None] | None = None


def environments_of(call: Call) -> tuple[Env, ...]:
    if call.tool == "preflight" or call.environment is None:
        return ENVIRONMENTS
    return (call.environment,)


def execute(
    guard: Guard,
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
        recovery = guard.probes.end_stale_backends(environments_of(call), run_id, own_pids)
        guard.journal.append(
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
        guard.journal.append(
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
                **({"gates": guard.gates.pinned_form()} if decision.pins else {}),
            },
            log_text=execlog.started_block(
                ticket=ticket_id, tool=call.tool, environment=call.environment, run_id=run_id
            ),
        )
        state = guard.load_state()
    runtime = StepRuntime(
        run_id=run_id,
        ticket=ticket_id,
        tool=call.tool,
        environment=call.environment or "both",
        dry_run=call.dry_run,
        settings=guard.settings,
        state=state,
        is_halted=lambda: guard.load_state().halted,
        required_sql_files=guard.required_sql_files,
        on_progress=hooks.on_progress,
        progress_file=None
        if call.dry_run
        else _progress_file(guard.settings, run_id, ticket_id, call, started_at),
    )
    if hooks.on_runtime:
        hooks.on_runtime(runtime)
    begun = time.monotonic()
    try:
        outcome, interrupted = _run_step(guard, call, args, decision, runtime)
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
        outcome.checks.insert(0, health.soak_check(guard, state))  # the gate's soak figures (§6 warnings)
    model = guard.result_models.get(call.tool, UnmodelledResult)
    result = record_outcome(guard.journal, state, attempt, outcome, model, guard.next_of)
    if not call.dry_run:  # the soak starts at 05's completion, the watch at 10's: each with a sample
        health.after_completion(guard, ticket_id, result.status == "PASS" and call.tool != "rollback")
    return result


def _run_step(
    guard: Guard, call: Call, args: ToolArgs, decision: Run, runtime: StepRuntime
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
        return guard.steps[call.tool](runtime, args), None
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
        return _error_outcome(call, cause, guard.settings.secrets()), None
    finally:
        runtime.close()


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
