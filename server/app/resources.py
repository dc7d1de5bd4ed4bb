"""The MCP resources (each ticket, the execution log, the run status) and the prompt run_migration."""

from __future__ import annotations

from collections.abc import Callable

import anyio.to_thread
from mcp.server import MCPServer

from server.app.tickets_doc import ticket_markdown
from server.engine.evidence import served_evidence
from server.engine.guard import Guard
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
2. Call exactly the tool `next` names, with its environment. One call at a time; wait for each result.
3. Read the result: `status` is PASS or FAIL, `checks` lists expected vs actual, `summary` says what
   happened and `next` says what to call now. Never skip ahead: the server refuses out-of-order calls
   with `REFUSED <CODE>: …` and tells you the right call.
4. On FAIL, read the failed checks and the summary: it says how to fix the cause (for example call
   fix_combos again with backfill_missing_dishes=true) or when to roll back with `rollback`.
5. Use `dry_run: true` to see the exact statements a step would run before running it.
6. Production (tickets 06-10) waits for a soak window after ticket 05 and for a human approval. You
   cannot approve: when `next.blocked_by` is SOAK_PENDING, tell the user the time left
   (`status.soak_remaining_s`); when it is APPROVAL_REQUIRED, ask the operator to run
   `menuca-migrate approve production --by NAME`. REFUSED HALTED means the operator stopped the run.
7. The run is done when `next` is null. Report the figures: indexes created, RLS tests passed, orphan
   rates before and after, the menu-query speedup measured by validate.
"""
