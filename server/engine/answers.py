"""The answers a call gets without its step running: a refusal (raised, journaled, with `next`), a
replay of a recorded result (rule 8), RUNNING for a call past its budget, and the pick-up of work that
outlived its RUNNING answer (SPEC.md §14)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, NoReturn

from server.engine.record import UnmodelledResult, blocker_models
from server.errors import JournalError, Refused
from server.journal import execlog, sidecar
from server.runbook import FIRST, Call, EventKind, Facts, Refuse, Replay, RunState
from server.settings import scrub
from tools.results import Next, Progress, TicketResult, ToolArgs

if TYPE_CHECKING:
    from server.engine.guard import Guard


def answer(
    guard: Guard, state: RunState, call: Call, args: ToolArgs, decision: Refuse | Replay, seen: Facts
) -> TicketResult:
    """A refusal (raised) or a replay of the recorded result (rule 8); `seen` is what the call found
    out on its way (staging drift, a journal that failed its verification), for the refusal's `next`."""
    if isinstance(decision, Refuse):
        refuse(guard, state, call, args, decision, seen)
    model = guard.result_models.get(call.tool, UnmodelledResult)
    result = sidecar.inflate(guard.settings.run_dir, decision.ticket.result or {}, decision.ticket.sidecars)
    recorded = model.model_validate({**result, "replayed": True})
    recorded.next = guard.next_of(state)
    guard.journal.append(
        EventKind.REPLAYED,
        run_id=state.run_id,
        ticket=call.ticket_id,
        tool=call.tool,
        environment=call.environment,
        args=args.journaled(),
        outcome="REPLAYED",
    )
    return recorded


def refuse(
    guard: Guard, state: RunState, call: Call, args: ToolArgs, refusal: Refuse, seen: Facts
) -> NoReturn:
    """Raise the refusal, scrubbed of secrets, with its blockers and `next`; journaled when the journal takes it."""
    secrets_ = guard.settings.secrets()
    blockers = [
        b.model_copy(update={"detail": scrub(b.detail, secrets_)}).model_dump(mode="json")
        for b in blocker_models(refusal.blockers)
    ]
    # `next` lists staging drift too when this call looked at it (the soak ticket's gates)
    following = guard.next_of(state, seen)
    refused = Refused(
        str(refusal.code),
        scrub(refusal.message, secrets_),
        next=following.model_dump(mode="json") if following else None,
        blockers=blockers,
    )
    with contextlib.suppress(JournalError):  # a journal that cannot be appended to still refuses
        _journal_refusal(guard, state, call, args, refused)
    raise refused


def _journal_refusal(guard: Guard, state: RunState, call: Call, args: ToolArgs, refused: Refused) -> None:
    guard.journal.append(
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


def running_answer(
    guard: Guard, call: Call, args: ToolArgs, progress: Progress, waited_s: float
) -> TicketResult:
    """The answer to a caller whose call is still working after the call budget: RUNNING, with the
    progress, `next` naming the very same call; journaled (and logged) as such."""
    state = guard.load_state()
    how_far = f" ({progress.done:g} of {progress.total:g})" if progress.total else ""
    doing = f": {progress.message}" if progress.message else ""
    summary = (
        f"{call.tool} is still working after {waited_s:.0f} s{how_far}{doing}. The work goes on in the "
        f"server: call {call.tool} again with the same arguments to wait for its result (other calls are "
        "refused LOCKED meanwhile; status shows its progress)."
    )
    ticket_id = call.ticket_id or FIRST.id
    model = guard.result_models.get(call.tool, UnmodelledResult)
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
            args_reason="the same arguments as the call that is still working" if call.data_args else None,
        ),
        "replayed": False,
        "duration_ms": int(waited_s * 1000),
        "progress": progress,
    }
    if call.tool == "rollback":
        common["scope"] = call.scope
    answer = model.model_validate(common)
    with contextlib.suppress(JournalError):  # the answer stands even when the journal is not writable
        guard.journal.append(
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


def picked_up(
    guard: Guard, state: RunState, call: Call, args: ToolArgs, result: TicketResult
) -> TicketResult:
    """The first call after work that outlived its RUNNING answer: that work's recorded result
    (PASS, FAIL or the rollback's), replayed; nothing runs."""
    guard.journal.append(
        EventKind.REPLAYED,
        run_id=state.run_id,
        ticket=call.ticket_id,
        tool=call.tool,
        environment=call.environment,
        args=args.journaled(),
        outcome="REPLAYED",
        details={"picked_up": True},
    )
    return result.model_copy(update={"replayed": True, "next": guard.next_of(state)})
