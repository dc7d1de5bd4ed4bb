"""The operator's actions (CLI only; no MCP tool reaches these): approvals, halt, resume, abandon.
Whether an action may be taken is the runbook's to say; this module journals it."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from server.engine.evidence import Evidence, production_evidence, rollback_evidence
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


def production_binding(guard: Guard) -> RunState:
    """The run state, when `approve production` may be given now (else Refused, exit 1)."""
    state = guard.load_state()
    binding = production_approval_binding(state)
    if isinstance(binding, Refuse):
        _raise(binding)
    return state


def approve_production(
    guard: Guard, by: str, *, interactive: bool = False, evidence: Evidence | None = None
) -> Entry:
    """Record the approval of production with the evidence the operator was shown (computed now when
    not given) and whether it was confirmed on a terminal."""

    def bound_seq(state: RunState) -> int:
        binding = production_approval_binding(state)
        if isinstance(binding, Refuse):
            _raise(binding)
        return binding

    state = guard.load_state()
    seq = bound_seq(state)
    shown = evidence or production_evidence(guard, state, interactive=interactive)

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
        details={
            "kind": "production",
            "by": by,
            "bound_to_seq": seq,
            "interactive": interactive,
            "evidence_sha256": shown.sha256,
            "evidence": shown.text,
        },
        log_text=execlog.operator_block(action="approve production", run_id=state.run_id, by=by)
        + f"\nBound to: the completion of ticket {SOAK_AFTER} (journal seq {seq})"
        + _confirmation(interactive, shown),
        precondition=still_bound,
    )


def rollback_binding(guard: Guard) -> RunState:
    """The run state, when `approve rollback` may be given now (else Refused, exit 1)."""
    state = guard.load_state()
    refusal = rollback_approval_refusal(state)
    if refusal is not None:
        _raise(refusal)
    return state


def approve_rollback(
    guard: Guard, by: str, *, interactive: bool = False, evidence: Evidence | None = None
) -> Entry:
    state = rollback_binding(guard)
    shown = evidence or rollback_evidence(guard, state, interactive=interactive)
    return guard.journal.append(
        EventKind.APPROVED,
        run_id=state.run_id,
        ticket=SOAK_TICKET,
        outcome="APPROVED",
        details={
            "kind": "rollback",
            "by": by,
            "bound_to_seq": state.head_seq,
            "interactive": interactive,
            "evidence_sha256": shown.sha256,
            "evidence": shown.text,
        },
        log_text=execlog.operator_block(
            action="approve rollback (one full production restore)", run_id=state.run_id, by=by
        )
        + _confirmation(interactive, shown),
    )


def _confirmation(interactive: bool, evidence: Evidence) -> str:
    how = (
        "confirmed on a terminal (the production database name was typed)"
        if interactive
        else "approved without a terminal (--yes)"
    )
    quoted = "\n".join(f"> {line}" if line else ">" for line in evidence.text.rstrip("\n").splitlines())
    return f"\nConfirmation: {how}\nEvidence sha256: {evidence.sha256}\nEvidence shown to the operator:\n{quoted}"


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
