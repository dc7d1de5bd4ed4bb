"""The operator's actions (CLI only; no MCP tool reaches these): approvals, halt, resume, abandon.
Whether an action may be taken is the runbook's to say; this module journals it."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from server.errors import Refused
from server.journal import execlog
from server.runbook import (
    SOAK_AFTER,
    SOAK_TICKET,
    EventKind,
    RefusalCode,
    Refuse,
    RunState,
    abandon_refusal,
    fold,
    production_approval_binding,
    rollback_approval_refusal,
)

if TYPE_CHECKING:
    from server.engine.guard import Guard

Entry = dict[str, object]


def _raise(refusal: Refuse) -> NoReturn:
    raise Refused(str(refusal.code), refusal.message)


def approve_production(guard: Guard, by: str) -> Entry:
    def bound_seq(state: RunState) -> int:
        binding = production_approval_binding(state)
        if isinstance(binding, Refuse):
            _raise(binding)
        return binding

    state = guard.load_state()
    seq = bound_seq(state)

    def still_bound(events: list[dict[str, object]]) -> None:
        if bound_seq(fold(events)) != seq:
            raise Refused(
                str(RefusalCode.OUT_OF_ORDER),
                "the run moved while the approval was being written: run status and try again.",
            )

    return guard.journal.append(
        EventKind.APPROVED,
        run_id=state.run_id,
        ticket=SOAK_TICKET,
        outcome="APPROVED",
        details={"kind": "production", "by": by, "bound_to_seq": seq},
        log_text=execlog.operator_block(action="approve production", run_id=state.run_id, by=by)
        + f"\nBound to: the completion of ticket {SOAK_AFTER} (journal seq {seq})",
        precondition=still_bound,
    )


def approve_rollback(guard: Guard, by: str) -> Entry:
    state = guard.load_state()
    refusal = rollback_approval_refusal(state)
    if refusal is not None:
        _raise(refusal)
    return guard.journal.append(
        EventKind.APPROVED,
        run_id=state.run_id,
        ticket=SOAK_TICKET,
        outcome="APPROVED",
        details={"kind": "rollback", "by": by, "bound_to_seq": state.head_seq},
        log_text=execlog.operator_block(
            action="approve rollback (one full production restore)", run_id=state.run_id, by=by
        ),
    )


def halt(guard: Guard, reason: str) -> Entry:
    state = guard.load_state()
    return guard.journal.append(
        EventKind.HALTED,
        run_id=state.run_id,
        outcome="HALTED",
        details={"reason": reason},
        log_text=execlog.operator_block(action="halt", run_id=state.run_id, reason=reason),
    )


def resume(guard: Guard) -> Entry:
    state = guard.load_state()
    return guard.journal.append(
        EventKind.RESUMED,
        run_id=state.run_id,
        outcome="RESUMED",
        log_text=execlog.operator_block(action="resume", run_id=state.run_id),
    )


def abandon(guard: Guard, reason: str) -> Entry:
    state = guard.load_state()
    refusal = abandon_refusal(state)
    if refusal is not None:
        _raise(refusal)
    return guard.journal.append(
        EventKind.ABANDONED,
        run_id=state.run_id,
        outcome="ABANDONED",
        details={"reason": reason},
        log_text=execlog.operator_block(action="abandon", run_id=state.run_id, reason=reason),
    )
