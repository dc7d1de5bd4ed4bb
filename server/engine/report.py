"""The post-deployment report (SPEC.md §12): the original runbook's template made from the journal and fresh
health samples — before/after figures, RLS overhead, the soak's and the watch's health with every
trigger, warnings, FAILs, refusals and retries, time per ticket, sign-offs — as REPORT.md with PNG charts
(drawn in charts.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.engine import health
from server.engine.charts import HEALTH_CHART, MENU_CHART, draw_charts
from server.journal import execlog
from server.runbook import (
    ENVIRONMENTS,
    FIRST,
    TICKETS,
    Env,
    EventKind,
    RunState,
    TicketStatus,
    fold,
    ticket_for,
)
from tools.lib.health_models import HealthSample, Trigger, Window
from tools.lib.measure import QUERIES
from tools.lib.targets import TARGET_COUNT
from tools.records import Baseline, PreflightRecord

if TYPE_CHECKING:
    from server.engine.guard import Guard

REPORT = "REPORT.md"
Event = dict[str, Any]


@dataclass
class ReportData:
    """Everything the report shows, gathered from the journal (and the samples just taken)."""

    state: RunState
    events: list[Event]
    journal_ok: bool
    journal_problem: str | None
    watch_hours: float
    fresh: dict[Env, str] = field(default_factory=dict)  # environment -> "seq N" or why it was not sampled

    def results(self, ticket: str) -> dict[str, Any]:
        return self.state.tickets[ticket].result or {}

    def baseline(self, env: Env) -> Baseline | None:
        records = self.state.records.get(FIRST.id) or []
        return PreflightRecord.model_validate(records[-1]).baseline.get(env) if records else None

    def latest_sample(self, env: Env) -> health.Entry | None:
        found = health.entries(self.events, self.state.run_id, env)
        return found[-1] if found else None

    def after_menu(self, env: Env) -> HealthSample | None:
        entry = self.latest_sample(env)
        return entry.sample if entry is not None else None

    def soak(self) -> list[health.Entry]:
        return health.window_entries(self.state, self.events, "soak") or _closed_soak(self)

    def watch(self) -> list[health.Entry]:
        return health.window_entries(self.state, self.events, "watch", self.watch_hours) or []


def _closed_soak(data: ReportData) -> list[health.Entry]:
    """Once ticket 06 has started, the soak samples are those between 05's completion and that start."""
    opened = health.opened_at(data.state, "soak")
    if opened is None:
        return []
    closed = next(
        (
            int(e["seq"])
            for e in data.events
            if e.get("event") == EventKind.STARTED and e.get("ticket") == "06" and int(e["seq"]) > opened
        ),
        None,
    )
    return [
        e
        for e in health.entries(data.events, data.state.run_id, "staging")
        if e.seq > opened and (closed is None or e.seq < closed)
    ]


# -- building ------------------------------------------------------------------------------------------


def gather(guard: Guard, *, fresh: bool) -> ReportData:
    """The journal as it is, after a fresh sample of each database when `fresh` (and the journal verifies)."""
    problem = guard.tampered()
    taken: dict[Env, str] = {}
    state = guard.load_state()
    if fresh and problem is None and state.run_id is not None:
        for env in ENVIRONMENTS:
            if health.busy(state, env):
                taken[env] = "not sampled: a ticket is running on it"
                continue
            try:
                entry = health.record_sample(guard, env, "report", overhead=True)
                taken[env] = f"sampled for this report (journal seq {entry.seq})"
            except health.SampleFailed as exc:
                taken[env] = f"not sampled: {exc}"
    events = guard.journal.events()
    state = fold(events)
    return ReportData(
        state=state,
        events=events,
        journal_ok=problem is None,
        journal_problem=problem,
        watch_hours=health.watch_hours(guard, state),
        fresh=taken,
    )


def write_report(guard: Guard, out: Path | None = None) -> Path:
    """REPORT.md and its charts in `out` (default: the run dir); returns REPORT.md's path."""
    data = gather(guard, fresh=True)
    folder = out or guard.settings.run_dir
    folder.mkdir(parents=True, exist_ok=True)
    charts = draw_charts(data, folder)
    path = folder / REPORT
    path.write_text(render(data, charts), encoding="utf-8")
    return path


def render_resource(guard: Guard) -> str:
    """menuca://report: the report from the journal alone (a resource is read-only: no sample, no file)."""
    return render(gather(guard, fresh=False), charts=None)


# -- the text -------------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    return execlog.escape(str(value)).replace("|", "\\|")


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def render(data: ReportData, charts: list[str] | None) -> str:
    state = data.state
    lines = [
        "# MenuCA V3 runbook — post-deployment report",
        "",
        f"- Run: `{state.run_id or '(none)'}`",
        f"- Written: {datetime.now(UTC).isoformat(timespec='seconds').replace('+00:00', 'Z')}",
        f"- Journal head: seq {state.head_seq}, hash `{state.head_hash}`",
        "- Journal verification: "
        + (
            "OK"
            if data.journal_ok
            else f"**FAILED** ({_cell(data.journal_problem)}): these figures cannot be trusted"
        ),
    ]
    done = sum(1 for t in state.tickets.values() if t.status == TicketStatus.COMPLETE)
    lines.append(
        f"- Tickets: {done} of {len(TICKETS)} COMPLETE"
        + ("" if done == len(TICKETS) else " (the run is not complete)")
    )
    for env, note in data.fresh.items():
        lines.append(f"- Fresh sample of {env}: {_cell(note)}")
    if not data.fresh:
        lines.append("- Fresh samples: none (figures from the journal's latest samples)")
    lines += ["", *_summary(data), "", *_before_after(data, charts), "", *_overhead(data), ""]
    lines += [*_health(data, charts), "", *_triggers(data), "", *_warnings(data), "", *_troubles(data), ""]
    lines += [*_times(data), "", *_sign_offs(data), ""]
    return "\n".join(lines)


def _summary(data: ReportData) -> list[str]:
    lines = ["## Summary", ""]
    for env in ENVIRONMENTS:
        combos = data.results(_id("fix_combos", env))
        after = combos.get("orphan_rate_after") or {}
        validate = data.results(_id("validate", env))
        lines.append(
            f"- {env}: source-backed orphan rate {_rate(after.get('source_backed'))} (naive {_rate(after.get('naive'))}); "
            f"menu query {_ms(validate.get('menu_query_ms_baseline'))} → {_ms(validate.get('menu_query_ms_now'))} ms "
            f"(speedup {validate.get('speedup') or '—'}); RLS tests {validate.get('rls_tests_passed', '—')} of "
            f"{validate.get('rls_tests_total', '—')}"
        )
    soak, watch = data.soak(), data.watch()
    lines.append("- Staging soak: " + _verdict(soak))
    lines.append("- Production watch: " + _verdict(watch, data.watch_hours))
    return lines


def _verdict(found: list[health.Entry], hours: float | None = None) -> str:
    evaluated = [e for e in found if e.window is not None]
    if not evaluated:
        return "not measured yet" if not found else "started (one sample so far)"
    last = evaluated[-1]
    assert last.window is not None
    tripped = sorted({t.trigger for e in evaluated for t in e.tripped})
    span = f"{last.window.hours:.2f} h" + (f" of {hours:g} h" if hours else "")
    return (
        f"UNHEALTHY — tripped: {', '.join(tripped)}" if tripped else "healthy"
    ) + f" over {span} ({len(found)} samples)"


def _id(tool: str, env: Env) -> str:
    ticket = ticket_for(tool, env)
    assert ticket is not None
    return ticket.id


def _before_after(data: ReportData, charts: list[str] | None) -> list[str]:
    lines = [
        "## Before and after",
        "",
        "| figure | staging before | staging after | production before | production after |",
        "| --- | --- | --- | --- | --- |",
    ]
    rows: dict[str, list[str]] = {}
    for env in ENVIRONMENTS:
        pre = (data.results(FIRST.id).get(env) or {}) if data.results(FIRST.id) else {}
        idx = data.results(_id("apply_indexes", env)).get("counts") or {}
        rls = data.results(_id("apply_rls", env))
        combos = data.results(_id("fix_combos", env))
        validate = data.results(_id("validate", env))
        uncovered = next(
            (c["actual"] for c in validate.get("checks") or [] if c["name"].startswith("every target index")),
            None,
        )
        covered_before = (idx.get("present", 0) + idx.get("equivalent", 0)) if idx else None
        covered_after = TARGET_COUNT - len(uncovered) if isinstance(uncovered, list) else None
        policies_before = pre.get("policies")
        created = len(rls.get("policies_created") or [])
        values = {
            "target indexes valid or covered (of 58)": (covered_before, covered_after),
            "indexes in menuca_v3": (
                pre.get("index_count"),
                pre.get("index_count") + idx.get("created", 0)
                if pre.get("index_count") is not None and idx
                else None,
            ),
            "tables with RLS enabled": (
                pre.get("rls_enabled_tables"),
                f"{rls['tables_enabled']} of {rls['tables_total']}" if rls.get("tables_total") else None,
            ),
            "policies": (
                policies_before,
                policies_before + created if policies_before is not None and rls else None,
            ),
            "orphan rate, naive": (
                _rate((combos.get("orphan_rate_before") or {}).get("naive")),
                _rate((combos.get("orphan_rate_after") or {}).get("naive")),
            ),
            "orphan rate, source-backed": (
                _rate((combos.get("orphan_rate_before") or {}).get("source_backed")),
                _rate((combos.get("orphan_rate_after") or {}).get("source_backed")),
            ),
        }
        baseline = data.baseline(env)
        after = data.after_menu(env)
        for name in QUERIES:
            before_t = baseline.menu_queries.get(name) if baseline else None
            after_f = after.menu.get(name) if after else None
            values[f"{name} p50 (ms)"] = (
                _ms(before_t["median_ms"]) if before_t else None,
                _ms(after_f.p50_ms) if after_f else None,
            )
            values[f"{name} p95 (ms)"] = (
                _ms(before_t.get("p95_ms")) if before_t and "p95_ms" in before_t else None,
                _ms(after_f.p95_ms) if after_f else None,
            )
        for label, (b, a) in values.items():
            rows.setdefault(label, []).extend(["—" if b is None else str(b), "—" if a is None else str(a)])
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows.items()]
    lines += [
        "",
        "Before: preflight's baseline (ticket 00) and each ticket's own before-figures; after: each ticket's "
        "result and the latest health sample (menu family: medians and p95 of 9 runs on the pinned "
        "restaurants, the slowest restaurant shown).",
    ]
    if charts and MENU_CHART in charts:
        lines += ["", f"![The menu query family before and after, per environment]({MENU_CHART})"]
    return lines


def _overhead(data: ReportData) -> list[str]:
    lines = [
        "## RLS overhead",
        "",
        "| environment | restaurant | owner p50 (ms) | tenant claim p50 (ms) | overhead |",
        "| --- | --- | --- | --- | --- |",
    ]
    found = False
    for env in ENVIRONMENTS:
        entry = next(
            (
                e
                for e in reversed(health.entries(data.events, data.state.run_id, env))
                if e.sample.rls_overhead
            ),
            None,
        )
        if entry is None or entry.sample.rls_overhead is None:
            continue
        o = entry.sample.rls_overhead
        ratio = f"{o.tenant_ms / o.owner_ms:.2f} ×" if o.owner_ms > 0 else "—"
        lines.append(f"| {env} | {o.restaurant} | {_ms(o.owner_ms)} | {_ms(o.tenant_ms)} | {ratio} |")
        found = True
    if not found:
        lines.append("| — | — | — | — | not measured (`menuca-migrate report` measures it) |")
    lines += [
        "",
        "The menu query as the table owner (RLS bypassed) and as `authenticated` with the restaurant's own tenant claim.",
    ]
    return lines


def _window_row(label: str, window: Window | None, samples: int) -> str:
    if window is None:
        return f"| {label} | — | — | — | — | — | — | — | {samples} |"
    rate = _rate(window.error_rate) if window.error_rate is not None else "not judged"
    return (
        f"| {label} | {_cell(window.start_at[:19])} | {_cell(window.end_at[:19])} | {window.hours:.2f} | "
        f"{window.transactions} | {window.rollbacks} | {rate} | {window.deadlocks} | {samples} |"
    )


def _health(data: ReportData, charts: list[str] | None) -> list[str]:
    soak, watch = data.soak(), data.watch()
    soak_w = next((e.window for e in reversed(soak) if e.window), None)
    watch_w = next((e.window for e in reversed(watch) if e.window), None)
    lines = [
        "## Health: staging's soak and production's watch",
        "",
        "| window | from (UTC) | to (UTC) | hours | transactions | rolled back | error rate | deadlocks | samples |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        _window_row("staging soak", soak_w, len(soak)),
        _window_row("production watch", watch_w, len(watch)),
        "",
        "Differences of pg_stat_database's counters over the window, less the transactions this server's own "
        "sessions ran (its samples and RLS tests); the error rate is judged with at least 100 transactions.",
    ]
    for window in (soak_w, watch_w):
        if window is not None and window.restarted:
            lines.append(f"- The {window.kind} window restarted: {_cell(window.restarted)}")
    if charts and HEALTH_CHART in charts:
        lines += ["", f"![Error rate, deadlocks and menu p50 over the soak and the watch]({HEALTH_CHART})"]
    return lines


def _trigger_rows(label: str, triggers: list[Trigger]) -> list[str]:
    return [
        f"| {label} | {t.trigger} | {_cell(t.figure)} | {_cell(t.threshold)} | "
        f"{'TRIPPED' if t.tripped else 'warning' if t.warning else 'ok'} | {_cell(t.points_to)} |"
        for t in triggers
    ]


def _triggers(data: ReportData) -> list[str]:
    lines = [
        "## Rollback triggers",
        "",
        "| window | trigger | figure | threshold | result | points to |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    found = False
    for label, entries in (("staging soak", data.soak()), ("production watch", data.watch())):
        last = next((e for e in reversed(entries) if e.triggers), None)
        if last is not None:
            lines += _trigger_rows(f"{label} (seq {last.seq})", last.triggers)
            found = True
        tripped_before = {t.trigger for e in entries for t in e.tripped} - {
            t.trigger for t in (last.tripped if last else [])
        }
        for name in sorted(tripped_before):
            lines.append(
                f"| {label} | {name} | tripped at an earlier sample | | TRIPPED earlier | see the log |"
            )
    if not found:
        lines.append("| — | — | no window has been evaluated yet | — | — | — |")
    return lines


def _warnings(data: ReportData) -> list[str]:
    lines = ["## Warnings", ""]
    for ticket in TICKETS:
        for check in data.results(ticket.id).get("checks") or []:
            if check.get("warning"):
                lines.append(
                    f"- ticket {ticket.id} ({ticket.tool} {ticket.environment}): {_cell(check['warning'])}"
                )
    for label, entries in (("staging soak", data.soak()), ("production watch", data.watch())):
        last = next((e for e in reversed(entries) if e.window), None)
        for warning in last.warnings if last else []:
            lines.append(f"- {label}: {_cell(warning)}")
    if len(lines) == 2:
        lines.append("- none")
    return lines


def _troubles(data: ReportData) -> list[str]:
    """Troubleshooting notes: FAILs, refusals and retries of the run."""
    run = data.state.run_id
    mine = [e for e in data.events if e.get("run_id") == run]
    fails = [e for e in mine if e.get("event") == EventKind.FAILED]
    refusals = [e for e in mine if e.get("event") == EventKind.REFUSED]
    lines = ["## FAILs, refusals and retries", ""]
    for e in fails:
        result = (e.get("details") or {}).get("result") or {}
        lines.append(
            f"- FAIL seq {e['seq']}: ticket {e.get('ticket')} {e.get('tool')} {e.get('environment') or 'both'} — "
            f"{_cell(str(result.get('summary', ''))[:300])}"
        )
    codes = Counter(str(e.get("outcome")) for e in refusals)
    for code, count in sorted(codes.items()):
        first = next(e for e in refusals if str(e.get("outcome")) == code)
        message = str((first.get("details") or {}).get("message", ""))[:200]
        lines.append(f"- {code} × {count} (first at seq {first['seq']}: {_cell(message)})")
    for ticket in TICKETS:
        attempts = data.state.tickets[ticket.id].attempts
        if attempts > 1:
            lines.append(f"- ticket {ticket.id} ({ticket.tool} {ticket.environment}) ran {attempts} times")
    if len(lines) == 2:
        lines.append("- none: every ticket passed at its first attempt and no call was refused")
    return lines


def _times(data: ReportData) -> list[str]:
    lines = [
        "## Time per ticket",
        "",
        "| ticket | tool | environment | status | attempts | started | finished | duration (s) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for ticket in TICKETS:
        t = data.state.tickets[ticket.id]
        duration = (t.result or {}).get("duration_ms")
        lines.append(
            f"| {ticket.id} | {ticket.tool} | {ticket.environment} | {t.status} | {t.attempts} | "
            f"{t.started_at or '—'} | {t.finished_at or '—'} | {f'{duration / 1000:.1f}' if duration is not None else '—'} |"
        )
    return lines


def sign_offs(events: list[Event], run_id: str | None) -> list[Mapping[str, Any]]:
    return [
        {**(e.get("details") or {}), "at": e.get("ts"), "seq": e.get("seq")}
        for e in events
        if e.get("event") == EventKind.SIGNED_OFF and e.get("run_id") == run_id
    ]


def _sign_offs(data: ReportData) -> list[str]:
    lines = ["## Sign-offs", "", "| by | role | at (UTC) | note |", "| --- | --- | --- | --- |"]
    found = sign_offs(data.events, data.state.run_id)
    lines += [
        f"| {_cell(s.get('by'))} | {_cell(s.get('role'))} | {s.get('at')} | {_cell(s.get('note') or '')} |"
        for s in found
    ]
    if not found:
        lines.append(
            "| — | — | — | none yet: `menuca-migrate sign-off --by NAME --role ROLE [--note TEXT]` after ticket 10 "
            "(the runbook asks for the lead, the DBA and the CTO) |"
        )
    return lines
