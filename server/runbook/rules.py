"""The rules of SPEC.md §5, decided in one place: `decide(state, call, facts)` reads them top to bottom
in SPEC's precedence order over the run state and the facts the guard gathered. No I/O here."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from server.runbook.state import Gates, RunState, TicketState, TicketStatus, parse_ts
from server.runbook.tickets import (
    BACKUP_TICKET,
    FIRST,
    SOAK_AFTER,
    SOAK_TICKET,
    Env,
    Scope,
    Ticket,
    TicketEnv,
    ToolName,
    env_tickets,
    scope_tickets,
    ticket_for,
)


class RefusalCode(StrEnum):
    """Refuse codes, in the order SPEC.md §5 reports them when several apply."""

    NOT_CONFIGURED = "NOT_CONFIGURED"
    JOURNAL_TAMPERED = "JOURNAL_TAMPERED"
    HALTED = "HALTED"
    BLOCKED_BY_FAILURE = "BLOCKED_BY_FAILURE"
    OUT_OF_ORDER = "OUT_OF_ORDER"
    SOAK_PENDING = "SOAK_PENDING"
    APPROVAL_REQUIRED = "APPROVAL_REQUIRED"
    STAGING_DRIFTED = "STAGING_DRIFTED"
    LOCKED = "LOCKED"


@dataclass(frozen=True)
class Call:
    tool: ToolName
    environment: Env | None = None
    dry_run: bool = False
    scope: Scope | None = None

    @property
    def ticket(self) -> Ticket | None:
        """The ticket the call maps to (None for rollback, which has none of its own)."""
        return None if self.tool == "rollback" else ticket_for(self.tool, self.environment)

    @property
    def ticket_id(self) -> str | None:
        """The ticket the call is journaled under (a rollback: its environment's backup ticket)."""
        if self.tool == "rollback":
            return BACKUP_TICKET[self.environment] if self.environment else None
        ticket = self.ticket
        return ticket.id if ticket else None


@dataclass(frozen=True)
class Facts:
    """What the guard found out about the world before deciding (None: not looked at)."""

    config_problem: str | None = None  # the databases cannot be used (preflight reports it instead)
    unusable: str | None = None  # the run directory or a database failed mid-call: refuses every tool
    tampered: str | None = None  # the journal failed its verification: the first problem found
    soak: SoakClock | None = None  # the soak clock read on staging (only before the soak ticket)
    drift: tuple[str, ...] | None = None
    locked: str | None = None
    changed_sql: tuple[str, ...] = ()


@dataclass(frozen=True)
class SoakClock:
    """Seconds since the soak started, on staging's clock, from the anchor of the completion it starts
    at (None: that completion has no anchor, so the soak cannot be measured)."""

    elapsed_s: float | None


@dataclass(frozen=True)
class Refuse:
    """The call may not run: the code, and one sentence that says why and what to do instead."""

    code: RefusalCode
    message: str


@dataclass(frozen=True)
class Replay:
    """Rule 8: a COMPLETE ticket's recorded result is returned again; nothing runs."""

    ticket: TicketState


@dataclass(frozen=True)
class Run:
    """The call may run. `changed_sql` non-empty: it FAILs without running, naming the files."""

    ticket_id: str
    new_run: bool = False
    resumes_interrupted: bool = False
    rollback_targets: tuple[str, ...] = ()
    uses_approval: bool = False
    changed_sql: tuple[str, ...] = ()


Decision = Refuse | Replay | Run


@dataclass(frozen=True)
class NextStep:
    ticket: str
    tool: ToolName
    environment: TicketEnv
    blocked_by: RefusalCode | None


def needs_drift_check(call: Call) -> bool:
    """Rule 6 is checked before the soak ticket (dry runs included)."""
    ticket = call.ticket
    return ticket is not None and ticket.id == SOAK_TICKET


def needs_soak_clock(state: RunState, call: Call) -> bool:
    """Rule 4 reads staging's clock when the soak ticket is asked for after its predecessor passed."""
    return needs_drift_check(call) and state.tickets[SOAK_AFTER].completed_seq is not None


def decide(state: RunState, call: Call, facts: Facts, gates: Gates, now: datetime) -> Decision:
    """Every rule of SPEC.md §5 in its order: rule 8 first (but a journal that failed its verification
    refuses every ticket call: its recorded results cannot be trusted), then the first refusal that
    applies. `gates` are the current settings; the stricter of them and the run's pinned ones apply."""
    if facts.unusable:
        return Refuse(RefusalCode.NOT_CONFIGURED, f"{facts.unusable}.")
    if facts.tampered:
        if facts.config_problem and call.tool != "preflight":
            return Refuse(RefusalCode.NOT_CONFIGURED, f"{facts.config_problem}.")
        return Refuse(
            RefusalCode.JOURNAL_TAMPERED,
            f"the journal failed its verification ({facts.tampered}): no ticket call runs on it. The operator "
            "must run `menuca-migrate verify-log`, then restore the journal or `menuca-migrate abandon --reason "
            "TEXT` (which moves it aside so that the next preflight starts a new run).",
        )
    if call.tool != "rollback":
        recorded = replayable(state, call)
        if recorded is not None:
            return Replay(recorded)
    if facts.config_problem and call.tool != "preflight":  # preflight reports it as a failed check
        return Refuse(RefusalCode.NOT_CONFIGURED, f"{facts.config_problem}.")
    loosened = gates.loosened(state.pinned) if state.active and state.pinned else []
    if loosened:
        return Refuse(
            RefusalCode.NOT_CONFIGURED,
            f"this run's preflight pinned stricter settings: {'; '.join(loosened)}. Restore them (or abandon the "
            "run and start a new one with preflight).",
        )
    gates = gates.strictest(state.pinned if state.active else None)
    refusal = _halt_rule(state) or (
        _rollback_rules(state, call, gates)
        if call.tool == "rollback"
        else _ticket_rules(state, call, facts, gates, now)
    )
    if refusal is not None:
        return refusal
    if facts.drift:
        return Refuse(
            RefusalCode.STAGING_DRIFTED,
            "staging no longer matches what its tickets left: "
            + "; ".join(facts.drift)
            + ". Repair staging (or roll it back and redo tickets 02-05), then call backup with "
            "environment=production again.",
        )
    if facts.locked:
        return Refuse(RefusalCode.LOCKED, facts.locked)
    return _run(state, call, facts, gates)


def _run(state: RunState, call: Call, facts: Facts, gates: Gates) -> Run:
    ticket_id = call.ticket_id or FIRST.id
    changed = facts.changed_sql if call.tool != "preflight" else ()
    if call.tool == "rollback":
        assert call.environment is not None and call.scope is not None  # the argument schema requires both
        return Run(
            ticket_id,
            rollback_targets=tuple(rollback_targets(state, call.environment, call.scope)),
            uses_approval=call.environment == "production"
            and call.scope == "full"
            and gates.require_approval,
            changed_sql=changed,
        )
    status = state.status(ticket_id)
    return Run(
        ticket_id,
        new_run=call.tool == "preflight" and not state.active,
        resumes_interrupted=not call.dry_run and status == TicketStatus.IN_PROGRESS,
        changed_sql=changed,
    )


def _halt_rule(state: RunState) -> Refuse | None:
    if not state.halted:
        return None
    reason = f" ({state.halt_reason})" if state.halt_reason else ""
    return Refuse(
        RefusalCode.HALTED,
        f"the operator halted the run{reason}: no mutating call runs until the operator runs "
        "`menuca-migrate resume`; call status to see when it is lifted.",
    )


def _ticket_rules(state: RunState, call: Call, facts: Facts, gates: Gates, now: datetime) -> Refuse | None:
    """Rules 1, 2, 4 and 5 for a ticket call."""
    ticket = call.ticket
    if ticket is None:
        return Refuse(
            RefusalCode.OUT_OF_ORDER, f"{call.tool} is not a ticket tool; call status to see what is next."
        )
    if not state.active:
        if ticket.id == FIRST.id:
            return None
        return Refuse(
            RefusalCode.OUT_OF_ORDER,
            f"{ticket.describe()} cannot run: there is no run in progress; call preflight to start one.",
        )
    failed = state.failed()
    if failed is not None and failed.id != ticket.id:
        return Refuse(
            RefusalCode.BLOCKED_BY_FAILURE,
            f"{failed.describe()} FAILED and blocks every other step: fix the cause and "
            f"{failed.how_to_call()} again, or call rollback"
            + (f" with environment={failed.environment}" if failed.environment != "both" else "")
            + "; status shows the details.",
        )
    first = state.first_not_complete()
    if first is None:
        return Refuse(RefusalCode.OUT_OF_ORDER, "the run is complete; call status for the summary.")
    if first.id != ticket.id:
        return Refuse(
            RefusalCode.OUT_OF_ORDER,
            f"{ticket.describe()} cannot run yet: {first.describe()} is {state.status(first.id)} "
            f"and comes first; {first.how_to_call()} next.",
        )
    if ticket.id == SOAK_TICKET:
        if facts.soak is not None and facts.soak.elapsed_s is None:
            return Refuse(
                RefusalCode.SOAK_PENDING,
                f"the soak window cannot be measured: the completion of ticket {SOAK_AFTER} has no anchor on the "
                "staging database (see its entry's anchor_error), and the soak is never measured by a local "
                f"clock alone. Roll back staging and run tickets 02-{SOAK_AFTER} again.",
            )
        left = soak_left_s(state, facts, now, gates.soak_hours)
        if left is not None:
            return Refuse(
                RefusalCode.SOAK_PENDING,
                f"production waits for the soak window after ticket {SOAK_AFTER}: {math.ceil(left)} seconds "
                f"left (soak {gates.soak_hours:g} h); call status to watch soak_remaining_s, then call backup "
                "with environment=production.",
            )
        if gates.require_approval and state.valid_approval() is None:
            return Refuse(
                RefusalCode.APPROVAL_REQUIRED,
                f"production needs a human approval given after ticket {SOAK_AFTER} passed: ask the operator "
                "to run `menuca-migrate approve production --by NAME`, then call backup with "
                "environment=production again.",
            )
    return None


def _rollback_rules(state: RunState, call: Call, gates: Gates) -> Refuse | None:
    """Rules 2, 5 and 10 for a rollback."""
    env = call.environment
    if env is None:
        return Refuse(RefusalCode.OUT_OF_ORDER, "rollback needs an environment.")
    failed = state.failed()
    if failed is not None and failed.environment not in (env, "both"):
        return Refuse(
            RefusalCode.BLOCKED_BY_FAILURE,
            f"{failed.describe()} FAILED: only its own re-run or a rollback of {failed.environment} may run; "
            f"call rollback with environment={failed.environment} or {failed.how_to_call()}.",
        )
    backup = BACKUP_TICKET[env]
    if state.run_id is None or (state.ended and state.ended_reason != "complete"):
        return Refuse(
            RefusalCode.OUT_OF_ORDER, "there is no run to roll back; call status to see where things stand."
        )
    if state.status(backup) != TicketStatus.COMPLETE:
        return Refuse(
            RefusalCode.OUT_OF_ORDER,
            f"rollback on {env} needs ticket {backup} (backup of {env}) COMPLETE first; nothing of {env} has "
            "been changed by this run before it. Call status to see what is next.",
        )
    production_backup = BACKUP_TICKET["production"]
    if env == "staging" and state.status(production_backup) == TicketStatus.COMPLETE:
        return Refuse(
            RefusalCode.OUT_OF_ORDER,
            f"staging can no longer be rolled back: production work has begun (ticket {production_backup} is "
            "COMPLETE); roll back production instead, with environment=production.",
        )
    if (
        env == "production"
        and call.scope == "full"
        and gates.require_approval
        and not state.rollback_approvals
    ):
        return Refuse(
            RefusalCode.APPROVAL_REQUIRED,
            "a full restore of production needs a human approval: ask the operator to run "
            "`menuca-migrate approve rollback --by NAME`, then call rollback again.",
        )
    return None


def replayable(state: RunState, call: Call) -> TicketState | None:
    """Rule 8: a call to a COMPLETE ticket of the current run returns its recorded result."""
    ticket = call.ticket
    if ticket is None or state.run_id is None:
        return None
    if ticket.id == FIRST.id and not state.active:
        return None  # the run has ended: this preflight starts a new run
    if state.ended and state.ended_reason != "complete":
        return None
    ticket_state = state.tickets[ticket.id]
    if ticket_state.status == TicketStatus.COMPLETE and ticket_state.result is not None:
        return ticket_state
    return None


def soak_left_s(state: RunState, facts: Facts, now: datetime, soak_hours: float) -> float | None:
    """The soak time left by staging's clock when it was read, else by the journal's timestamps."""
    if facts.soak is None or facts.soak.elapsed_s is None:
        return soak_remaining_s(state, now, soak_hours)
    left = soak_hours * 3600 - facts.soak.elapsed_s
    return left if left > 0 else None


def soak_remaining_s(state: RunState, now: datetime, soak_hours: float) -> float | None:
    """Seconds left in the soak window after the last staging ticket, or None when not soaking."""
    done = state.tickets[SOAK_AFTER]
    if not state.active or done.status != TicketStatus.COMPLETE or done.finished_at is None:
        return None
    if state.status(SOAK_TICKET) == TicketStatus.COMPLETE:
        return None
    left = soak_hours * 3600 - (now - parse_ts(done.finished_at)).total_seconds()
    return max(left, 0.0) if left > 0 else None


def rollback_targets(state: RunState, environment: Env, scope: Scope) -> list[str]:
    """Tickets a rollback returns to ROLLED_BACK: those it undoes and every later one of the
    environment that is COMPLETE, FAILED or IN_PROGRESS (else a failure would block forever)."""
    first = min(scope_tickets(environment, scope))
    touched = {TicketStatus.COMPLETE, TicketStatus.FAILED, TicketStatus.IN_PROGRESS}
    return [t.id for t in env_tickets(environment) if t.id >= first and state.status(t.id) in touched]


# -- the operator's half of rule 5 ---------------------------------------------------------------------------


def production_approval_binding(state: RunState) -> int | Refuse:
    """The journal entry an `approve production` binds to: the current completion of the soak ticket's
    predecessor; a Refuse when there is none."""
    done = state.tickets[SOAK_AFTER]
    if not state.active or done.status != TicketStatus.COMPLETE or done.completed_seq is None:
        return Refuse(
            RefusalCode.APPROVAL_REQUIRED,
            f"production can only be approved after ticket {SOAK_AFTER} (validate on staging) is COMPLETE; it is "
            f"{done.status if state.active else 'not started (no run)'}. Run `menuca-migrate status`.",
        )
    return done.completed_seq


def rollback_approval_refusal(state: RunState) -> Refuse | None:
    """`approve rollback` needs this run's production backup."""
    backup = BACKUP_TICKET["production"]
    if state.run_id is None or state.status(backup) != TicketStatus.COMPLETE:
        return Refuse(
            RefusalCode.OUT_OF_ORDER,
            f"there is no production backup in this run (ticket {backup} is not COMPLETE): nothing to restore.",
        )
    return None


def abandon_refusal(state: RunState) -> Refuse | None:
    if not state.active:
        return Refuse(RefusalCode.OUT_OF_ORDER, "there is no run in progress to abandon.")
    return None


def next_step(
    state: RunState, gates: Gates, now: datetime, *, configured: bool = True, tampered: bool = False
) -> NextStep | None:
    """What the agent should call next, and what blocks it; None when the run is complete."""
    gates = gates.strictest(state.pinned if state.active else None)
    pending = state.rollback_pending
    if state.active and pending is not None and pending.environment in BACKUP_TICKET:
        # a rollback that started and never ended (a crash): run it again before anything else
        env: Env = "staging" if pending.environment == "staging" else "production"
        first_gate = (
            RefusalCode.NOT_CONFIGURED
            if not configured
            else RefusalCode.JOURNAL_TAMPERED
            if tampered
            else RefusalCode.HALTED
            if state.halted
            else None
        )
        return NextStep(BACKUP_TICKET[env], "rollback", env, first_gate)
    if not state.active:
        if state.ended and state.ended_reason == "complete":
            return None
        first = FIRST
    else:
        nxt = state.failed() or state.first_not_complete()
        if nxt is None:
            return None
        first = nxt
    blocked: RefusalCode | None = None
    if not configured:
        blocked = RefusalCode.NOT_CONFIGURED
    elif tampered:
        blocked = RefusalCode.JOURNAL_TAMPERED
    elif state.halted:
        blocked = RefusalCode.HALTED
    elif first.id == SOAK_TICKET and state.active:
        if soak_remaining_s(state, now, gates.soak_hours) is not None:
            blocked = RefusalCode.SOAK_PENDING
        elif gates.require_approval and state.valid_approval() is None:
            blocked = RefusalCode.APPROVAL_REQUIRED
    return NextStep(first.id, first.tool, first.environment, blocked)
