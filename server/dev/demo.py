"""`menuca-migrate demo`: an embedded PostgreSQL pair with the MenuCA V3 dataset, and a scripted agent
that carries out all 11 tickets through a real MCP client over stdio, following only each result's
`next` (its tool, environment and args), with the operator's approval given where a human must."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

from server.dev.client import ToolOutcome, call_tool, call_until_done, connect, server_env
from server.dev.embedded_pg import EmbeddedPostgres
from server.dev.seed import seed_database
from server.engine.registry import make_guard
from server.engine.report import write_report
from server.journal import EXECUTION_LOG, Journal
from server.settings import Settings

OPERATOR = "demo-operator"
MAX_ANSWERS = 40  # ticket answers the agent acts on (a RUNNING answer it calls again on is not one)
BAR = 28


@dataclass
class Row:
    ticket: str
    tool: str
    environment: str
    status: str
    figure: str
    seconds: float
    calls: int = 1  # the tool calls it took (more than one when the server answered RUNNING)
    longest_hold_s: float = 0.0  # the longest any of them held the client


@dataclass
class DemoReport:
    run_dir: Path
    report: Path | None = None
    rows: list[Row] = field(default_factory=list)
    calls: int = 0
    seconds: float = 0.0
    completed: int = 0
    verified: bool = False
    final: dict[str, Any] = field(default_factory=dict)


def default_run_dir() -> Path:
    return Path.cwd() / f"menuca-demo-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def key_figure(result: dict[str, Any]) -> str:
    tool = result.get("tool")
    if result.get("status") == "FAIL":
        return "FAIL: " + str(result.get("summary", "")).split(". ")[0][:100]
    if tool == "preflight":
        s = result.get("staging") or {}
        return f"staging: {s.get('index_count')} indexes, naive orphan rate {(s.get('orphan_rate') or {}).get('naive')}"
    if tool == "backup":
        return f"{(result.get('bytes') or 0):,} bytes, verified={result.get('verified')}"
    if tool == "apply_indexes":
        c = result.get("counts") or {}
        return (
            f"{c.get('created', 0)} created, {c.get('present', 0)} present, {c.get('equivalent', 0)} equivalent; "
            f"menu {result.get('menu_query_ms_before')}→{result.get('menu_query_ms_after')} ms"
        )
    if tool == "apply_rls":
        return f"{result.get('tables_enabled')} tables, tests {result.get('tests_passed')}/{result.get('tests_total')}"
    if tool == "fix_combos":
        before = (result.get("orphan_rate_before") or {}).get("source_backed")
        after = (result.get("orphan_rate_after") or {}).get("source_backed")
        return (
            f"source-backed orphans {before}→{after}; {result.get('items_inserted')} items, "
            f"{result.get('dishes_backfilled')} dishes backfilled"
        )
    if tool == "validate":
        checks = result.get("checks") or []
        return f"{sum(1 for c in checks if c['passed'])}/{len(checks)} checks; menu speedup {result.get('speedup')}x"
    return ""


class Screen:
    """Terminal output: a progress bar per running ticket, then its outcome line."""

    def __init__(self, out: Any = sys.stdout) -> None:
        self.out = out
        self.tty = bool(getattr(out, "isatty", lambda: False)())

    def line(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def bar(self, label: str, done: float, total: float | None, message: str | None) -> None:
        if total:
            filled = int(BAR * min(done / total, 1))
            text = f"  {label:<28} [{'#' * filled}{'-' * (BAR - filled)}] {message or ''}"[:110]
        else:
            text = f"  {label:<28} {message or ''}"[:110]
        if self.tty:
            print("\r" + text.ljust(110), end="", file=self.out, flush=True)

    def end_bar(self) -> None:
        if self.tty:
            print("\r" + " " * 110 + "\r", end="", file=self.out, flush=True)


async def agent(settings: Settings, screen: Screen, report: DemoReport) -> None:
    """Follow `next` (its tool, environment and args) until it is null. Gates a human must lift are
    lifted by the operator (printed as such); time gates are waited out; anything else stops."""
    env = server_env(
        staging_dsn=settings.staging_dsn,
        production_dsn=settings.production_dsn,
        run_dir=settings.run_dir,
        soak_hours=settings.soak_hours,
        require_approval=settings.require_approval,
        allow_same_server=settings.allow_same_server,
        extra={"MENUCA_CALL_BUDGET_S": f"{settings.call_budget_s:g}"},
    )
    with open(settings.run_dir / "server.log", "a", encoding="utf-8") as errlog:
        async with connect(env, errlog=errlog) as client:
            status = await call_tool(client, "status")
            report.calls += 1
            nxt = (status.result or {}).get("next")
            last: tuple[str, str, str] | None = None
            answers = 0
            while nxt is not None and answers < MAX_ANSWERS:
                answers += 1
                blockers = nxt.get("blockers") or []
                if blockers:
                    lifted = await _lift(client, screen, settings, nxt, report)
                    if lifted is None:
                        return
                    nxt = lifted
                    continue
                attempt = (nxt["ticket"], nxt["tool"], repr(nxt.get("args")))
                if attempt == last:  # a FAIL whose `next` suggests nothing new: a human must look
                    screen.line("  the agent has no new advice to follow: stopping (see EXECUTION_LOG.md)")
                    return
                outcome = await _call(client, screen, nxt, report)
                if outcome.refused:
                    screen.line(f"  REFUSED {outcome.refused}: {outcome.message}")
                    return
                if outcome.is_error or outcome.result is None:
                    screen.line(f"  ERROR: {outcome.text[:300]}")
                    return
                last = attempt if outcome.result["status"] == "FAIL" else None
                nxt = outcome.result.get("next")
            final = await call_tool(client, "status")
            report.calls += 1
            report.final = final.result or {}


async def _lift(
    client: Any, screen: Screen, settings: Settings, nxt: dict[str, Any], report: DemoReport
) -> dict[str, Any] | None:
    """Lift the first blocker: the operator approves (a human's action, not a tool call), or the agent
    waits out the soak and asks status again; None when only something else could lift it."""
    first, *rest = nxt["blockers"]
    if first["code"] == "APPROVAL_REQUIRED" and first.get("human_action"):
        command = f"{first['human_action'].replace('NAME', OPERATOR)} --yes"
        screen.line(f"OPERATOR  {command}   (a human's action: the demo has no terminal to type on)")
        evidence = await anyio.to_thread.run_sync(lambda: _approve(settings))
        screen.line(f"          evidence shown and recorded: {evidence}")
        return {**nxt, "blockers": rest, "blocked_by": rest[0]["code"] if rest else None}
    if first["code"] == "SOAK_PENDING":
        await anyio.sleep(min(float(first.get("seconds_left") or 1), 5))
    else:
        screen.line(f"  blocked by {first['code']}: {first['detail']}")
        return None
    status = await call_tool(client, "status")
    report.calls += 1
    following: dict[str, Any] | None = (status.result or {}).get("next")
    return following


def _approve(settings: Settings) -> str:
    from server.engine import operator
    from server.engine.evidence import production_evidence

    guard = make_guard(settings)
    state = operator.production_binding(guard)
    evidence = production_evidence(guard, state, interactive=False)
    operator.approve_production(guard, OPERATOR, interactive=False, evidence=evidence)
    return f"{len(evidence.text.splitlines())} lines, sha256 {evidence.sha256[:16]}… (approved without a terminal)"


async def _call(client: Any, screen: Screen, nxt: dict[str, Any], report: DemoReport) -> ToolOutcome:
    tool, environment = nxt["tool"], nxt["environment"]
    args: dict[str, Any] = {} if environment == "both" else {"environment": environment}
    args.update(nxt.get("args") or {})
    label = f"[{nxt['ticket']}] {tool} {environment}"

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        screen.bar(label, progress, total, message)

    def waiting(answer: ToolOutcome) -> None:
        screen.end_bar()
        screen.line(f"  {label}: RUNNING — {(answer.result or {}).get('summary', '')[:90]} (calling again)")

    started = time.monotonic()
    outcome, held = await call_until_done(client, tool, args, progress=on_progress, on_wait=waiting)
    report.calls += len(held)
    screen.end_bar()
    seconds = time.monotonic() - started
    result = outcome.result or {}
    status = result.get("status") or (f"REFUSED {outcome.refused}" if outcome.refused else "ERROR")
    figure = key_figure(result) if result else outcome.message[:80]
    shown_args = ", ".join(f"{k}={v}" for k, v in args.items() if k != "environment")
    screen.line(
        f"{label:<30}{status:<6}{seconds:6.1f} s  {figure}" + (f"  ({shown_args})" if shown_args else "")
    )
    report.rows.append(
        Row(nxt["ticket"], tool, environment, status, figure, seconds, len(held), max(held, default=0.0))
    )
    return outcome


def run_demo(
    scale: float, run_dir: Path, keep: bool, screen: Screen | None = None, call_budget_s: float = 45.0
) -> DemoReport:
    screen = screen or Screen()
    began = time.monotonic()
    run_dir.mkdir(parents=True, exist_ok=True)
    report = DemoReport(run_dir=run_dir)
    screen.line(f"menuca-migrate demo: scale {scale:g}, run directory {run_dir}")
    cluster = EmbeddedPostgres.create()
    try:
        screen.line(f"embedded PostgreSQL on 127.0.0.1:{cluster.port} (data in {cluster.base})")
        screen.line(f"server binaries: {cluster.describe()}")
        staging, production = cluster.dsn("menuca_staging"), cluster.dsn("menuca_production")
        for name, dsn, prod in (("staging", staging, False), ("production", production, True)):
            seeded = seed_database(dsn, scale=scale, production=prod)
            screen.line(f"seeded {name}: {seeded.total_rows:,} rows in {seeded.seconds:.1f} s")
        settings = Settings(
            staging_dsn=staging,
            production_dsn=production,
            run_dir=run_dir,
            soak_hours=0,
            require_approval=True,
            allow_same_server=True,  # both databases live on one embedded server
            call_budget_s=call_budget_s,
        )
        screen.line(
            "the agent starts `menuca-migrate serve` over stdio and follows `next` (soak window 0 for the demo)"
        )
        screen.line("")
        anyio.run(agent, settings, screen, report)
        if report.final.get("run_id"):  # the post-deployment report, with fresh samples of both databases
            screen.line("")
            screen.line("OPERATOR  menuca-migrate report   (the post-deployment report)")
            report.report = write_report(make_guard(settings))
    finally:
        if keep:
            screen.line(f"kept: embedded PostgreSQL on port {cluster.port}; data {cluster.base}")
        else:
            cluster.stop()
    report.seconds = time.monotonic() - began
    verify = Journal(run_dir).verify()
    report.verified = verify.ok
    log_text = (
        (run_dir / EXECUTION_LOG).read_text(encoding="utf-8") if (run_dir / EXECUTION_LOG).exists() else ""
    )
    report.completed = log_text.count("STATUS: COMPLETE")
    _summary(screen, report, verify.problems)
    return report


def _summary(screen: Screen, report: DemoReport, problems: list[str]) -> None:
    screen.line("")
    screen.line(f"{'ticket':<7}{'tool':<15}{'environment':<13}{'status':<8}{'seconds':>8}  key figure")
    for row in report.rows:
        screen.line(
            f"{row.ticket:<7}{row.tool:<15}{row.environment:<13}{row.status:<8}{row.seconds:>8.1f}  {row.figure}"
        )
    tickets = report.final.get("tickets") or []
    done = sum(1 for t in tickets if t["status"] == "COMPLETE")
    screen.line("")
    screen.line(
        f"{done} of 11 tickets COMPLETE in {report.seconds:.0f} s with {report.calls} tool calls; "
        f"{report.completed} completion lines in the log; journal "
        + ("verified" if report.verified else "BROKEN: " + "; ".join(problems))
    )
    screen.line(f"EXECUTION_LOG.md: {report.run_dir / EXECUTION_LOG}")
    if report.report is not None:
        screen.line(f"REPORT.md: {report.report}")
    screen.line(f"read it:  menuca-migrate log --run-dir {report.run_dir}")
