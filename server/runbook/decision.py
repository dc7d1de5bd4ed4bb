"""The words the rules of SPEC.md §5 speak: the call, the facts the guard gathered, refusal codes and
blockers, the decision (Refuse, Replay or Run), the next step, and the operator's commands."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from server.runbook.state import TicketState
from server.runbook.tickets import (
    BACKUP_TICKET,
    Env,
    Scope,
    Ticket,
    TicketEnv,
    ToolName,
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
    SOAK_UNHEALTHY = "SOAK_UNHEALTHY"
    APPROVAL_REQUIRED = "APPROVAL_REQUIRED"
    STAGING_DRIFTED = "STAGING_DRIFTED"
    LOCKED = "LOCKED"


# The time and human gates (SPEC.md §5): a dry run refused only by these runs and shows its plan.
DRY_RUN_PASSES: frozenset[RefusalCode] = frozenset(
    {
        RefusalCode.SOAK_PENDING,
        RefusalCode.SOAK_UNHEALTHY,
        RefusalCode.APPROVAL_REQUIRED,
        RefusalCode.STAGING_DRIFTED,
    }
)
# What the operator types to lift a gate only a human can lift (never with --yes: on a terminal the
# command asks for the production database name, and the agent must not be told how to skip that).
APPROVE_PRODUCTION = "menuca-migrate approve production --by NAME"
APPROVE_ROLLBACK = "menuca-migrate approve rollback --by NAME"
RESUME = "menuca-migrate resume"
VERIFY_LOG = "menuca-migrate verify-log"


@dataclass(frozen=True)
class Call:
    tool: ToolName
    environment: Env | None = None
    dry_run: bool = False
    scope: Scope | None = None
    # the values of the tool's data-writing arguments (DATA_WRITING_ARGS), as (name, value) pairs
    data_args: tuple[tuple[str, bool], ...] = ()

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
    soak_health: SoakHealth | None = None  # staging's health over the soak window (only at its gate)
    drift: tuple[str, ...] | None = None
    locked: str | None = None
    changed_sql: tuple[str, ...] = ()


@dataclass(frozen=True)
class SoakClock:
    """Seconds since the soak started, on staging's clock, from the anchor of the completion it starts
    at (None: that completion has no anchor, so the soak cannot be measured)."""

    elapsed_s: float | None


@dataclass(frozen=True)
class SoakHealth:
    """Staging's health over the soak window, sampled at the soak ticket's gate (SPEC.md §12): each
    tripped trigger as one sentence (its figure, threshold and the rollback it points to); or the window
    restarted (a stats reset inside it) `restarted_elapsed_s` ago on staging's clock (None: that sample
    has no anchor); or the health could not be measured at all."""

    trips: tuple[str, ...] = ()
    restarted: str | None = None
    restarted_elapsed_s: float | None = None
    unmeasured: str | None = None


@dataclass(frozen=True)
class Blocker:
    """One gate a call does not meet: its code, one sentence that says why and what to do, the exact
    operator command when only a human can lift it, and the seconds left when time lifts it."""

    code: RefusalCode
    detail: str
    human_action: str | None = None
    seconds_left: float | None = None


@dataclass(frozen=True)
class Refuse:
    """The call may not run: the code, one sentence that says why and what to do instead, and every
    gate the call does not meet (in precedence order; the code is the first that refuses it)."""

    code: RefusalCode
    message: str
    blockers: tuple[Blocker, ...] = ()


@dataclass(frozen=True)
class Replay:
    """Rule 8: a COMPLETE ticket's recorded result is returned again; nothing runs."""

    ticket: TicketState


@dataclass(frozen=True)
class Run:
    """The call may run. `changed_sql` non-empty: it FAILs without running, naming the files.
    `blockers` non-empty: a dry run let past the time and human gates; the real call still waits."""

    ticket_id: str
    new_run: bool = False
    pins: bool = (
        False  # a preflight that (re)pins the gate settings: a new run, or one nothing has run in yet
    )
    resumes_interrupted: bool = False
    rollback_targets: tuple[str, ...] = ()
    uses_approval: bool = False
    changed_sql: tuple[str, ...] = ()
    blockers: tuple[Blocker, ...] = ()


Decision = Refuse | Replay | Run


@dataclass(frozen=True)
class NextStep:
    """What to call next: the ticket, every gate it does not meet yet, and the arguments to pass."""

    ticket: str
    tool: ToolName
    environment: TicketEnv
    blockers: tuple[Blocker, ...] = ()
    args: dict[str, bool] | None = None
    args_reason: str | None = None

    @property
    def blocked_by(self) -> RefusalCode | None:
        return self.blockers[0].code if self.blockers else None
