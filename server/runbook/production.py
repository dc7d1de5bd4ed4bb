"""Rules 4, 5 and 6 for the soak ticket, the gates before production: the soak window (on staging's
clock), staging's health over it, the operator's approval and staging drift; and the soak arithmetic."""

from __future__ import annotations

import math
from datetime import datetime

from server.runbook.decision import APPROVE_PRODUCTION, Blocker, Facts, RefusalCode, SoakHealth
from server.runbook.state import Gates, RunState, TicketStatus, parse_ts
from server.runbook.tickets import (
    SOAK_AFTER,
    SOAK_TICKET,
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
