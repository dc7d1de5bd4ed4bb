"""`status`: where the run stands, read from the journal; it never changes anything."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from server.engine.locks import run_dir_lock_free
from server.runbook import TICKETS, Facts, TicketStatus, fold, soak_remaining_s
from tools.results import ApprovalModel, JournalHead, StatusResult, TicketStatusModel, TicketStatusName

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
    if read.bad_line is not None:
        warnings.append(f"journal.jsonl line {read.bad_line} is not valid JSON: run verify-log")
    state = fold(read.events)
    in_progress = any(t.status == TicketStatus.IN_PROGRESS for t in state.tickets.values())
    lock_free = run_dir_lock_free(guard.settings.run_dir) if in_progress else True
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
            interrupted=state.tickets[ticket.id].status == TicketStatus.IN_PROGRESS and lock_free,
        )
        for ticket in TICKETS
    ]
    approval = state.valid_approval()
    soak = soak_remaining_s(state, guard.clock(), guard.settings.soak_hours)
    running = next((t for t in TICKETS if state.tickets[t.id].status == TicketStatus.IN_PROGRESS), None)
    locked = (
        f"{running.describe()} is running in another call (it holds the run's lock); call status again "
        "when it has finished."
        if running is not None and not lock_free
        else None
    )
    nxt = guard.next_of(state, Facts(locked=locked))
    complete = sum(1 for t in state.tickets.values() if t.status == TicketStatus.COMPLETE)
    if nxt is None:
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
        warnings=warnings,
        summary=summary,
    )
