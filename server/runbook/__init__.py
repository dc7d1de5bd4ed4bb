"""The runbook: the ticket table, ticket statuses, the run state folded from journal events, and the
pure rules that decide whether a call may run (SPEC.md §5). No I/O here: the guard supplies the
journal's events, the clock and the settings, and the property tests drive it with fakes."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

Env = Literal["staging", "production"]
TicketEnv = Literal["staging", "production", "both"]
Scope = Literal["indexes", "rls", "combos", "full"]


class TicketStatus(StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    ROLLED_BACK = "ROLLED_BACK"


class EventKind(StrEnum):
    """The closed set of journal events (SPEC.md §7)."""

    RECEIVED = "received"
    REFUSED = "refused"
    STARTED = "started"
    PASSED = "passed"
    FAILED = "failed"
    DRY_RUN = "dry_run"
    REPLAYED = "replayed"
    INTERRUPTED = "interrupted"
    ROLLED_BACK = "rolled_back"
    HALTED = "halted"
    RESUMED = "resumed"
    APPROVED = "approved"
    ABANDONED = "abandoned"
    JOURNAL_REPAIRED = "journal_repaired"


class Code(StrEnum):
    """Refusal codes, in the order SPEC.md §5 reports them when several apply."""

    NOT_CONFIGURED = "NOT_CONFIGURED"
    HALTED = "HALTED"
    BLOCKED_BY_FAILURE = "BLOCKED_BY_FAILURE"
    OUT_OF_ORDER = "OUT_OF_ORDER"
    SOAK_PENDING = "SOAK_PENDING"
    APPROVAL_REQUIRED = "APPROVAL_REQUIRED"
    STAGING_DRIFTED = "STAGING_DRIFTED"
    LOCKED = "LOCKED"


@dataclass(frozen=True)
class Ticket:
    id: str
    tool: str
    environment: TicketEnv
    slug: str

    @property
    def filename(self) -> str:
        return f"{self.id}_{self.slug}.md"

    def describe(self) -> str:
        return f"ticket {self.id} ({self.tool} on {self.environment})"

    def how_to_call(self) -> str:
        if self.environment == "both":
            return f"call {self.tool}"
        return f"call {self.tool} with environment={self.environment}"


# The runbook, top to bottom: the only place the order of the work is written down.
TICKETS: tuple[Ticket, ...] = (
    Ticket("00", "preflight", "both", "PRE_FLIGHT_CHECK"),
    Ticket("01", "backup", "staging", "STAGING_BACKUP"),
    Ticket("02", "apply_indexes", "staging", "STAGING_INDEXES"),
    Ticket("03", "apply_rls", "staging", "STAGING_RLS"),
    Ticket("04", "fix_combos", "staging", "STAGING_COMBOS"),
    Ticket("05", "validate", "staging", "STAGING_VALIDATION"),
    Ticket("06", "backup", "production", "PRODUCTION_BACKUP"),
    Ticket("07", "apply_indexes", "production", "PRODUCTION_INDEXES"),
    Ticket("08", "apply_rls", "production", "PRODUCTION_RLS"),
    Ticket("09", "fix_combos", "production", "PRODUCTION_COMBOS"),
    Ticket("10", "validate", "production", "PRODUCTION_VALIDATION"),
)
BY_ID: dict[str, Ticket] = {t.id: t for t in TICKETS}
TICKET_TOOLS = ("preflight", "backup", "apply_indexes", "apply_rls", "fix_combos", "validate")
MUTATING_TOOLS = (*TICKET_TOOLS, "rollback")
SOAK_TICKET = "06"
SOAK_AFTER = "05"
BACKUP_TICKET: dict[Env, str] = {"staging": "01", "production": "06"}
SCOPE_TICKETS: dict[Env, dict[Scope, tuple[str, ...]]] = {
    "staging": {"indexes": ("02",), "rls": ("03",), "combos": ("04",), "full": ("02", "03", "04", "05")},
    "production": {"indexes": ("07",), "rls": ("08",), "combos": ("09",), "full": ("07", "08", "09", "10")},
}


def ticket_for(tool: str, environment: str | None) -> Ticket | None:
    """The ticket a call maps to (preflight is ticket 00 whatever the environment)."""
    for ticket in TICKETS:
        if ticket.tool == tool and (ticket.environment == "both" or ticket.environment == environment):
            return ticket
    return None


def env_tickets(environment: Env) -> list[Ticket]:
    return [t for t in TICKETS if t.environment == environment]


# -- state -------------------------------------------------------------------------------------------


@dataclass
class TicketState:
    status: TicketStatus = TicketStatus.PENDING
    started_at: str | None = None
    finished_at: str | None = None
    result: dict[str, Any] | None = None
    record: dict[str, Any] | None = None
    completed_seq: int | None = None
    attempts: int = 0


@dataclass
class Approval:
    by: str
    at: str
    seq: int
    bound_to_seq: int


@dataclass
class RunState:
    """Where the run stands, derived from the journal alone (nothing is cached across calls)."""

    run_id: str | None = None
    ended: bool = False
    ended_reason: str | None = None
    tickets: dict[str, TicketState] = field(default_factory=lambda: {t.id: TicketState() for t in TICKETS})
    halted: bool = False
    halt_reason: str | None = None
    approval: Approval | None = None
    rollback_approvals: list[Approval] = field(default_factory=list)
    head_seq: int = 0
    head_hash: str | None = None
    # records of earlier tickets (baselines, snapshots, created objects) keyed by ticket id; every
    # attempt's record is kept so a rollback can undo work of a ticket that failed or was interrupted
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def status(self, ticket_id: str) -> TicketStatus:
        return self.tickets[ticket_id].status

    @property
    def active(self) -> bool:
        return self.run_id is not None and not self.ended

    def first_not_complete(self) -> Ticket | None:
        for ticket in TICKETS:
            if self.status(ticket.id) != TicketStatus.COMPLETE:
                return ticket
        return None

    def failed(self) -> Ticket | None:
        for ticket in TICKETS:
            if self.status(ticket.id) == TicketStatus.FAILED:
                return ticket
        return None

    def valid_approval(self) -> Approval | None:
        done = self.tickets[SOAK_AFTER]
        if (
            self.approval
            and done.status == TicketStatus.COMPLETE
            and self.approval.bound_to_seq == done.completed_seq
        ):
            return self.approval
        return None


def fold(events: Iterable[Mapping[str, Any]]) -> RunState:
    """Replay journal events into the run state."""
    state = RunState()
    for event in events:
        apply_event(state, event)
    return state


def apply_event(state: RunState, event: Mapping[str, Any]) -> None:
    kind = event.get("event")
    ticket_id = event.get("ticket")
    run_id = event.get("run_id")
    details: Mapping[str, Any] = event.get("details") or {}
    state.head_seq = int(event.get("seq", state.head_seq))
    state.head_hash = event.get("hash", state.head_hash)

    if kind == EventKind.STARTED and details.get("new_run"):
        fresh = RunState(halted=state.halted, halt_reason=state.halt_reason)
        fresh.head_seq, fresh.head_hash = state.head_seq, state.head_hash
        state.__dict__.update(fresh.__dict__)
        state.run_id = run_id
    if kind in (EventKind.HALTED, EventKind.RESUMED):
        state.halted = kind == EventKind.HALTED
        state.halt_reason = details.get("reason") if state.halted else None
        return
    if kind == EventKind.JOURNAL_REPAIRED:
        return
    if run_id is None or run_id != state.run_id:
        return  # an event of an earlier run, or a refusal before any run
    if kind == EventKind.ABANDONED:
        state.ended, state.ended_reason = True, str(details.get("reason", "abandoned"))
        return
    if kind == EventKind.APPROVED:
        approval = Approval(
            by=str(details.get("by")),
            at=str(event.get("ts")),
            seq=int(event["seq"]),
            bound_to_seq=int(details.get("bound_to_seq") or 0),
        )
        if details.get("kind") == "rollback":
            state.rollback_approvals.append(approval)
        else:
            state.approval = approval
        return
    if ticket_id is None or ticket_id not in state.tickets:
        return
    ticket = state.tickets[ticket_id]
    if kind == EventKind.STARTED and event.get("tool") != "rollback":
        ticket.status = TicketStatus.IN_PROGRESS
        ticket.started_at = event.get("ts")
        ticket.finished_at = None
        ticket.attempts += 1
    elif kind == EventKind.STARTED and event.get("tool") == "rollback" and details.get("uses_approval"):
        if state.rollback_approvals:
            state.rollback_approvals.pop(0)
    elif kind in (EventKind.PASSED, EventKind.FAILED) and event.get("tool") != "rollback":
        ticket.status = TicketStatus.COMPLETE if kind == EventKind.PASSED else TicketStatus.FAILED
        ticket.finished_at = event.get("ts")
        ticket.result = details.get("result")
        ticket.record = details.get("record")
        ticket.completed_seq = int(event["seq"]) if kind == EventKind.PASSED else None
        if details.get("record") is not None:
            state.records.setdefault(ticket_id, []).append(details["record"])
    elif kind == EventKind.ROLLED_BACK:
        for undone in details.get("tickets", []):
            if undone in state.tickets:
                state.tickets[undone].status = TicketStatus.ROLLED_BACK
                state.tickets[undone].completed_seq = None
        if details.get("record") is not None:
            state.records.setdefault(ticket_id, []).append(details["record"])
    if state.status(TICKETS[-1].id) == TicketStatus.COMPLETE:
        state.ended, state.ended_reason = True, "complete"
    elif state.ended_reason == "complete":
        state.ended, state.ended_reason = False, None  # a production rollback after the end reopens it


# -- decisions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    tool: str
    environment: Env | None = None
    dry_run: bool = False
    scope: Scope | None = None


@dataclass(frozen=True)
class Refusal:
    code: Code
    message: str


@dataclass(frozen=True)
class NextStep:
    ticket: str
    tool: str
    environment: TicketEnv
    blocked_by: Code | None


def parse_ts(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def soak_remaining_s(state: RunState, now: datetime, soak_hours: float) -> float | None:
    """Seconds left in the soak window after ticket 05, or None when not soaking."""
    done = state.tickets[SOAK_AFTER]
    if not state.active or done.status != TicketStatus.COMPLETE or done.finished_at is None:
        return None
    if state.status(SOAK_TICKET) == TicketStatus.COMPLETE:
        return None
    left = soak_hours * 3600 - (now - parse_ts(done.finished_at)).total_seconds()
    return max(left, 0.0) if left > 0 else None


def replayable(state: RunState, call: Call) -> TicketState | None:
    """Rule 8: a call to a COMPLETE ticket of the current run returns its recorded result."""
    ticket = ticket_for(call.tool, call.environment)
    if ticket is None or state.run_id is None:
        return None
    if ticket.id == "00" and not state.active:
        return None  # the run has ended: this preflight starts a new run
    if state.ended and state.ended_reason != "complete":
        return None
    ticket_state = state.tickets[ticket.id]
    if ticket_state.status == TicketStatus.COMPLETE and ticket_state.result is not None:
        return ticket_state
    return None


def check_rules(
    state: RunState,
    call: Call,
    *,
    now: datetime,
    soak_hours: float,
    require_approval: bool,
) -> Refusal | None:
    """Rules 2-5 and 10 (HALTED … APPROVAL_REQUIRED), first refusal in SPEC.md's order; None = allowed."""
    if state.halted:
        reason = f" ({state.halt_reason})" if state.halt_reason else ""
        return Refusal(
            Code.HALTED,
            f"the operator halted the run{reason}: no mutating call runs until the operator runs "
            "`menuca-migrate resume`; call status to see when it is lifted.",
        )
    if call.tool == "rollback":
        return _rollback_rules(state, call, require_approval=require_approval)
    ticket = ticket_for(call.tool, call.environment)
    if ticket is None:
        return Refusal(
            Code.OUT_OF_ORDER, f"{call.tool} is not a ticket tool; call status to see what is next."
        )
    if not state.active:
        if ticket.id == "00":
            return None
        return Refusal(
            Code.OUT_OF_ORDER,
            f"{ticket.describe()} cannot run: there is no run in progress; call preflight to start one.",
        )
    failed = state.failed()
    if failed is not None and failed.id != ticket.id:
        return Refusal(
            Code.BLOCKED_BY_FAILURE,
            f"{failed.describe()} FAILED and blocks every other step: fix the cause and "
            f"{failed.how_to_call()} again, or call rollback"
            + (f" with environment={failed.environment}" if failed.environment != "both" else "")
            + "; status shows the details.",
        )
    first = state.first_not_complete()
    if first is None or first.id != ticket.id:
        if first is None:
            return Refusal(Code.OUT_OF_ORDER, "the run is complete; call status for the summary.")
        return Refusal(
            Code.OUT_OF_ORDER,
            f"{ticket.describe()} cannot run yet: {first.describe()} is {state.status(first.id)} "
            f"and comes first; {first.how_to_call()} next.",
        )
    if ticket.id == SOAK_TICKET:
        left = soak_remaining_s(state, now, soak_hours)
        if left is not None:
            return Refusal(
                Code.SOAK_PENDING,
                f"production waits for the soak window after ticket 05: {math.ceil(left)} seconds left "
                f"(soak {soak_hours:g} h); call status to watch soak_remaining_s, then call backup "
                "with environment=production.",
            )
        if require_approval and state.valid_approval() is None:
            return Refusal(
                Code.APPROVAL_REQUIRED,
                "production needs a human approval given after ticket 05 passed: ask the operator to "
                "run `menuca-migrate approve production --by NAME`, then call backup with "
                "environment=production again.",
            )
    return None


def _rollback_rules(state: RunState, call: Call, *, require_approval: bool) -> Refusal | None:
    env = call.environment
    if env is None:
        return Refusal(Code.OUT_OF_ORDER, "rollback needs an environment.")
    failed = state.failed()
    if failed is not None and failed.environment not in (env, "both"):
        return Refusal(
            Code.BLOCKED_BY_FAILURE,
            f"{failed.describe()} FAILED: only its own re-run or a rollback of {failed.environment} may run; "
            f"call rollback with environment={failed.environment} or {failed.how_to_call()}.",
        )
    backup = BACKUP_TICKET[env]
    if state.run_id is None or (state.ended and state.ended_reason != "complete"):
        return Refusal(
            Code.OUT_OF_ORDER, "there is no run to roll back; call status to see where things stand."
        )
    if state.status(backup) != TicketStatus.COMPLETE:
        return Refusal(
            Code.OUT_OF_ORDER,
            f"rollback on {env} needs ticket {backup} (backup of {env}) COMPLETE first; nothing of {env} has "
            "been changed by this run before it. Call status to see what is next.",
        )
    if env == "staging" and state.status(BACKUP_TICKET["production"]) == TicketStatus.COMPLETE:
        return Refusal(
            Code.OUT_OF_ORDER,
            "staging can no longer be rolled back: production work has begun (ticket 06 is COMPLETE); "
            "roll back production instead, with environment=production.",
        )
    if env == "production" and call.scope == "full" and require_approval and not state.rollback_approvals:
        return Refusal(
            Code.APPROVAL_REQUIRED,
            "a full restore of production needs a human approval: ask the operator to run "
            "`menuca-migrate approve rollback --by NAME`, then call rollback again.",
        )
    return None


def rollback_targets(state: RunState, environment: Env, scope: Scope) -> list[str]:
    """Tickets a rollback returns to ROLLED_BACK: those it undoes and every later one of the
    environment that is COMPLETE, FAILED or IN_PROGRESS (else a failure would block forever)."""
    first = min(SCOPE_TICKETS[environment][scope])
    touched = {TicketStatus.COMPLETE, TicketStatus.FAILED, TicketStatus.IN_PROGRESS}
    return [t.id for t in env_tickets(environment) if t.id >= first and state.status(t.id) in touched]


def next_step(
    state: RunState,
    *,
    now: datetime,
    soak_hours: float,
    require_approval: bool,
    configured: bool = True,
) -> NextStep | None:
    """What the agent should call next, and what blocks it; None when the run is complete."""
    if not state.active:
        if state.ended and state.ended_reason == "complete":
            return None
        first = TICKETS[0]
    else:
        failed = state.failed()
        nxt = failed or state.first_not_complete()
        if nxt is None:
            return None
        first = nxt
    blocked: Code | None = None
    if not configured:
        blocked = Code.NOT_CONFIGURED
    elif state.halted:
        blocked = Code.HALTED
    elif first.id == SOAK_TICKET and state.active:
        if soak_remaining_s(state, now, soak_hours) is not None:
            blocked = Code.SOAK_PENDING
        elif require_approval and state.valid_approval() is None:
            blocked = Code.APPROVAL_REQUIRED
    return NextStep(first.id, first.tool, first.environment, blocked)
