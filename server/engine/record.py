"""Recording a step's outcome: the typed ticket result the agent gets, the journal event that moves the
run state (written in the same append as its EXECUTION_LOG.md block), and the refused/replayed entries."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationError

from server.engine.runtime import dump_record
from server.journal import Journal, execlog, utc_now
from server.runbook import Blocker, Call, EventKind, Run, RunState, apply_event
from tools.results import Blocker as BlockerModel
from tools.results import Check, Next, TicketResult, ToolArgs
from tools.step import StepOutcome

NextOf = Callable[[RunState], Next | None]


def blocker_models(blockers: tuple[Blocker, ...] | list[Blocker]) -> list[BlockerModel]:
    """The runbook's blockers as the agent reads them."""
    return [
        BlockerModel(
            code=str(b.code), detail=b.detail, human_action=b.human_action, seconds_left=b.seconds_left
        )
        for b in blockers
    ]


def dry_run_next(attempt: Attempt, following: Next | None) -> Next | None:
    """A dry run let past the time and human gates: `next` is the real call and what it still waits for."""
    blockers = blocker_models(attempt.decision.blockers)
    if not blockers:
        return following
    call = attempt.call
    if (
        following is not None
        and following.tool == call.tool
        and following.ticket == attempt.decision.ticket_id
    ):
        return following.model_copy(update={"blockers": blockers, "blocked_by": blockers[0].code})
    # a rollback's dry run: the same rollback, for real, once its blockers are lifted
    args = {k: v for k, v in attempt.args.journaled().items() if k != "dry_run"}
    return Next(
        ticket=attempt.decision.ticket_id,
        tool=call.tool,
        environment=call.environment or "both",
        blocked_by=blockers[0].code,
        blockers=blockers,
        args=args,
        args_reason="the arguments of this dry run, for the real call once its blockers are lifted.",
    )


class UnmodelledResult(TicketResult):
    """The result of a guard built without result models (the property tests' fake steps)."""

    model_config = ConfigDict(extra="allow")


@dataclass(frozen=True)
class Attempt:
    """One step that ran (or was stopped): what the guard decided and how it went."""

    call: Call
    args: ToolArgs
    decision: Run
    run_id: str
    started_at: str
    duration_ms: int
    interrupted: str | None


@dataclass(frozen=True)
class _Verdict:
    kind: EventKind
    outcome: str
    decision: str


def _verdict(attempt: Attempt, passed: bool) -> _Verdict:
    call = attempt.call
    if call.dry_run:
        return _Verdict(EventKind.DRY_RUN, "DRY_RUN", "DRY RUN — nothing was changed")
    if call.tool == "rollback":
        if passed:
            undone = ", ".join(attempt.decision.rollback_targets) or "no ticket"
            return _Verdict(EventKind.ROLLED_BACK, "ROLLED_BACK", f"ROLLED BACK ({undone})")
        return _Verdict(EventKind.FAILED, "FAIL", "ROLLBACK FAILED")
    if passed:
        return _Verdict(EventKind.PASSED, "PASS", "PASS — ticket COMPLETE")
    stopped = f" ({attempt.interrupted})" if attempt.interrupted else ""
    return _Verdict(EventKind.FAILED, "FAIL", f"FAIL — ticket FAILED{stopped}")


def _result(
    model: type[TicketResult], attempt: Attempt, outcome: StepOutcome[BaseModel], status: str, passed: bool
) -> tuple[TicketResult, str | None]:
    """The typed result; a result that fails its own schema is a defect of the tool: it becomes a FAIL
    with the problem as a failed check (never a pass), built from the common fields alone."""
    call = attempt.call
    common = {
        "run_id": attempt.run_id,
        "ticket": attempt.decision.ticket_id,
        "tool": call.tool,
        "environment": call.environment or "both",
        "status": status,
        "checks": outcome.checks,
        "summary": outcome.summary,
        "next": None,
        "replayed": False,
        "duration_ms": attempt.duration_ms,
        "plan": outcome.plan,
    }
    fields = outcome.fields.model_dump() if outcome.fields is not None else {}
    if call.tool == "rollback":  # what the runbook returned to ROLLED_BACK (it decided the targets)
        fields.setdefault("scope", call.scope)
        undone = passed and not call.dry_run
        fields["tickets_rolled_back"] = list(attempt.decision.rollback_targets) if undone else []
    try:
        return model.model_validate({**common, **fields}), None
    except ValidationError as exc:
        problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
        failed = Check(name="result matches its schema", expected=True, actual=problem, passed=False)
        common.update(status="FAIL" if not call.dry_run else status, checks=[*outcome.checks, failed])
        # the tool's own model when its common part validates (every tool field has a default or is
        # known from the call), so the agent still gets the result its outputSchema promises
        known = {"scope": call.scope} if call.tool == "rollback" else {}
        try:
            return model.model_validate({**common, **known}), problem
        except ValidationError:
            return TicketResult.model_validate(common), problem


def record_outcome(
    journal: Journal,
    state: RunState,
    attempt: Attempt,
    outcome: StepOutcome[BaseModel],
    model: type[TicketResult],
    next_of: NextOf,
) -> TicketResult:
    """Journal the outcome (with its log block) and return the result, whose `next` is what follows it."""
    call = attempt.call
    passed = outcome.passed and attempt.interrupted is None
    status = "DRY_RUN" if call.dry_run else ("PASS" if passed else "FAIL")
    result, problem = _result(model, attempt, outcome, status, passed)
    verdict = _verdict(attempt, passed and problem is None)
    if problem is not None and not call.dry_run:
        verdict = _Verdict(
            EventKind.FAILED, "FAIL", f"FAIL — the result did not match its schema ({problem})"
        )
    details: dict[str, object] = {"record": dump_record(outcome.record)}
    if call.tool == "rollback":
        details["tickets"] = (
            list(attempt.decision.rollback_targets) if verdict.kind == EventKind.ROLLED_BACK else []
        )
    # `next` is what follows this outcome: fold the event about to be written into a copy of the state
    after = copy.deepcopy(state)
    if not call.dry_run:
        apply_event(
            after,
            {
                "event": str(verdict.kind),
                "run_id": attempt.run_id,
                "ticket": attempt.decision.ticket_id,
                "tool": call.tool,
                "args": attempt.args.journaled(),
                "details": {**details, "result": result.model_dump(mode="json")},
                "seq": state.head_seq + 1,
                "ts": utc_now(),
            },
        )
    result.next = next_of(after)
    if call.dry_run and attempt.decision.blockers:
        result.next = dry_run_next(attempt, result.next)
        waits = ", ".join(str(b.code) for b in attempt.decision.blockers)
        result.summary = f"{result.summary.rstrip()} The real call still waits for {waits}: next.blockers says what lifts each."
    shown = result.model_dump(mode="json")
    details["result"] = shown
    args = attempt.args.journaled()
    journal.append(
        verdict.kind,
        run_id=attempt.run_id,
        ticket=attempt.decision.ticket_id,
        tool=call.tool,
        environment=call.environment,
        args=args,
        outcome=verdict.outcome,
        details=details,
        log_text=execlog.ticket_block(
            ticket=attempt.decision.ticket_id,
            tool=call.tool,
            environment=call.environment,
            run_id=attempt.run_id,
            args=args,
            result=shown,
            started_at=attempt.started_at,
            actions=outcome.actions,
            decision=verdict.decision,
            completion=verdict.kind == EventKind.PASSED and call.tool != "rollback",
            rolled_back=list(attempt.decision.rollback_targets)
            if verdict.kind == EventKind.ROLLED_BACK
            else None,
        ),
    )
    return result
