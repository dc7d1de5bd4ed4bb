"""What the operator approves (SPEC.md §13): staging's tickets with their key figures, the data the agent
chose to write, warnings, the soak, and the plans of tickets 06-09 computed now against production by
the tools' own dry runs (read-only); one text, hashed, printed by `approve production`, recorded with
the approval and served as the resource menuca://approval-evidence."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from pydantic import BaseModel

from server import db
from server.engine import health
from server.engine.runtime import StepRuntime
from server.errors import RunbookError
from server.runbook import (
    APPROVE_PRODUCTION,
    BACKUP_TICKET,
    DATA_WRITING_ARGS,
    SOAK_AFTER,
    SOAK_TICKET,
    TICKETS,
    RunState,
    Ticket,
    TicketStatus,
    staging_data_args,
    ticket_of,
)
from server.settings import redact_dsn, scrub
from tools.records import FixCombosRecord
from tools.results import (
    ApplyIndexesArgs,
    ApplyRlsArgs,
    BackupArgs,
    FixCombosArgs,
    RollbackArgs,
    ToolArgs,
)
from tools.step import StepOutcome

if TYPE_CHECKING:
    from server.engine.guard import Guard

DISH_RESTAURANTS_SHOWN = 15
DISH_NAMES_SHOWN = 3
STATEMENTS_SHOWN = 6
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


@dataclass(frozen=True)
class Evidence:
    """The evidence text and its sha256; `production_database` is the name the operator types."""

    text: str
    sha256: str
    production_database: str | None


def one_line(value: object) -> str:
    """Database text (dish names) and figures on one line, never able to forge a log line."""
    text = _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))
    return text.replace("STATUS:", "STATUS\\:").replace("|", "\\|")


def seal(text: str, production_database: str | None = None) -> Evidence:
    return Evidence(text, hashlib.sha256(text.encode("utf-8")).hexdigest(), production_database)


# -- approve production ------------------------------------------------------------------------------------


def production_evidence(guard: Guard, state: RunState, *, interactive: bool | None) -> Evidence:
    """The evidence for `approve production`. `interactive`: True when the operator confirms on a
    terminal, False with --yes (said in the text, so the hash covers it), None when only shown."""
    secrets = guard.settings.secrets()
    done = state.tickets[SOAK_AFTER]
    lines = [f"# Approval evidence: production, run {state.run_id or '(none)'}", ""]
    if done.status == TicketStatus.COMPLETE:
        lines.append(
            f"Ticket {SOAK_AFTER} (validate on staging) passed at {done.finished_at} (journal seq "
            f"{done.completed_seq}); an approval binds to that completion."
        )
    else:
        lines.append(
            f"Ticket {SOAK_AFTER} is {done.status}: production cannot be approved until it is COMPLETE."
        )
    lines += [
        "",
        "## Staging's tickets",
        "",
        "| ticket | tool | status | key figures |",
        "| --- | --- | --- | --- |",
    ]
    for ticket in TICKETS:
        if ticket.environment == "production":
            continue
        t = state.tickets[ticket.id]
        lines.append(
            f"| {ticket.id} | {ticket.tool} | {t.status} | {one_line(key_figures(ticket, t.result or {}))} |"
        )
    lines += ["", "## Data the agent chose to write", ""]
    lines += list(_chosen_data(guard, state))
    lines += ["", "## Warnings", ""]
    warnings = list(_warnings(state))
    lines += warnings or ["- none: no check of staging's tickets carried a warning."]
    lines += ["", "## The soak", ""]
    lines += _soak(guard, state)
    lines += [
        "",
        f"## What production will receive (tickets {SOAK_TICKET}-09, planned now against production, read-only)",
        "",
    ]
    plans, database = _production_plans(guard, state)
    lines += plans
    lines += ["", "## Confirmation", ""]
    if interactive is None:
        lines.append(f"Not approved by this text: the operator runs `{APPROVE_PRODUCTION}`.")
    elif interactive:
        lines.append("Confirmed on a terminal: the operator typed the production database name.")
    else:
        lines.append("Approved without a terminal (--yes): nobody typed the production database name.")
    return seal(scrub("\n".join(lines) + "\n", secrets), database)


def key_figures(ticket: Ticket, result: dict[str, Any]) -> str:
    """One line of the figures that matter for a ticket's result."""
    if not result:
        return "-"
    checks = result.get("checks") or []
    passed = sum(1 for c in checks if c.get("passed"))
    figures: list[str] = [f"{passed}/{len(checks)} checks passed"]
    tool = ticket.tool
    if tool == "preflight":
        staging = result.get("staging") or {}
        gate = staging.get("combo_gate") or {}
        rates = staging.get("orphan_rate") or {}
        figures.append(
            f"staging {sum((staging.get('row_counts') or {}).values()):,} rows, {staging.get('index_count')} "
            f"indexes, dataset scale {staging.get('dataset_scale')}, orphan rate naive {rates.get('naive')}, "
            f"source-backed {rates.get('source_backed')}"
        )
        if gate:
            figures.append(
                f"combo gate without backfill {gate.get('source_backed_without_backfill')}, with "
                f"{gate.get('source_backed_with_backfill')}"
            )
    elif tool == "backup":
        figures.append(
            f"backup {result.get('backup_id')}, {(result.get('bytes') or 0):,} bytes, sha256 "
            f"{str(result.get('sha256') or '')[:16]}…, verified {result.get('verified')}"
        )
    elif tool == "apply_indexes":
        counts = result.get("counts") or {}
        figures.append(
            ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            + f"; menu query {result.get('menu_query_ms_before')} → {result.get('menu_query_ms_after')} ms "
            f"(speedup {result.get('speedup')})"
        )
    elif tool == "apply_rls":
        figures.append(
            f"RLS on {result.get('tables_enabled')}/{result.get('tables_total')} tables, "
            f"{len(result.get('policies_created') or [])} policies created, "
            f"{len(result.get('policies_preexisting') or [])} kept, tests {result.get('tests_passed')}/"
            f"{result.get('tests_total')}"
        )
    elif tool == "fix_combos":
        before = (result.get("orphan_rate_before") or {}).get("source_backed")
        after = (result.get("orphan_rate_after") or {}).get("source_backed")
        figures.append(
            f"source-backed orphan rate {before} → {after} ({result.get('band')}), "
            f"{result.get('items_inserted')} items inserted, {result.get('dishes_backfilled')} dishes "
            f"backfilled, batch {result.get('batch_id')}"
        )
    elif tool == "validate":
        figures.append(f"menu query speedup against the baseline {result.get('speedup')}")
    return "; ".join(figures)


def _chosen_data(guard: Guard, state: RunState) -> Iterator[str]:
    """The data-writing arguments staging's tickets passed, and what they wrote."""
    any_chosen = False
    for tool in DATA_WRITING_ARGS:
        staged = staging_data_args(state, tool)
        ticket = ticket_of(tool, "staging")
        if staged is None:
            yield f"- {tool} on staging (ticket {ticket.id}) has not passed yet."
            continue
        chosen = {name: value for name, value in staged.items() if value}
        if not chosen:
            continue
        any_chosen = True
        yield f"- ticket {ticket.id} {tool} ran with " + ", ".join(f"{k}=true" for k in chosen) + "."
        record = state.tickets[ticket.id].record
        batch = FixCombosRecord.model_validate(record).batch_id if record else None
        if batch is None:
            yield "  (no batch recorded)"
            continue
        yield from _backfilled_dishes(guard, batch)
    if not any_chosen:
        yield "- none: every ticket ran with its default arguments (nothing beyond the runbook's own repair)."


def _backfilled_dishes(guard: Guard, batch_id: str) -> Iterator[str]:
    try:
        with db.session(guard.settings.dsn("staging") or "", autocommit=True) as conn:
            rows = db.query_all(conn, db.sql_file("evidence/backfilled_dishes.sql"), {"batch_id": batch_id})
    except (RunbookError, psycopg.Error) as exc:
        yield f"  the backfilled dishes could not be read from staging: {one_line(exc)}"
        return
    total = sum(int(r["dishes"]) for r in rows)
    yield (
        f"  backfill_missing_dishes inserted {total:,} dishes into menuca_v3.dishes on staging (inactive, "
        f"source_system 'v1', legacy_v1_id set) for {len(rows):,} restaurants, recorded in batch {batch_id}:"
    )
    for row in rows[:DISH_RESTAURANTS_SHOWN]:
        names = ", ".join(f'"{one_line(n)}"' for n in (row["names"] or [])[:DISH_NAMES_SHOWN])
        more = int(row["dishes"]) - min(len(row["names"] or []), DISH_NAMES_SHOWN)
        yield (
            f"  - restaurant {row['restaurant_id']}: {int(row['dishes']):,} dishes, e.g. {names}"
            + (f" and {more:,} more" if more > 0 else "")
        )
    if len(rows) > DISH_RESTAURANTS_SHOWN:
        rest = sum(int(r["dishes"]) for r in rows[DISH_RESTAURANTS_SHOWN:])
        yield f"  - {len(rows) - DISH_RESTAURANTS_SHOWN:,} more restaurants: {rest:,} dishes"


def _warnings(state: RunState) -> Iterator[str]:
    for ticket in TICKETS:
        if ticket.environment == "production":
            continue
        for c in (state.tickets[ticket.id].result or {}).get("checks") or []:
            if c.get("warning"):
                yield f"- ticket {ticket.id} {ticket.tool}, {one_line(c['name'])}: {one_line(c['warning'])}"


def _soak(guard: Guard, state: RunState) -> list[str]:
    done = state.tickets[SOAK_AFTER]
    hours = guard.settings.soak_hours
    if done.status != TicketStatus.COMPLETE:
        return [f"- the soak window ({hours:g} h) starts when ticket {SOAK_AFTER} passes."]
    from server.runbook import soak_remaining_s

    left = soak_remaining_s(state, guard.clock(), hours)
    lines = [
        f"- window {hours:g} h from {done.finished_at}: "
        + ("elapsed." if not left else f"{left:,.0f} seconds left (ticket {SOAK_TICKET} waits for it too).")
    ]
    lines.append(_soak_health(guard, state))
    return lines


def _soak_health(guard: Guard, state: RunState) -> str:
    """Staging's health over the soak window as its latest sample saw it (ticket 06's gate samples
    again, SPEC.md §12)."""
    last = health.soak_summary(guard, state)
    if last is None or last.window is None:
        return (
            "- health over the window: not sampled yet (`menuca-migrate watch` samples it; ticket 06's "
            "gate takes a sample of its own and refuses SOAK_UNHEALTHY when a trigger trips)."
        )
    w = last.window
    rate = f"{w.error_rate:.2%}" if w.error_rate is not None else "not judged (under 100 transactions)"
    tripped = ", ".join(f"{t.trigger} {t.figure}" for t in last.tripped) or "none"
    return (
        f"- health over the window (sample #{last.seq} at {last.ts}, {w.hours:.2f} h): {w.transactions} "
        f"transactions, error rate {rate}, {w.deadlocks} deadlocks; triggers tripped: {tripped}."
    )


def _production_plans(guard: Guard, state: RunState) -> tuple[list[str], str | None]:
    """The dry runs of tickets 06-09 on production, through the tools' own code (read-only)."""
    if not guard.settings.production_dsn:
        return ["- production is not configured (MENUCA_PRODUCTION_DSN): no plan."], None
    database: str | None = None
    try:
        with db.session(guard.settings.production_dsn, autocommit=True) as conn:
            row = db.query_one(conn, "SELECT current_database() AS name")
            database = str(row["name"]) if row else None
    except (RunbookError, psycopg.Error) as exc:
        return [f"- production is not reachable: {one_line(exc)}"], None
    lines = [f"Database: {one_line(redact_dsn(guard.settings.production_dsn))} ({database})", ""]
    staged = staging_data_args(state, "fix_combos") or {}
    calls: list[ToolArgs] = [
        BackupArgs(environment="production", dry_run=True),
        ApplyIndexesArgs(environment="production", dry_run=True),
        ApplyRlsArgs(environment="production", dry_run=True),
        FixCombosArgs(
            environment="production",
            dry_run=True,
            backfill_missing_dishes=staged.get("backfill_missing_dishes", False),
        ),
    ]
    for args in calls:
        ticket = ticket_of(args.tool, "production")
        outcome = dry_run(guard, state, ticket, args)
        shown = ", ".join(f"{k}={str(v).lower()}" for k, v in args.journaled().items() if k != "dry_run")
        lines.append(f"### {ticket.id} {ticket.tool} production" + (f" ({shown})" if shown else ""))
        lines += _plan_lines(outcome)
        lines.append("")
    return lines, database


def dry_run(guard: Guard, state: RunState, ticket: Ticket, args: ToolArgs) -> StepOutcome[BaseModel] | str:
    """A tool's dry run outside the guard (it changes nothing and is not a ticket call); the error's
    first line when it cannot run."""
    runtime = StepRuntime(
        run_id=state.run_id or "none",
        ticket=ticket.id,
        tool=args.tool,
        environment=ticket.environment,
        dry_run=True,
        settings=guard.settings,
        state=state,
        is_halted=lambda: False,
    )
    try:
        outcome: StepOutcome[BaseModel] = guard.steps[args.tool](runtime, args)
        return outcome
    except Exception as exc:  # noqa: BLE001 - evidence reports a plan that cannot be made, it never fails for it
        text = str(exc).strip().splitlines()
        return scrub(text[0] if text else type(exc).__name__, guard.settings.secrets())
    finally:
        runtime.close()


def _plan_lines(outcome: StepOutcome[BaseModel] | str) -> list[str]:
    if isinstance(outcome, str):
        return [f"- the plan could not be made: {one_line(outcome)}"]
    lines = [f"- {one_line(outcome.summary)}"]
    failed = [c for c in outcome.checks if not c.passed]
    lines += [
        f"- check not met: {one_line(c.name)} (expected {c.expected}, got {one_line(c.actual)})"
        for c in failed
    ]
    plan = outcome.plan or []
    for step in plan[:STATEMENTS_SHOWN]:
        code = [line for line in step.statement.strip().splitlines() if not line.lstrip().startswith("--")]
        shown = code[0].strip() if code else step.statement.strip().splitlines()[0]
        note = f" ({step.note})" if step.note else ""
        lines.append(f"  {step.order}. [{step.transaction}] {one_line(shown)[:140]}{one_line(note)[:120]}")
    if len(plan) > STATEMENTS_SHOWN:
        lines.append(
            f"  … {len(plan) - STATEMENTS_SHOWN} more statements (the tool's dry run shows them all)"
        )
    return lines


def served_evidence(guard: Guard) -> str:
    """The resource menuca://approval-evidence: the evidence recorded with the current approval, or,
    before one, the evidence `approve production` would print now."""
    state = guard.load_state()
    approval = state.valid_approval()
    if approval is not None:
        for event in guard.journal.events():
            if event.get("seq") == approval.seq and (event.get("details") or {}).get("evidence"):
                how = "" if approval.interactive else " (approved without a terminal)"
                return (
                    str(event["details"]["evidence"])
                    + f"\nApproved by {one_line(approval.by)} at {approval.at}{how}; evidence sha256 "
                    f"{approval.evidence_sha256}.\n"
                )
    return production_evidence(guard, state, interactive=None).text


# -- approve rollback ----------------------------------------------------------------------------------


def rollback_evidence(guard: Guard, state: RunState, *, interactive: bool | None) -> Evidence:
    """What one full restore of production would do: its dry run, computed now (read-only)."""
    backup = state.tickets[BACKUP_TICKET["production"]]
    result = backup.result or {}
    lines = [
        f"# Approval evidence: one full restore of production, run {state.run_id or '(none)'}",
        "",
        f"Backup: {result.get('backup_id')} taken at {backup.finished_at}, {(result.get('bytes') or 0):,} bytes, "
        f"sha256 {result.get('sha256')}, verified {result.get('verified')}.",
        "",
    ]
    outcome = dry_run(
        guard,
        state,
        ticket_of("backup", "production"),
        RollbackArgs(environment="production", scope="full", reason="approval evidence", dry_run=True),
    )
    lines += _plan_lines(outcome)
    if not isinstance(outcome, str) and outcome.fields is not None:
        changed = getattr(outcome.fields, "changed_tables", {}) or {}
        lines.append(f"- tables whose row counts differ from the backup now: {len(changed)}")
        lines += [
            f"  - {one_line(t)}: backup {c.get('backup')}, now {c.get('now')}"
            for t, c in sorted(changed.items())
        ]
    lines += ["", "## Confirmation", ""]
    lines.append(
        "Confirmed on a terminal: the operator typed the production database name."
        if interactive
        else "Approved without a terminal (--yes): nobody typed the production database name."
        if interactive is False
        else "Not approved by this text."
    )
    database = None
    if guard.settings.production_dsn:
        database = _database_name(guard.settings.production_dsn)
    return seal(scrub("\n".join(lines) + "\n", guard.settings.secrets()), database)


def _database_name(dsn: str) -> str | None:
    try:
        with db.session(dsn, autocommit=True) as conn:
            row = db.query_one(conn, "SELECT current_database() AS name")
    except (RunbookError, psycopg.Error):
        return None
    return str(row["name"]) if row else None
