"""The rules of SPEC.md §5, decided in one place: `decide(state, call, facts)` reads them top to bottom
in SPEC's precedence order over the run state and the facts the guard gathered. No I/O here."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from server.runbook.decision import (
    APPROVE_ROLLBACK,
    DRY_RUN_PASSES,
    RESUME,
    VERIFY_LOG,
    Blocker,
    Call,
    Decision,
    Facts,
    RefusalCode,
    Refuse,
    Replay,
    Run,
)
from server.runbook.production import production_gates, soak_left_s
from server.runbook.state import Gates, RunState, TicketState, TicketStatus
from server.runbook.tickets import (
    BACKUP_TICKET,
    DATA_WRITING_ARGS,
    FIRST,
    LAST,
    SOAK_AFTER,
    SOAK_TICKET,
    Env,
    Scope,
    ToolName,
    env_tickets,
    scope_tickets,
    ticket_for,
    ticket_of,
)


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
        return [*found, tampered_blocker(facts.tampered)]
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
    halt = halt_blocker(state)
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


def tampered_blocker(problem: str) -> Blocker:
    return Blocker(
        RefusalCode.JOURNAL_TAMPERED,
        f"the journal failed its verification ({problem}): no ticket call runs on it. The operator must run "
        f"`{VERIFY_LOG}`, then restore the journal or `menuca-migrate abandon --reason TEXT` (which moves it "
        "aside so that the next preflight starts a new run).",
        human_action=VERIFY_LOG,
    )


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


def halt_blocker(state: RunState) -> Blocker | None:
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


def shown_args(args: dict[str, bool]) -> str:
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
        f"{ticket.describe()} was called with {shown_args(wanted)}, but staging's passing call (ticket "
        f"{staged_ticket.id}) used {shown_args(staged)} and the operator's approval covered what staging did: "
        f"call {ticket.tool} with environment=production and {shown_args(staged)} (next.args has them).",
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
