"""`status`: where the run stands, read from the journal; it never changes anything."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from server.engine import health, progress
from server.engine.locks import run_dir_lock_free
from server.runbook import (
    BACKUP_TICKET,
    TICKETS,
    Env,
    Facts,
    RefusalCode,
    Scope,
    TicketStatus,
    soak_remaining_s,
)
from tools.results import (
    ApprovalModel,
    JournalHead,
    RollbackStatusModel,
    StatusResult,
    TicketStatusModel,
    TicketStatusName,
)

if TYPE_CHECKING:
    from server.engine.guard import Guard


def run_status(guard: Guard) -> StatusResult:
    read = guard.journal.read()
    warnings: list[str] = []
    if read.torn is not None:
        warnings.append(
            f"journal.jsonl ends with an incomplete line ({len(read.torn)} characters) that is ignored; "
            "the next call moves it to journal.torn"
        )
    # status reads no database: beside the local chain it shows what the last ticket call found (a
    # journal that disagrees with its anchors is refused at every call, so the refusal stays the last)
    tampered = guard.tampered(read=read) or _last_tamper_found(read.events)
    if tampered is not None:
        warnings.append(
            f"the journal failed its verification: {tampered}. Every ticket call is refused JOURNAL_TAMPERED "
            "until the operator runs `menuca-migrate verify-log` and restores the journal or abandons the run."
        )
    state = guard.fold(read.events)
    blocked = guard.config_block(state)
    if blocked is not None:
        warnings.append(f"preflight FAILED on the configuration: {blocked}")
    pending = state.rollback_pending if state.active else None
    in_progress = pending is not None or any(
        t.status == TicketStatus.IN_PROGRESS for t in state.tickets.values()
    )
    lock_free = run_dir_lock_free(guard.settings.run_dir) if in_progress else True
    running = progress.read(guard.settings.run_dir) if in_progress and not lock_free else None
    # a rollback is journaled under its environment's backup ticket: that row shows its interruption
    rollback_ticket = BACKUP_TICKET.get(cast(Env, pending.environment)) if pending else None
    tickets = [
        TicketStatusModel(
            ticket=ticket.id,
            tool=ticket.tool,
            environment=ticket.environment,
            status=cast(
                TicketStatusName,
                str(state.tickets[ticket.id].status if state.run_id else TicketStatus.PENDING),
            ),
            started_at=state.tickets[ticket.id].started_at,
            finished_at=state.tickets[ticket.id].finished_at,
            interrupted=lock_free
            and (state.tickets[ticket.id].status == TicketStatus.IN_PROGRESS or ticket.id == rollback_ticket),
            progress=running.progress
            if running and running.ticket == ticket.id and running.run_id == state.run_id
            else None,
        )
        for ticket in TICKETS
    ]
    approval = state.valid_approval()
    soak = soak_remaining_s(state, guard.clock(), guard.settings.soak_hours)
    busy = next((t for t in TICKETS if state.tickets[t.id].status == TicketStatus.IN_PROGRESS), None)
    locked = None
    if busy is not None and not lock_free:
        doing = running.describe() if running is not None else f"{busy.describe()} is running"
        locked = f"{doing} in another call (it holds the run's lock); call status again when it has finished."
    nxt = guard.next_of(state, Facts(locked=locked, tampered=tampered))
    complete = sum(1 for t in state.tickets.values() if t.status == TicketStatus.COMPLETE)
    if pending is not None:
        what = "was interrupted (no call is running it)" if lock_free else "is running"
        summary = (
            f"run {state.run_id}: a rollback scope={pending.scope} on {pending.environment} started at "
            f"{pending.started_at} {what}; call rollback with environment={pending.environment} and "
            f"scope={pending.scope} again before anything else."
        )
    elif nxt is None:
        summary = f"run {state.run_id} is complete: all {len(TICKETS)} tickets COMPLETE."
    else:
        block = f" (blocked by {', '.join(b.code for b in nxt.blockers)})" if nxt.blockers else ""
        summary = (
            f"{'run ' + state.run_id if state.active and state.run_id else 'no run in progress'}: "
            f"{complete} of {len(TICKETS)} tickets COMPLETE; next: {nxt.tool} on {nxt.environment} "
            f"(ticket {nxt.ticket}){block}."
        )
    return StatusResult(
        run_id=state.run_id,
        tickets=tickets,
        next=nxt,
        halted=state.halted,
        halt_reason=state.halt_reason,
        approval=ApprovalModel(
            by=approval.by,
            at=approval.at,
            interactive=approval.interactive,
            note=None if approval.interactive else "approved without a terminal",
        )
        if approval
        else None,
        soak_remaining_s=round(soak, 1) if soak is not None else None,
        journal_head=JournalHead(seq=state.head_seq, hash=state.head_hash),
        journal_ok=tampered is None,
        health=health.latest_status(read.events, state),
        watch=health.watch_status(read.events, state, guard.clock(), health.watch_hours(guard, state)),
        warnings=warnings,
        rollback=RollbackStatusModel(
            environment=cast(Env, pending.environment),
            scope=cast(Scope | None, pending.scope),
            started_at=pending.started_at,
            interrupted=lock_free,
        )
        if pending is not None
        else None,
        summary=summary,
    )


def _last_tamper_found(events: list[dict[str, object]]) -> str | None:
    for event in reversed(events):
        if event.get("event") in ("started", "passed", "failed", "rolled_back", "dry_run", "replayed"):
            return None
        if event.get("outcome") == f"REFUSED {RefusalCode.JOURNAL_TAMPERED}":
            details = event.get("details")
            message = details.get("message") if isinstance(details, dict) else None
            return str(message or "the last ticket call was refused JOURNAL_TAMPERED")
    return None
