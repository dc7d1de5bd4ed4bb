"""Health samples in the run (SPEC.md §12): taken at ticket 05's and 10's completions, at the ticket 06
gate, by `watch` and by `report`; each journaled as a `health` event (anchored on the database it
samples) with the window it closes and the triggers that window trips; the soak gate's fact for
`decide()`; and status.health and status.watch, read from the journal alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from server.errors import JournalError, NotConfigured
from server.journal import execlog, utc_now
from server.log import get_logger
from server.runbook import (
    FIRST,
    LAST,
    SOAK_AFTER,
    SOAK_TICKET,
    TICKETS,
    Env,
    EventKind,
    RunState,
    SoakHealth,
    TicketStatus,
    parse_ts,
    ticket_for,
)
from tools.lib.health import SamplePlan
from tools.lib.health_models import (
    HealthSample,
    HealthStatus,
    SampleReason,
    Trigger,
    WatchStatus,
    Window,
    WindowKind,
)
from tools.lib.triggers import SCOPES, Sampled, evaluate, window_figures, window_start
from tools.records import PreflightRecord
from tools.results import Check
from tools.step import check

if TYPE_CHECKING:
    from server.engine.guard import Guard

log = get_logger(__name__)

Event = dict[str, Any]
# The sample that opens each window, and the environment it watches.
OPENED_BY: dict[WindowKind, SampleReason] = {"soak": "soak_start", "watch": "watch_start"}
WINDOW_ENV: dict[WindowKind, Env] = {"soak": "staging", "watch": "production"}


class SampleFailed(Exception):
    """Raised when a database cannot be sampled (unreachable, or its counters cannot be read)."""


@dataclass
class Entry:
    """A journaled health sample with what it found over its window."""

    seq: int
    ts: str
    reason: SampleReason
    sample: HealthSample
    window: Window | None = None
    triggers: list[Trigger] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def sampled(self) -> Sampled:
        return Sampled(seq=self.seq, ts=self.ts, reason=self.reason, sample=self.sample)

    @property
    def tripped(self) -> list[Trigger]:
        return [t for t in self.triggers if t.tripped]


# -- reading the journal ------------------------------------------------------------------------------


def entries(events: Iterable[Event], run_id: str | None, environment: Env | None = None) -> list[Entry]:
    """The run's health samples, oldest first (an entry that does not parse is skipped with a warning)."""
    found = []
    for event in events:
        if event.get("event") != EventKind.HEALTH or run_id is None or event.get("run_id") != run_id:
            continue
        if environment is not None and event.get("environment") != environment:
            continue
        details = event.get("details") or {}
        try:
            window = Window.model_validate(details["window"]) if details.get("window") else None
            if window is not None:  # None inside the entry: that entry itself
                window.start_seq = window.start_seq or int(event["seq"])
                window.end_seq = window.end_seq or int(event["seq"])
            found.append(
                Entry(
                    seq=int(event["seq"]),
                    ts=str(event.get("ts")),
                    reason=details["reason"],
                    sample=HealthSample.model_validate(details["sample"]),
                    window=window,
                    triggers=[Trigger.model_validate(t) for t in details.get("triggers") or []],
                    warnings=[str(w) for w in details.get("warnings") or []],
                )
            )
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            log.warning("a health entry does not parse (ignored)", seq=event.get("seq"), error=str(exc)[:200])
    return found


def _started_after(events: Iterable[Event], ticket: str, after: int) -> int | None:
    for event in events:
        if (
            event.get("event") == EventKind.STARTED
            and event.get("ticket") == ticket
            and event.get("tool") != "rollback"
            and int(event["seq"]) > after
        ):
            return int(event["seq"])
    return None


def opened_at(state: RunState, kind: WindowKind) -> int | None:
    """The journal seq of the completion that opens the window (None: it is not open)."""
    ticket = state.tickets[SOAK_AFTER if kind == "soak" else LAST.id]
    return ticket.completed_seq if state.run_id is not None else None


def window_entries(
    state: RunState, events: list[Event], kind: WindowKind, watch_hours: float = 24.0
) -> list[Entry] | None:
    """The samples of the window's environment since the completion that opens it (for the soak: until
    ticket 06 starts; for the watch: while within the watch hours by the database's clock); None when the
    window is not open."""
    opened = opened_at(state, kind)
    if opened is None:
        return None
    closed = _started_after(events, SOAK_TICKET, opened) if kind == "soak" else None
    found = [
        e
        for e in entries(events, state.run_id, WINDOW_ENV[kind])
        if e.seq > opened and (closed is None or e.seq < closed)
    ]
    if kind == "watch" and found:
        start, _ = window_start([e.sampled for e in found], OPENED_BY[kind])
        found = [e for e in found if not _beyond_watch(watch_hours, found[start].sample, e.sample)]
    return found


def kind_now(state: RunState, events: list[Event], environment: Env) -> WindowKind | None:
    """The window a sample of `environment` taken now belongs to (None: neither soak nor watch)."""
    if environment == "staging" and opened_at(state, "soak") is not None:
        opened = opened_at(state, "soak")
        assert opened is not None
        if _started_after(events, SOAK_TICKET, opened) is None:
            return "soak"
    if environment == "production" and state.status(LAST.id) == TicketStatus.COMPLETE:
        return "watch"
    return None


# -- taking a sample ----------------------------------------------------------------------------------


def plan_for(
    state: RunState,
    environment: Env,
    reference: HealthSample | None,
    *,
    overhead: bool,
    exact_rows: bool = True,
) -> SamplePlan:
    records = state.records.get(FIRST.id) or []
    baseline = PreflightRecord.model_validate(records[-1]).baseline.get(environment) if records else None
    rls_ticket = ticket_for("apply_rls", environment)
    return SamplePlan(
        environment=environment,
        restaurants=tuple(baseline.restaurants) if baseline else (),
        isolation=rls_ticket is not None and state.status(rls_ticket.id) == TicketStatus.COMPLETE,
        reference=reference.menu if reference is not None else None,
        rls_overhead=overhead,
        exact_rows=exact_rows or reference is None,
        rows_reference=reference.row_counts if reference is not None else None,
    )


def record_sample(
    guard: Guard,
    environment: Env,
    reason: SampleReason,
    *,
    overhead: bool = False,
    state: RunState | None = None,
) -> Entry:
    """Sample one database now, evaluate the window it belongs to, and journal it (with its log block);
    raises SampleFailed when the database cannot be sampled."""
    state = state or guard.load_state()
    events = guard.journal.events()
    hours = watch_hours(guard, state)
    kind = kind_now(state, events, environment)
    earlier = (window_entries(state, events, kind, hours) or []) if kind else []
    start_index = window_start([e.sampled for e in earlier], OPENED_BY[kind])[0] if kind and earlier else 0
    reference = earlier[start_index].sample if earlier else None
    # every table is counted exactly where a window opens (and for the report); after that, estimates
    plan = plan_for(
        state,
        environment,
        reference,
        overhead=overhead,
        exact_rows=reason in ("soak_start", "watch_start", "report"),
    )
    try:
        sample = guard.probes.health_sample(environment, state.run_id, plan)
    except (NotConfigured, SampleFailed) as exc:
        raise SampleFailed(f"{environment} could not be sampled: {exc}") from exc
    if kind == "watch" and reference is not None and _beyond_watch(hours, reference, sample):
        kind, earlier = None, []  # the watch is over: this sample is after it
    entry = Entry(seq=0, ts=utc_now(), reason=reason, sample=sample)
    if kind is not None and (earlier or reason != OPENED_BY[kind]):
        window_samples = [*(e.sampled for e in earlier), entry.sampled]
        start, restarted = window_start(window_samples, OPENED_BY[kind])
        chosen = window_samples[start:]
        entry.window = window_figures(kind, chosen, restarted)
        entry.triggers, entry.warnings = evaluate(entry.window, chosen[0].sample, sample)
    written = guard.journal.append(
        EventKind.HEALTH,
        run_id=state.run_id,
        environment=environment,
        outcome="HEALTHY" if not entry.tripped else "TRIPPED",
        details={
            "reason": reason,
            "sample": sample.model_dump(mode="json"),
            "window": entry.window.model_dump(mode="json") if entry.window else None,
            "triggers": [t.model_dump(mode="json") for t in entry.triggers],
            "warnings": entry.warnings,
        },
        log_text=health_block(entry, state.run_id, kind),
    )
    entry.seq, entry.ts = int(written["seq"]), str(written["ts"])
    if entry.window is not None:
        entry.window.start_seq = entry.window.start_seq or entry.seq
        entry.window.end_seq = entry.seq
    return entry


def _beyond_watch(hours: float, start: HealthSample, sample: HealthSample) -> bool:
    """A sample taken after the watch window (by the database's clock; a minute's grace for the sample
    `watch` takes at the very end)."""
    elapsed = datetime.fromisoformat(sample.taken_at) - datetime.fromisoformat(start.taken_at)
    return elapsed.total_seconds() > hours * 3600 + 60


def watch_hours(guard: Guard, state: RunState) -> float:
    return guard.gates.strictest(state.pinned if state.active or state.ended else None).watch_hours


def after_completion(guard: Guard, ticket: str | None, passed: bool) -> None:
    """Ticket 05's completion starts the soak, ticket 10's the watch, each with a sample. A failed sample
    does not fail the ticket (it passed): the window then starts at its first sample (SPEC.md §12)."""
    if not passed or ticket not in (SOAK_AFTER, LAST.id):
        return
    environment: Env = "staging" if ticket == SOAK_AFTER else "production"
    try:
        record_sample(guard, environment, "soak_start" if ticket == SOAK_AFTER else "watch_start")
    except (SampleFailed, JournalError) as exc:
        log.warning("the sample that opens the window could not be taken", ticket=ticket, error=str(exc))


# -- the soak gate ------------------------------------------------------------------------------------


def soak_gate(guard: Guard, state: RunState) -> SoakHealth:
    """Rule 4's second half at ticket 06's gate: staging's health over the soak window, from its first
    sample (or the first after a reset) to a sample taken now."""
    events = guard.journal.events()
    earlier = window_entries(state, events, "soak") or []
    if earlier:
        start, restarted = window_start([e.sampled for e in earlier], OPENED_BY["soak"])
        if restarted is not None:  # a window restarted before this gate: no sample until it has run
            elapsed = guard.probes.entry_age_s(
                "staging", guard.journal.journal_id(), _event_of(events, earlier[start].seq), guard.clock()
            )
            if elapsed is None or elapsed < _soak_hours(guard, state) * 3600:
                return SoakHealth(restarted=restarted, restarted_elapsed_s=elapsed)
    try:
        entry = record_sample(guard, "staging", "soak_gate", state=state)
    except SampleFailed as exc:
        return SoakHealth(unmeasured=str(exc))
    trips = tuple(_trip_text(t) for t in entry.tripped)
    window = entry.window
    if window is not None and window.restarted is not None and window.start_seq == entry.seq:
        return SoakHealth(trips=trips, restarted=window.restarted, restarted_elapsed_s=0.0)
    return SoakHealth(trips=trips)


def _soak_hours(guard: Guard, state: RunState) -> float:
    return guard.gates.strictest(state.pinned if state.active else None).soak_hours


def _event_of(events: list[Event], seq: int) -> Event:
    return next(e for e in events if int(e["seq"]) == seq)


def _trip_text(trigger: Trigger) -> str:
    return (
        f"{trigger.trigger} {trigger.figure} (threshold {trigger.threshold}; points to: {trigger.points_to})"
    )


def soak_check(guard: Guard, state: RunState) -> Check:
    """Ticket 06's first check: the soak's figures at its gate, with the warnings of figures near a trigger
    (the gate let it run, so none tripped)."""
    last = soak_summary(guard, state)
    if last is None or last.window is None:
        return check(
            "staging's soak window: no rollback trigger tripped (SPEC.md §12)",
            [],
            [],
            warning="staging's health was not sampled over the soak (no sample in the journal)",
        )
    w = last.window
    rate = f"{w.error_rate:.2%}" if w.error_rate is not None else "not judged"
    return check(
        "staging's soak window: no rollback trigger tripped (SPEC.md §12)",
        [],
        [t.trigger for t in last.tripped],
        warning="; ".join(last.warnings) or None,
    ).model_copy(
        update={
            "actual": [t.trigger for t in last.tripped]
            or f"{w.hours:.2f} h: {w.transactions} transactions, error rate {rate}, {w.deadlocks} deadlocks",
            "passed": not last.tripped,
        }
    )


def soak_summary(guard: Guard, state: RunState | None = None) -> Entry | None:
    """The latest sample of the current soak window, with its figures and triggers (for the evidence of
    `approve production` and the report); None before any."""
    state = state or guard.load_state()
    found = window_entries(state, guard.journal.events(), "soak")
    return found[-1] if found else None


# -- the log block --------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    return execlog.escape(str(value)).replace("|", "\\|")


def rollback_call(trigger: Trigger, environment: Env, seq_hint: str) -> str:
    """The exact call a tripped trigger points to (nothing rolls back by itself)."""
    scopes = SCOPES[trigger.trigger]
    if not scopes:
        return "investigate: find and end the cause (no rollback undoes it)"
    reason = f"{trigger.trigger} tripped over the {'watch' if environment == 'production' else 'soak'} ({seq_hint})"
    calls = " or ".join(
        f'rollback(environment="{environment}", scope="{scope}", reason="{reason}")' for scope in scopes
    )
    if environment == "production" and "full" in scopes:
        calls += " (scope full first needs `menuca-migrate approve rollback --by NAME`)"
    return calls


def health_block(entry: Entry, run_id: str | None, kind: WindowKind | None) -> str:
    sample = entry.sample
    lines = [
        f"## HEALTH — {sample.environment} — {entry.reason.replace('_', ' ')}",
        f"Time: {utc_now()}",
        f"Run: {run_id or '(none)'}",
        f"Sampled: {_cell(sample.database)} at {_cell(sample.taken_at)} (database clock), {sample.duration_ms} ms",
    ]
    if entry.window is not None:
        w = entry.window
        rate = f"{w.error_rate:.2%}" if w.error_rate is not None else "not judged (< 100 transactions)"
        lines.append(
            f"Window: {w.kind} since journal seq {w.start_seq}, {w.hours:.2f} h: {w.transactions} transactions, "
            f"{w.rollbacks} rolled back (error rate {rate}), {w.deadlocks} deadlocks; this server's own "
            f"excluded: {w.own_commits} commits, {w.own_rollbacks} rollbacks"
        )
        if w.restarted:
            lines.append(f"Window restarted: {_cell(w.restarted)}")
    elif kind is not None:
        lines.append(f"Window: this sample opens the {kind}")
    if sample.menu:
        lines.append(
            "Menu family p50/p95 (ms): "
            + ", ".join(f"{name} {f.p50_ms:.2f}/{f.p95_ms:.2f}" for name, f in sample.menu.items())
        )
    if sample.activity is not None:
        a = sample.activity
        lines.append(
            f"Sessions: {a.connections} connections, {a.active} active, {a.idle_in_transaction} idle in a "
            f"transaction, {a.lock_waits} waiting on a lock; invalid indexes: "
            + (_cell(", ".join(sample.invalid_indexes)) or "none")
        )
    if entry.triggers:
        lines += [
            "Triggers:",
            "",
            "| trigger | figure | threshold | result | points to |",
            "| --- | --- | --- | --- | --- |",
        ]
        for t in entry.triggers:
            result = "TRIPPED" if t.tripped else ("warning" if t.warning else "ok")
            lines.append(
                f"| {t.trigger} | {_cell(t.figure)} | {_cell(t.threshold)} | {result} | {_cell(t.points_to)} |"
            )
        lines.append("")
    lines += [f"Warning: {_cell(w)}" for w in entry.warnings]
    if kind == "watch":
        for t in entry.tripped:
            verb = "ROLLBACK RECOMMENDED" if SCOPES[t.trigger] else "INVESTIGATE"
            lines.append(
                f"{verb}: {t.trigger} — {_cell(t.figure)} (threshold {_cell(t.threshold)}) — "
                f"{_cell(rollback_call(t, sample.environment, 'health sample at ' + sample.taken_at[:19]))}. "
                "Nothing rolls back by itself."
            )
    elif kind == "soak" and entry.tripped:
        lines.append(
            "Soak unhealthy: ticket 06 is refused SOAK_UNHEALTHY while "
            + ", ".join(t.trigger for t in entry.tripped)
            + " trips over the window."
        )
    return "\n".join(lines)


# -- status ---------------------------------------------------------------------------------------------


def latest_status(events: list[Event], state: RunState) -> HealthStatus | None:
    """status.health: the latest sample of the run and the triggers it trips (never samples). Only the
    latest entry that parses is parsed (status runs at every call of an agent's loop)."""
    last = next(
        (
            found[0]
            for event in reversed(events)
            if event.get("event") == EventKind.HEALTH and (found := entries([event], state.run_id))
        ),
        None,
    )
    if last is None:
        return None
    return HealthStatus(
        seq=last.seq,
        reason=last.reason,
        environment=last.sample.environment,
        taken_at=last.sample.taken_at,
        window=last.window,
        triggers=last.tripped,
        warnings=last.warnings,
        sample=last.sample,
    )


def watch_status(events: list[Event], state: RunState, now: datetime, hours: float) -> WatchStatus | None:
    """status.watch after ticket 10: hours left (by the journal's clock: status reads no database), whether
    any trigger tripped over the watch, and each tripped trigger (its latest figure)."""
    if state.status(LAST.id) != TicketStatus.COMPLETE or state.tickets[LAST.id].finished_at is None:
        return None
    found = window_entries(state, events, "watch", hours) or []
    began = state.tickets[LAST.id].finished_at
    if found:
        start, restarted = window_start([e.sampled for e in found], OPENED_BY["watch"])
        if restarted is not None:
            began = found[start].ts
    assert began is not None
    elapsed_h = (now - parse_ts(began)).total_seconds() / 3600
    tripped: dict[str, Trigger] = {}
    for entry in found:
        for trigger in entry.tripped:
            tripped[trigger.trigger] = trigger
    return WatchStatus(
        hours_left=round(max(hours - elapsed_h, 0.0), 3),
        healthy=not tripped,
        triggers=list(tripped.values()),
        window_hours=hours,
        started_at=began,
        samples=len(found),
    )


# -- the watch command ---------------------------------------------------------------------------------

WatchPhaseName = Literal["none", "soak", "production", "watch", "ended"]


@dataclass(frozen=True)
class WatchPhase:
    """Where the run stands for `watch`: which window is open and how long it has left (by the database's
    clock: staging's for the soak, production's for the watch)."""

    phase: WatchPhaseName
    message: str
    seconds_left: float | None = None
    window_s: float | None = None


def watch_phase(guard: Guard, state: RunState | None = None) -> WatchPhase:
    state = state or guard.load_state()
    events = guard.journal.events()
    if state.run_id is None or (state.ended and state.ended_reason != "complete"):
        return WatchPhase("none", "there is no run in progress: nothing to watch")
    if state.status(LAST.id) == TicketStatus.COMPLETE:
        hours = watch_hours(guard, state)
        start = _watch_start_event(state, events, hours)
        anchored = guard.probes.entry_age_s("production", guard.journal.journal_id(), start, guard.clock())
        # no anchor (production unreachable when it was written): the journal's clock
        age = (
            anchored if anchored is not None else (guard.clock() - parse_ts(str(start["ts"]))).total_seconds()
        )
        left = hours * 3600 - age
        if left <= 0:
            return WatchPhase("ended", f"the production watch ({hours:g} h) has ended", 0.0, hours * 3600)
        return WatchPhase(
            "watch", f"production watch ({hours:g} h after ticket {LAST.id})", left, hours * 3600
        )
    if kind_now(state, events, "staging") == "soak":
        soak_s = _soak_hours(guard, state) * 3600
        elapsed = guard.probes.soak_elapsed_s(state, guard.journal.journal_id(), guard.clock())
        soak_left = max(soak_s - elapsed, 0.0) if elapsed is not None else None
        return WatchPhase(
            "soak", f"staging soak ({soak_s / 3600:g} h after ticket {SOAK_AFTER})", soak_left, soak_s
        )
    if opened_at(state, "soak") is not None:
        return WatchPhase("production", "the production tickets are under way; the watch starts at ticket 10")
    return WatchPhase("none", f"nothing to watch yet: the soak starts when ticket {SOAK_AFTER} is COMPLETE")


def _watch_start_event(state: RunState, events: list[Event], hours: float) -> Event:
    """The entry the watch is timed from: ticket 10's completion, or the first sample after a reset."""
    opened = opened_at(state, "watch")
    found = window_entries(state, events, "watch", hours) or []
    if found:
        start, restarted = window_start([e.sampled for e in found], OPENED_BY["watch"])
        if restarted is not None:
            return _event_of(events, found[start].seq)
    assert opened is not None
    return _event_of(events, opened)


def busy(state: RunState, environment: Env) -> bool:
    """A ticket of that environment is running: `watch` leaves its database alone until it ends."""
    return any(
        t.status == TicketStatus.IN_PROGRESS and ticket.environment in (environment, "both")
        for ticket, t in ((ticket, state.tickets[ticket.id]) for ticket in TICKETS)
    )
