"""What `next` says: the ticket to call next with every gate it does not meet yet, and the arguments
to pass (staging's for production, or preflight's advice)."""

from __future__ import annotations

from datetime import datetime

from server.runbook.decision import Blocker, Facts, NextStep, RefusalCode
from server.runbook.production import production_gates
from server.runbook.rules import (
    halt_blocker,
    pinned_gates_loosened,
    repinnable,
    shown_args,
    staging_data_args,
    tampered_blocker,
)
from server.runbook.state import Gates, RunState
from server.runbook.tickets import (
    BACKUP_TICKET,
    DATA_WRITING_ARGS,
    FIRST,
    SOAK_TICKET,
    Env,
    Ticket,
    ticket_of,
)


def next_step(
    state: RunState,
    gates: Gates,
    now: datetime,
    *,
    configured: bool = True,
    facts: Facts | None = None,
) -> NextStep | None:
    """What the agent should call next, every gate it does not meet yet, and the arguments to pass;
    None when the run is complete. Staging drift is listed only when the guard looked (`facts`)."""
    # the current settings against the pinned ones (a run still at its first preflight pins them again)
    loosened = [] if repinnable(state) else pinned_gates_loosened(state, gates)
    gates = gates.strictest(state.pinned if state.active else None)
    facts = facts or Facts()
    blockers: list[Blocker] = []
    if not configured:
        blockers.append(
            Blocker(
                RefusalCode.NOT_CONFIGURED,
                "the databases are not configured for this run: both MENUCA_STAGING_DSN and "
                "MENUCA_PRODUCTION_DSN must be set and name two distinct databases (status and preflight say "
                "what is wrong); a human fixes the configuration and restarts the server.",
            )
        )
    if facts.tampered:
        blockers.append(tampered_blocker(facts.tampered))
    if loosened:
        blockers.append(
            Blocker(
                RefusalCode.NOT_CONFIGURED,
                f"this run's preflight pinned stricter settings: {'; '.join(loosened)}.",
            )
        )
    halt = halt_blocker(state)
    if halt is not None:
        blockers.append(halt)
    pending = state.rollback_pending
    if state.active and pending is not None and pending.environment in BACKUP_TICKET:
        # a rollback that started and never ended (a crash): run it again before anything else
        env: Env = "staging" if pending.environment == "staging" else "production"
        return NextStep(BACKUP_TICKET[env], "rollback", env, tuple(blockers))
    if not state.active:
        if state.ended and state.ended_reason == "complete":
            return None
        first = FIRST
    else:
        nxt = state.failed() or state.first_not_complete()
        if nxt is None:
            return None
        first = nxt
    if first.id == SOAK_TICKET and state.active:
        blockers += production_gates(state, gates, now, facts)
    if facts.locked:
        blockers.append(Blocker(RefusalCode.LOCKED, facts.locked))
    args, reason = suggested_args(state, first, gates)
    return NextStep(first.id, first.tool, first.environment, tuple(blockers), args, reason)


# Where preflight leaves its advice for later tickets (tools/records.py PreflightRecord.next_args):
# {ticket id: {"args": {name: value}, "reason": one sentence}}.
PREFLIGHT_ADVICE_KEY = "next_args"


def suggested_args(
    state: RunState, ticket: Ticket, gates: Gates
) -> tuple[dict[str, bool] | None, str | None]:
    """The arguments `next` suggests for a ticket, with the reason: for production, those of staging's
    passing call of the same tool when they matter; otherwise preflight's advice, when its diagnosis
    showed that the defaults cannot pass."""
    defaults = DATA_WRITING_ARGS.get(ticket.tool)
    if not defaults:
        return None, None
    if ticket.environment == "production":
        staged = staging_data_args(state, ticket.tool)
        if staged is None or staged == defaults:
            return None, None
        because = (
            "the operator's approval covered what staging did, so production must use the same"
            if gates.require_approval
            else "production holds the same data as staging"
        )
        staged_ticket = ticket_of(ticket.tool, "staging")
        return (
            staged,
            f"staging's passing call of {ticket.tool} (ticket {staged_ticket.id}) used {shown_args(staged)}; {because}.",
        )
    records = state.records.get(FIRST.id) or []
    advice = (records[-1].get(PREFLIGHT_ADVICE_KEY) or {}).get(ticket.id) if records else None
    if not advice or not isinstance(advice.get("args"), dict):
        return None, None
    args = {name: bool(value) for name, value in advice["args"].items() if name in defaults}
    return (args, str(advice.get("reason") or "")) if args else (None, None)
