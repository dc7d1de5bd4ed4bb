"""The MCP resources (each ticket, the execution log, the run status, the report) and the prompt
run_migration."""

from __future__ import annotations

from collections.abc import Callable

import anyio.to_thread
from mcp.server import MCPServer

from server.app.tickets_doc import ticket_markdown
from server.engine.evidence import served_evidence
from server.engine.guard import Guard
from server.engine.report import render_resource
from server.journal import EXECUTION_LOG
from server.runbook import TICKETS
from server.settings import Settings


def add_resources(mcp: MCPServer, settings: Settings, guard: Callable[[], Guard]) -> None:
    def reader(ticket_id: str) -> Callable[[], str]:
        def read_ticket() -> str:
            return ticket_markdown(ticket_id)

        return read_ticket

    for ticket in TICKETS:
        mcp.resource(
            f"menuca://tickets/{ticket.id}",
            name=f"ticket-{ticket.id}",
            description=f"Ticket {ticket.id}: {ticket.tool} on {ticket.environment} (the runbook page a human reads)",
            mime_type="text/markdown",
        )(reader(ticket.id))

    @mcp.resource(
        "menuca://run/execution-log",
        name="execution-log",
        description="EXECUTION_LOG.md of this run directory: every call, its checks and decision",
        mime_type="text/markdown",
    )
    def execution_log() -> str:
        path = settings.run_dir / EXECUTION_LOG
        return (
            path.read_text(encoding="utf-8")
            if path.exists()
            else "(no call has been made in this run directory yet)"
        )

    @mcp.resource(
        "menuca://run/status",
        name="run-status",
        description="The run status as JSON (the same as the status tool)",
        mime_type="application/json",
    )
    def run_status() -> str:
        return guard().status().model_dump_json(indent=2)

    @mcp.resource(
        "menuca://report",
        name="report",
        description="The post-deployment report (SPEC.md §12) from the journal: before/after figures, RLS "
        "overhead, the soak's and the watch's health and triggers, warnings, FAILs, time per ticket, sign-offs "
        "(`menuca-migrate report` also takes fresh samples and draws the charts)",
        mime_type="text/markdown",
    )
    async def report() -> str:
        return await anyio.to_thread.run_sync(lambda: render_resource(guard()))

    @mcp.resource(
        "menuca://approval-evidence",
        name="approval-evidence",
        description="What the operator approves before production (staging's tickets and figures, the data "
        "the agent chose to write, warnings, the soak, the plans of tickets 06-09 against production): the "
        "evidence recorded with the approval, or what `approve production` would show now",
        mime_type="text/markdown",
    )
    async def approval_evidence() -> str:
        return await anyio.to_thread.run_sync(lambda: served_evidence(guard()))

    @mcp.prompt(description="How to carry out the MenuCA V3 runbook with this server, step by step.")
    def run_migration() -> str:
        return RUN_MIGRATION_PROMPT


RUN_MIGRATION_PROMPT = """\
You are carrying out the MenuCA V3 schema-optimisation runbook through the menuca-migrate tools.

1. Call `status`. It shows the 11 tickets and `next`: the ticket, tool and environment to call.
2. Call exactly the tool `next` names, with its environment and, when `next.args` is not null,
   those arguments as they are (`next.args_reason` says why: for example preflight found that the
   combo repair cannot reach its gate without `backfill_missing_dishes: true`, or production must
   use the arguments staging passed with). One call at a time; wait for each result.
3. Read the result: `status` is PASS, FAIL or DRY_RUN; `checks` lists expected vs actual (a passed
   check may carry a `warning`: mention it to the user); `summary` says what happened and `next`
   says what to call now. Never skip ahead.
4. Before a call, `next.blockers` lists every gate it does not meet yet, in order, each with
   `code`, `detail`, `seconds_left` and `human_action`:
   - `seconds_left` set (SOAK_PENDING, the soak window after ticket 05): time lifts it. Tell the
     user how long, and call `status` later (`soak_remaining_s` counts down to 0).
   - `human_action` set (APPROVAL_REQUIRED, HALTED): only a human can lift it. You cannot approve
     or resume: ask the user to run exactly that command (for example
     `menuca-migrate approve production --by NAME`) and to read what it prints, then call again.
     The evidence the operator approves is the resource `menuca://approval-evidence`.
   - neither (STAGING_DRIFTED, BLOCKED_BY_FAILURE, ...): `detail` says what to do.
   `blocked_by` is the first blocker's code.
5. A refused call comes back as a tool error `REFUSED <CODE>: <sentence>` whose structured content
   is `{refused, message, next, blockers}`: read the code and `next`, do what they say, and do not
   retry the same call unchanged.
6. Use `dry_run: true` to see the exact statements a step would run, before running it. A dry run
   changes nothing, and it passes the time and human gates: during the soak or before the approval
   it still returns the plan (names the real call mints show as placeholders such as
   `<backup_id>`), with `next.blockers` listing what the real call waits for.
7. On FAIL, read the failed checks and the summary: it says how to fix the cause (follow
   `next.args` if it changed) or when to roll back with `rollback`.
8. The run is done when `next` is null. Report the figures: indexes created, RLS tests passed, orphan
   rates before and after, the dishes the backfill inserted, the menu-query speedup measured by
   validate, and every warning.
"""
