"""Windows and the runbook's rollback triggers (SPEC.md §12), pure: a window's figures are differences of
cumulative counters between two journaled samples, less the transactions this server's own sessions
ran; a stats reset inside a window restarts it; noise floors keep a quiet or tiny database from
tripping by chance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.runbook import Env
from tools.lib.health_models import (
    HealthSample,
    QueryFigure,
    SampleReason,
    Trigger,
    TriggerName,
    Window,
    WindowKind,
)

ERROR_RATE_TRIP = 0.05
ERROR_RATE_WARN = 0.01
MIN_TRANSACTIONS = 100  # below this the error rate is not judged
SLOWER_FACTOR = 1.5  # "performance degraded > 50 %"
SLOWER_SLACK_MS = 1.0
NEAR_FACTOR = 1.25  # a warning: the rule apply_indexes and validate gate on
P95_FACTOR = 2.0  # the rollback guide's "P95 > 2 × baseline": a warning
MIN_RUNS = 7
ORPHAN_TRIP = 0.05
ORPHAN_WARN = 0.01
ROW_LOSS = 0.01
IDLE_LIMIT_S = 300
CACHE_HIT_WARN = 0.95
MIN_BLOCKS = 1000  # below this the cache hit ratio is not judged
CONNECTIONS_WARN = 100
ACTIVE_WARN = 50

# What each trigger points to (SPEC.md §12): the rollback scopes to consider, in order; none for the
# triggers whose cause is found and ended by a human, not undone.
SCOPES: dict[TriggerName, tuple[str, ...]] = {
    "error_rate": ("full",),
    "deadlocks": ("rls", "full"),
    "performance": ("indexes",),
    "orphan_rate": ("combos",),
    "isolation": ("rls",),
    "integrity": ("full",),
    "invalid_indexes": (),
    "idle_in_transaction": (),
}


@dataclass(frozen=True)
class Sampled:
    """A sample as the journal holds it: its entry's seq and time, and why it was taken."""

    seq: int
    ts: str
    reason: SampleReason
    sample: HealthSample


def points_to(trigger: TriggerName, environment: Env) -> str:
    scopes = SCOPES[trigger]
    if not scopes:
        return "investigate: find and end the cause (no rollback undoes it)"
    calls = " or ".join(f"scope={scope}" for scope in scopes)
    prefix = (
        "investigate the failing transactions; if this run caused them: " if trigger == "error_rate" else ""
    )
    return f"{prefix}rollback environment={environment} {calls}"


def is_slower(start_ms: float, end_ms: float, factor: float = SLOWER_FACTOR) -> bool:
    """SPEC.md §12: slower means a median above 1.5 × the window-start median + 1 ms."""
    return end_ms > factor * start_ms + SLOWER_SLACK_MS


def slower_queries(
    start: dict[str, QueryFigure], end: dict[str, QueryFigure], factor: float = SLOWER_FACTOR
) -> list[str]:
    """Each query of the family and pinned restaurant whose median got slower than `factor` × its
    window-start median + 1 ms (medians of at least 7 runs on both sides; others are not judged)."""
    found = []
    for name, before in start.items():
        after = end.get(name)
        if after is None or before.runs < MIN_RUNS or after.runs < MIN_RUNS:
            continue
        for restaurant, start_ms in before.per_restaurant.items():
            end_ms = after.per_restaurant.get(restaurant)
            if end_ms is not None and is_slower(start_ms, end_ms, factor):
                found.append(
                    f"{name} on restaurant {restaurant}: p50 {start_ms:.2f} → {end_ms:.2f} ms (threshold "
                    f"{factor * start_ms + SLOWER_SLACK_MS:.2f} ms)"
                )
    return found


def reset_between(before: HealthSample, after: HealthSample) -> str | None:
    """Why the counters of `after` do not continue those of `before` (None: they do)."""
    if after.stats_reset != before.stats_reset:
        return f"the statistics of {after.database} were reset at {after.stats_reset or 'an unknown time'}"
    for name in ("xact_commit", "xact_rollback", "deadlocks"):
        if getattr(after.counters, name) < getattr(before.counters, name):
            return (
                f"the counters of {after.database} went backwards ({name} {getattr(before.counters, name)} → "
                f"{getattr(after.counters, name)}: the server discarded its statistics, after a crash or a restore)"
            )
    return None


def window_start(samples: list[Sampled], started_by: SampleReason) -> tuple[int, str | None]:
    """The index of the window's first sample among `samples` (every sample of one environment since the
    completion that opens the window, oldest first), and why it is not the completion's own sample: the
    last reset inside the window restarts it at the first sample after the reset."""
    start, why = 0, None
    if samples and samples[0].reason != started_by:
        why = (
            f"no sample was taken at the completion that opens the window; it starts at seq {samples[0].seq}"
        )
    for index in range(1, len(samples)):
        reset = reset_between(samples[index - 1].sample, samples[index].sample)
        if reset is not None:
            where = f"the sample at seq {samples[index].seq}" if samples[index].seq else "this sample"
            start, why = index, f"{reset} (found by {where})"
    return start, why


def _hours(start: str, end: str) -> float:
    delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    return round(delta.total_seconds() / 3600, 4)


def window_figures(kind: WindowKind, samples: list[Sampled], restarted: str | None) -> Window:
    """The figures of the window from samples[0] to samples[-1]: each sample's own transactions after its
    counter read fall inside the window up to the last sample, those before its read from the second
    sample on."""
    first, last = samples[0].sample, samples[-1].sample
    own_commits = sum(s.sample.own_after_read.commits for s in samples[:-1]) + sum(
        s.sample.own_before_read.commits for s in samples[1:]
    )
    own_rollbacks = sum(s.sample.own_after_read.rollbacks for s in samples[:-1]) + sum(
        s.sample.own_before_read.rollbacks for s in samples[1:]
    )
    commits = max(last.counters.xact_commit - first.counters.xact_commit - own_commits, 0)
    rollbacks = max(last.counters.xact_rollback - first.counters.xact_rollback - own_rollbacks, 0)
    transactions = commits + rollbacks
    return Window(
        kind=kind,
        environment=last.environment,
        start_seq=samples[0].seq or None,  # 0: the sample being written, whose seq is not known yet
        end_seq=samples[-1].seq or None,
        start_at=first.taken_at,
        end_at=last.taken_at,
        hours=_hours(first.taken_at, last.taken_at),
        transactions=transactions,
        rollbacks=rollbacks,
        error_rate=round(rollbacks / transactions, 6) if transactions >= MIN_TRANSACTIONS else None,
        deadlocks=max(last.counters.deadlocks - first.counters.deadlocks, 0),
        own_commits=own_commits,
        own_rollbacks=own_rollbacks,
        restarted=restarted,
    )


def evaluate(window: Window, start: HealthSample, end: HealthSample) -> tuple[list[Trigger], list[str]]:
    """Every trigger of SPEC.md §12 over the window (start and end are its first and last samples), and
    the warnings: figures near a trigger, and the runbook's other health signs."""
    env = window.environment
    triggers = [
        _error_rate(window),
        Trigger(
            trigger="deadlocks",
            figure=f"{window.deadlocks} deadlock{'s' if window.deadlocks != 1 else ''} in the window",
            value=window.deadlocks,
            threshold="any",
            tripped=window.deadlocks > 0,
            points_to=points_to("deadlocks", env),
        ),
        _performance(start, end),
        _orphan_rate(end),
        _isolation(end),
        _integrity(start, end),
        Trigger(
            trigger="invalid_indexes",
            figure=", ".join(end.invalid_indexes) or "none",
            value=len(end.invalid_indexes),
            threshold="any",
            tripped=bool(end.invalid_indexes),
            points_to=points_to("invalid_indexes", env),
        ),
        _idle(end),
    ]
    for trigger in triggers:
        trigger.points_to = points_to(trigger.trigger, env)
    return triggers, _warnings(start, end, triggers)


def _error_rate(window: Window) -> Trigger:
    base = Trigger(
        trigger="error_rate",
        figure="",
        threshold=f"> {ERROR_RATE_TRIP:.0%} trips, > {ERROR_RATE_WARN:.0%} warns (judged with at least "
        f"{MIN_TRANSACTIONS} transactions)",
        tripped=False,
        points_to="",
    )
    if window.error_rate is None:
        base.figure = (
            f"not judged: {window.transactions} transactions in the window (fewer than {MIN_TRANSACTIONS}, "
            "this server's own excluded)"
        )
        return base
    rate = window.error_rate
    base.value = rate
    base.figure = (
        f"{rate:.2%} ({window.rollbacks} of {window.transactions} transactions rolled back, this server's own "
        "excluded)"
    )
    base.tripped = rate > ERROR_RATE_TRIP
    if not base.tripped and rate > ERROR_RATE_WARN:
        base.warning = (
            f"the error rate {rate:.2%} is above {ERROR_RATE_WARN:.0%} (it trips above {ERROR_RATE_TRIP:.0%})"
        )
    return base


def _performance(start: HealthSample, end: HealthSample) -> Trigger:
    """The menu query (the app's hot path) gates, on each pinned restaurant; the other queries of the
    family are reported as warnings, as apply_indexes and validate report them."""
    base = Trigger(
        trigger="performance",
        figure="",
        threshold=f"menu query p50 > {SLOWER_FACTOR:g} × the window-start p50 + {SLOWER_SLACK_MS:g} ms on a pinned "
        f"restaurant (medians of ≥ {MIN_RUNS} runs; performance degraded > 50 %)",
        tripped=False,
        points_to="",
    )
    menu_start, menu_end = start.menu.get("menu"), end.menu.get("menu")
    if menu_start is None or menu_end is None:
        base.figure = "not measured (" + ("; ".join(end.errors) or "no menu query figures") + ")"
        return base
    slower = slower_queries({"menu": menu_start}, {"menu": menu_end})
    base.value = menu_end.p50_ms
    base.figure = (
        "; ".join(slower)
        if slower
        else f"menu p50 {menu_start.p50_ms:.2f} → {menu_end.p50_ms:.2f} ms (slowest pinned restaurant)"
    )
    base.tripped = bool(slower)
    others = {name: f for name, f in start.menu.items() if name != "menu"}
    notes = []
    if not slower and (near := slower_queries({"menu": menu_start}, {"menu": menu_end}, NEAR_FACTOR)):
        notes.append(f"slower than {NEAR_FACTOR:g} × + 1 ms: {'; '.join(near)}")
    if family := slower_queries(others, end.menu):
        notes.append(f"other queries of the family slower (reported, not gated): {'; '.join(family)}")
    p95 = [
        f"{name} p95 {before.p95_ms:.2f} → {end.menu[name].p95_ms:.2f} ms"
        for name, before in start.menu.items()
        if name in end.menu and end.menu[name].p95_ms > P95_FACTOR * before.p95_ms + SLOWER_SLACK_MS
    ]
    if p95:
        notes.append(f"p95 above {P95_FACTOR:g} × the window start + 1 ms: {'; '.join(p95)}")
    base.warning = " — ".join(notes) or None
    return base


def _orphan_rate(end: HealthSample) -> Trigger:
    base = Trigger(
        trigger="orphan_rate",
        figure="not measured",
        threshold=f"source-backed > {ORPHAN_TRIP:.0%} trips (the rollback guide considers a rollback above 20 %)",
        tripped=False,
        points_to="",
    )
    if end.orphan_rate is None:
        return base
    rate = end.orphan_rate.source_backed
    base.value = rate
    base.figure = f"{rate:.4f} source-backed (naive {end.orphan_rate.naive:.4f})"
    base.tripped = rate > ORPHAN_TRIP
    if not base.tripped and rate > ORPHAN_WARN:
        base.warning = (
            f"the source-backed orphan rate {rate:.4f} has left the excellent band (< {ORPHAN_WARN:.0%})"
        )
    return base


def _isolation(end: HealthSample) -> Trigger:
    base = Trigger(
        trigger="isolation",
        figure="not run: RLS is not applied on this database yet",
        threshold="any failure (security breach)",
        tripped=False,
        points_to="",
    )
    found = end.isolation
    if found is None:
        return base
    base.value = found.passed
    if found.failed:
        base.figure = (
            f"{len(found.failed)} of {found.tests} isolation tests fail: {'; '.join(found.failed[:5])}"
        )
    elif found.tests == 0:
        base.figure = (
            "not run (" + ("; ".join(e for e in end.errors if "isolation" in e) or "no test ran") + ")"
        )
    else:
        base.figure = f"{found.passed} of {found.tests} isolation tests pass as anon and authenticated"
    base.tripped = bool(found.failed)
    return base


def _integrity(start: HealthSample, end: HealthSample) -> Trigger:
    base = Trigger(
        trigger="integrity",
        figure="not measured",
        threshold="any NULL or dangling key, duplicate combo pair, or a table losing > 1 % of its rows (data corruption)",
        tripped=False,
        points_to="",
    )
    if end.integrity is None:
        return base
    found = end.integrity
    problems = [
        f"{count} {what}"
        for count, what in (
            (found.null_keys, "combo_items with a NULL key"),
            (found.dangling_groups + found.dangling_dishes, "dangling combo_items keys"),
            (found.duplicate_pairs, "duplicate (combo_group_id, dish_id) pairs"),
        )
        if count
    ]
    for table, before in sorted(start.row_counts.items()):
        after = end.row_counts.get(table)
        if before > 0 and after is not None and after < before * (1 - ROW_LOSS):
            problems.append(
                f"{table} lost {before - after} of {before} rows ({(before - after) / before:.1%})"
            )
    base.value = len(problems)
    base.figure = "; ".join(problems) or (
        "no NULL or dangling keys, no duplicate combo pairs, no table lost more than 1 % of its rows"
    )
    base.tripped = bool(problems)
    return base


def _idle(end: HealthSample) -> Trigger:
    long = end.activity.idle_in_transaction_long if end.activity else []
    return Trigger(
        trigger="idle_in_transaction",
        figure="; ".join(f"pid {s.pid} ({s.who}) idle in a transaction for {s.idle_s} s" for s in long)
        or "none",
        value=len(long),
        threshold=f"any session idle in a transaction > {IDLE_LIMIT_S // 60} min",
        tripped=bool(long),
        points_to="",
    )


def _warnings(start: HealthSample, end: HealthSample, triggers: list[Trigger]) -> list[str]:
    found = [f"{t.trigger}: {t.warning}" for t in triggers if t.warning and not t.tripped]
    hit = end.counters.blks_hit - start.counters.blks_hit
    read = end.counters.blks_read - start.counters.blks_read
    if hit >= 0 and read >= 0 and hit + read >= MIN_BLOCKS and hit / (hit + read) < CACHE_HIT_WARN:
        found.append(
            f"cache hit ratio {hit / (hit + read):.1%} over the window (the runbook asks for > 95 %)"
        )
    if end.activity is not None:
        if end.activity.connections >= CONNECTIONS_WARN:
            found.append(f"{end.activity.connections} connections (the runbook asks for fewer than 100)")
        if end.activity.active > ACTIVE_WARN:
            found.append(f"{end.activity.active} active queries (the runbook alerts above 50)")
        if end.activity.lock_waits:
            found.append(f"{end.activity.lock_waits} sessions waiting on a lock (healthy means none)")
        if not end.activity.sees_all_sessions:
            found.append(
                "the role cannot see other roles' sessions (grant pg_read_all_stats or pg_monitor): the "
                "idle-in-transaction trigger is blind to them"
            )
    for name in ("sessions_fatal", "sessions_killed"):
        before, after = getattr(start.counters, name), getattr(end.counters, name)
        if before is not None and after is not None and after > before:
            found.append(
                f"{after - before} sessions ended {'by a fatal error' if name == 'sessions_fatal' else 'killed'}"
            )
    if end.statements is None and end.statements_note:
        found.append(end.statements_note)
    found += [f"not measured: {error}" for error in end.errors]
    return found
