"""The rules of SPEC.md §5, decided in one place: `decide(state, call, facts)` reads them top to bottom
in SPEC's precedence order over the run state and the facts the guard gathered. No I/O here."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from server.runbook.state import Gates, RunState, TicketState, TicketStatus, parse_ts
from server.runbook.tickets import (
    BACKUP_TICKET,
    DATA_WRITING_ARGS,
    FIRST,
    LAST,
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
    ticket_of,
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


def needs_drift_check(call: Call) -> bool:
    """Rule 6 is checked before the soak ticket (dry runs included)."""
    ticket = call.ticket
    return ticket is not None and ticket.id == SOAK_TICKET


def needs_soak_clock(state: RunState, call: Call) -> bool:
    """Rule 4 reads staging's clock when the soak ticket is asked for after its predecessor passed."""
    return needs_drift_check(call) and state.tickets[SOAK_AFTER].completed_seq is not None


# The gates SPEC.md §5 lists after SOAK_UNHEALTHY: when nothing before it refuses the soak ticket, its
# gate samples staging's health.
_AFTER_SOAK_UNHEALTHY = frozenset(
    {RefusalCode.APPROVAL_REQUIRED, RefusalCode.STAGING_DRIFTED, RefusalCode.LOCKED}
)


def needs_soak_health(state: RunState, call: Call, facts: Facts, gates: Gates, now: datetime) -> bool:
    """Rule 4's second half samples staging at the soak ticket's gate: once the soak clock has elapsed
    and no rule before SOAK_UNHEALTHY refuses the call."""
    if not needs_soak_clock(state, call) or facts.soak is None or facts.soak.elapsed_s is None:
        return False
    if facts.unusable or facts.tampered or replayable(state, call) is not None:
        return False
    strict = gates.strictest(state.pinned if state.active else None)
    left = soak_left_s(state, facts, now, strict.soak_hours)
    if left is not None and left > 0:
        return False
    return all(b.code in _AFTER_SOAK_UNHEALTHY for b in call_blockers(state, call, facts, gates, now))


def repinnable(state: RunState) -> bool:
    """A run whose preflight has not passed and in which no other ticket has started: its next
    preflight is still the run's first real one, so it pins the settings again (SPEC.md §3; a human
    may correct a setting that made preflight FAIL)."""
    return (
        state.active
        and state.tickets[FIRST.id].completed_seq is None
        and all(done.started_at is None for ticket_id, done in state.tickets.items() if ticket_id != FIRST.id)
    )


def pinned_gates_loosened(state: RunState, gates: Gates) -> list[str]:
    """Each way the current settings are weaker than those the run's preflight pinned (SPEC.md §3)."""
    return gates.loosened(state.pinned) if state.active and state.pinned else []


def decide(state: RunState, call: Call, facts: Facts, gates: Gates, now: datetime) -> Decision:
    """Every rule of SPEC.md §5 in its order: rule 8 first (but a journal that failed its verification
    refuses every ticket call: its recorded results cannot be trusted), then the first refusal that
    applies. A dry run refused only by the time and human gates runs, carrying them as its blockers.
    `gates` are the current settings; the stricter of them and the run's pinned ones apply."""
    if facts.unusable or facts.tampered:
        first = call_blockers(state, call, facts, gates, now)
        return Refuse(first[0].code, first[0].detail, tuple(first))
    if call.tool != "rollback":
        recorded = replayable(state, call)
        if recorded is not None:
            return Replay(recorded)
    blockers = tuple(call_blockers(state, call, facts, gates, now))
    gates = gates.strictest(state.pinned if state.active else None)
    if not blockers:
        return _run(state, call, facts, gates)
    refusing = [b for b in blockers if not (call.dry_run and b.code in DRY_RUN_PASSES)]
    if not refusing:
        return replace(_run(state, call, facts, gates), blockers=blockers)
    return Refuse(refusing[0].code, refusing[0].detail, blockers)


def call_blockers(state: RunState, call: Call, facts: Facts, gates: Gates, now: datetime) -> list[Blocker]:
    """Every rule that refuses this call now, in SPEC.md §5's precedence (rule 8 aside). Once the
    order rules refuse it, the gates of a ticket it is not at yet are not listed. `gates` are the
    current settings: compared with the pinned ones first, then the stricter of both apply."""
    if facts.unusable:
        return [Blocker(RefusalCode.NOT_CONFIGURED, f"{facts.unusable}.")]
    found: list[Blocker] = []
    if facts.config_problem and call.tool != "preflight":  # preflight reports it as a failed check
        found.append(Blocker(RefusalCode.NOT_CONFIGURED, f"{facts.config_problem}."))
    if facts.tampered:
        return [*found, _tampered_blocker(facts.tampered)]
    loosened = [] if call.tool == "preflight" and repinnable(state) else pinned_gates_loosened(state, gates)
    if loosened:
        found.append(
            Blocker(
                RefusalCode.NOT_CONFIGURED,
                f"this run's preflight pinned stricter settings: {'; '.join(loosened)}. Restore them (or "
                "abandon the run and start a new one with preflight).",
            )
        )
    gates = gates.strictest(state.pinned if state.active else None)
    halt = _halt_blocker(state)
    if halt is not None:
        found.append(halt)
    if call.tool == "rollback":
        found += _rollback_blockers(state, call, gates)
    else:
        order = _order_blocker(state, call)
        if order is not None:
            return [*found, order]
        ticket = call.ticket
        assert ticket is not None  # _order_blocker refuses a call that maps to no ticket
        if ticket.id == SOAK_TICKET and state.active:
            found += production_gates(state, gates, now, facts)
        mismatch = _data_args_blocker(state, call, gates)
        if mismatch is not None:
            found.append(mismatch)
    if facts.locked:
        found.append(Blocker(RefusalCode.LOCKED, facts.locked))
    return found


def _tampered_blocker(problem: str) -> Blocker:
    return Blocker(
        RefusalCode.JOURNAL_TAMPERED,
        f"the journal failed its verification ({problem}): no ticket call runs on it. The operator must run "
        f"`{VERIFY_LOG}`, then restore the journal or `menuca-migrate abandon --reason TEXT` (which moves it "
        "aside so that the next preflight starts a new run).",
        human_action=VERIFY_LOG,
    )


def production_gates(state: RunState, gates: Gates, now: datetime, facts: Facts) -> list[Blocker]:
    """Rules 4, 5 and 6 for the soak ticket: the soak window (on staging's clock when the guard read
    it), staging's health over it, the operator's approval, and staging drift (when the guard looked)."""
    found: list[Blocker] = []
    if facts.soak is not None and facts.soak.elapsed_s is None:
        found.append(
            Blocker(
                RefusalCode.SOAK_PENDING,
                f"the soak window cannot be measured: the completion of ticket {SOAK_AFTER} has no anchor on the "
                "staging database (see its entry's anchor_error), and the soak is never measured by a local "
                f"clock alone. Roll back staging and run tickets 02-{SOAK_AFTER} again.",
            )
        )
    left = soak_left_s(state, facts, now, gates.soak_hours)
    if facts.soak is not None and facts.soak.elapsed_s is None:
        pass  # already refused above: the window cannot be measured
    elif left is not None and left > 0:
        found.append(
            Blocker(
                RefusalCode.SOAK_PENDING,
                f"production waits for the soak window after ticket {SOAK_AFTER}: {math.ceil(left)} seconds "
                f"left (soak {gates.soak_hours:g} h); call status to watch soak_remaining_s, then call backup "
                "with environment=production.",
                seconds_left=round(left, 1),
            )
        )
    else:
        health = _soak_health_blocker(facts.soak_health, gates.soak_hours)
        if health is not None:
            found.append(health)
    if gates.require_approval and state.valid_approval() is None:
        found.append(
            Blocker(
                RefusalCode.APPROVAL_REQUIRED,
                f"production needs a human approval given after ticket {SOAK_AFTER} passed: ask the operator "
                f"to run `{APPROVE_PRODUCTION}`, then call backup with environment=production again.",
                human_action=APPROVE_PRODUCTION,
            )
        )
    if facts.drift:
        found.append(
            Blocker(
                RefusalCode.STAGING_DRIFTED,
                "staging no longer matches what its tickets left: "
                + "; ".join(facts.drift)
                + ". Repair staging (or roll it back and redo tickets 02-05), then call backup with "
                "environment=production again.",
            )
        )
    return found


def _soak_health_blocker(health: SoakHealth | None, soak_hours: float) -> Blocker | None:
    """Rule 4's second half: a restarted window must run in full; a tripped trigger refuses the soak."""
    if health is None:
        return None
    if health.unmeasured is not None:
        return Blocker(
            RefusalCode.SOAK_PENDING,
            f"staging's health over the soak window cannot be judged: {health.unmeasured}. Production waits; call "
            "backup with environment=production again once staging can be sampled.",
        )
    if health.restarted is not None:
        if health.restarted_elapsed_s is None:
            return Blocker(
                RefusalCode.SOAK_PENDING,
                f"the soak window restarted ({health.restarted}) and the sample it restarts at has no anchor on the "
                "staging database, so the soak cannot be measured; the next health sample starts it again "
                "(`menuca-migrate watch`, or call backup with environment=production again later).",
            )
        left = soak_hours * 3600 - health.restarted_elapsed_s
        if left > 0:
            return Blocker(
                RefusalCode.SOAK_PENDING,
                f"the soak window restarted: {health.restarted}. A reset cannot buy a clean window: a full soak "
                f"({soak_hours:g} h) runs from the first sample after it, {math.ceil(left)} seconds left; call "
                "status to watch it, then call backup with environment=production.",
                seconds_left=round(left, 1),
            )
    if health.trips:
        return Blocker(
            RefusalCode.SOAK_UNHEALTHY,
            "staging's health over the soak window tripped the runbook's rollback triggers: "
            + "; ".join(health.trips)
            + ". Nothing rolls back by itself: find the cause, then roll staging back as pointed and redo its "
            "tickets, or end the cause and let a new window pass (a statistics reset on staging restarts it in "
            "full); status shows the figures (health).",
        )
    return None


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
        pins=call.tool == "preflight" and (not state.active or repinnable(state)),
        resumes_interrupted=not call.dry_run and status == TicketStatus.IN_PROGRESS,
        changed_sql=changed,
    )


def _halt_blocker(state: RunState) -> Blocker | None:
    if not state.halted:
        return None
    reason = f" ({state.halt_reason})" if state.halt_reason else ""
    return Blocker(
        RefusalCode.HALTED,
        f"the operator halted the run{reason}: no mutating call runs until the operator runs "
        f"`{RESUME}`; call status to see when it is lifted.",
        human_action=RESUME,
    )


def _order_blocker(state: RunState, call: Call) -> Blocker | None:
    """Rules 1 and 2 for a ticket call."""
    ticket = call.ticket
    if ticket is None:
        return Blocker(
            RefusalCode.OUT_OF_ORDER, f"{call.tool} is not a ticket tool; call status to see what is next."
        )
    if not state.active:
        if ticket.id == FIRST.id:
            return None
        return Blocker(
            RefusalCode.OUT_OF_ORDER,
            f"{ticket.describe()} cannot run: there is no run in progress; call preflight to start one.",
        )
    failed = state.failed()
    if failed is not None and failed.id != ticket.id:
        return Blocker(
            RefusalCode.BLOCKED_BY_FAILURE,
            f"{failed.describe()} FAILED and blocks every other step: fix the cause and "
            f"{failed.how_to_call()} again, or call rollback"
            + (f" with environment={failed.environment}" if failed.environment != "both" else "")
            + "; status shows the details.",
        )
    first = state.first_not_complete()
    if first is None:
        return Blocker(RefusalCode.OUT_OF_ORDER, "the run is complete; call status for the summary.")
    if first.id != ticket.id:
        return Blocker(
            RefusalCode.OUT_OF_ORDER,
            f"{ticket.describe()} cannot run yet: {first.describe()} is {state.status(first.id)} "
            f"and comes first; {first.how_to_call()} next.",
        )
    return None


def staging_data_args(state: RunState, tool: ToolName) -> dict[str, bool] | None:
    """The data-writing arguments of staging's current passing call of `tool` (None: no such call)."""
    defaults = DATA_WRITING_ARGS.get(tool)
    staged = ticket_for(tool, "staging")
    if not defaults or staged is None:
        return None
    done = state.tickets[staged.id]
    if done.status != TicketStatus.COMPLETE:
        return None
    given = done.args or {}
    return {name: bool(given.get(name, default)) for name, default in defaults.items()}


def _shown(args: dict[str, bool]) -> str:
    return ", ".join(f"{name}={str(value).lower()}" for name, value in args.items())


def _data_args_blocker(state: RunState, call: Call, gates: Gates) -> Blocker | None:
    """Rule 5's last part: production may only write what staging wrote and the operator approved."""
    ticket = call.ticket
    if ticket is None or ticket.environment != "production" or not gates.require_approval:
        return None
    staged = staging_data_args(state, ticket.tool)
    if staged is None:
        return None
    wanted = {name: bool(dict(call.data_args).get(name, staged[name])) for name in staged}
    if wanted == staged:
        return None
    staged_ticket = ticket_of(ticket.tool, "staging")
    return Blocker(
        RefusalCode.APPROVAL_REQUIRED,
        f"{ticket.describe()} was called with {_shown(wanted)}, but staging's passing call (ticket "
        f"{staged_ticket.id}) used {_shown(staged)} and the operator's approval covered what staging did: "
        f"call {ticket.tool} with environment=production and {_shown(staged)} (next.args has them).",
    )


def _rollback_blockers(state: RunState, call: Call, gates: Gates) -> list[Blocker]:
    """Rules 2, 5 and 10 for a rollback."""
    env = call.environment
    if env is None:
        return [Blocker(RefusalCode.OUT_OF_ORDER, "rollback needs an environment.")]
    failed = state.failed()
    if failed is not None and failed.environment not in (env, "both"):
        return [
            Blocker(
                RefusalCode.BLOCKED_BY_FAILURE,
                f"{failed.describe()} FAILED: only its own re-run or a rollback of {failed.environment} may "
                f"run; call rollback with environment={failed.environment} or {failed.how_to_call()}.",
            )
        ]
    backup = BACKUP_TICKET[env]
    if state.run_id is None or (state.ended and state.ended_reason != "complete"):
        return [
            Blocker(
                RefusalCode.OUT_OF_ORDER,
                "there is no run to roll back; call status to see where things stand.",
            )
        ]
    if state.status(backup) != TicketStatus.COMPLETE:
        return [
            Blocker(
                RefusalCode.OUT_OF_ORDER,
                f"rollback on {env} needs ticket {backup} (backup of {env}) COMPLETE first; nothing of {env} "
                "has been changed by this run before it. Call status to see what is next.",
            )
        ]
    production_backup = BACKUP_TICKET["production"]
    if env == "staging" and state.status(production_backup) == TicketStatus.COMPLETE:
        return [
            Blocker(
                RefusalCode.OUT_OF_ORDER,
                f"staging can no longer be rolled back: production work has begun (ticket {production_backup} "
                "is COMPLETE); roll back production instead, with environment=production.",
            )
        ]
    if (
        env == "production"
        and call.scope == "full"
        and gates.require_approval
        and not state.rollback_approvals
    ):
        return [
            Blocker(
                RefusalCode.APPROVAL_REQUIRED,
                "a full restore of production needs a human approval: ask the operator to run "
                f"`{APPROVE_ROLLBACK}`, then call rollback again (a dry run shows the plan meanwhile).",
                human_action=APPROVE_ROLLBACK,
            )
        ]
    return []


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
    """The soak time left by staging's clock when the guard read it, else by the journal's timestamps
    (what status shows; the gate itself always reads staging's clock)."""
    if facts.soak is None or facts.soak.elapsed_s is None:
        return soak_remaining_s(state, now, soak_hours)
    if soak_remaining_s(state, now, soak_hours) is None:
        return None
    return max(soak_hours * 3600 - facts.soak.elapsed_s, 0.0)


def soak_remaining_s(state: RunState, now: datetime, soak_hours: float) -> float | None:
    """Seconds left in the soak window after the last staging ticket: None before that ticket is
    COMPLETE and once the soak ticket has started; 0 once the window has elapsed."""
    done = state.tickets[SOAK_AFTER]
    if not state.active or done.status != TicketStatus.COMPLETE or done.finished_at is None:
        return None
    if state.status(SOAK_TICKET) != TicketStatus.PENDING:
        return None
    left = soak_hours * 3600 - (now - parse_ts(done.finished_at)).total_seconds()
    return max(left, 0.0)


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


def sign_off_refusal(state: RunState) -> Refuse | None:
    """`sign-off` records a human's sign-off on a completed run: ticket 10 COMPLETE."""
    if state.run_id is None or state.status(LAST.id) != TicketStatus.COMPLETE:
        status = state.status(LAST.id) if state.run_id else "not started (no run)"
        return Refuse(
            RefusalCode.OUT_OF_ORDER,
            f"a sign-off is on a completed run: ticket {LAST.id} (validate on production) is {status}. Run "
            "`menuca-migrate status`.",
        )
    return None


def abandon_refusal(state: RunState) -> Refuse | None:
    if not state.active:
        return Refuse(RefusalCode.OUT_OF_ORDER, "there is no run in progress to abandon.")
    return None


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
        blockers.append(_tampered_blocker(facts.tampered))
    if loosened:
        blockers.append(
            Blocker(
                RefusalCode.NOT_CONFIGURED,
                f"this run's preflight pinned stricter settings: {'; '.join(loosened)}.",
            )
        )
    halt = _halt_blocker(state)
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
            f"staging's passing call of {ticket.tool} (ticket {staged_ticket.id}) used {_shown(staged)}; {because}.",
        )
    records = state.records.get(FIRST.id) or []
    advice = (records[-1].get(PREFLIGHT_ADVICE_KEY) or {}).get(ticket.id) if records else None
    if not advice or not isinstance(advice.get("args"), dict):
        return None, None
    args = {name: bool(value) for name, value in advice["args"].items() if name in defaults}
    return (args, str(advice.get("reason") or "")) if args else (None, None)
