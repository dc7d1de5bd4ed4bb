"""The MCP adapter: typed tool signatures (schemas come from them), resources and the prompt. Every
tool is a thin wrapper that hands the call to the guard in a worker thread and returns its result."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, TypeVar, cast

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from mcp.types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field

from server.engine import registry
from server.engine.guard import CallHooks, Guard, StepRuntime
from server.errors import JournalError, NotConfigured, Refused
from server.journal import EXECUTION_LOG
from server.log import get_logger
from server.runbook import TICKETS
from server.settings import Settings, scrub
from tools.results import (
    ApplyIndexesResult,
    ApplyRlsResult,
    BackupResult,
    FixCombosResult,
    PreflightResult,
    RollbackResult,
    StatusResult,
    ValidateResult,
)

log = get_logger(__name__)
ResultT = TypeVar("ResultT", bound=BaseModel)
EnvironmentArg = Annotated[
    Literal["staging", "production"],
    Field(description="which database: staging first, production after the gates"),
]
DryRunArg = Annotated[
    bool,
    Field(description="return the exact plan (statements, transaction mode, lock settings); change nothing"),
]

INSTRUCTIONS = """\
This server runs the MenuCA V3 schema-optimisation runbook: 11 tickets, staging (00-05) then
production (06-10). Call `status` first. Then call the tool that every result's `next` names, with
its environment, one at a time; the server refuses anything out of order and says what to do
instead. A FAIL result stops the run until that ticket passes or is rolled back: read its checks
and summary. Production waits for a soak window and a human approval you cannot give yourself."""

TICKET_ANNOTATIONS = {
    "readOnlyHint": False,
    "destructiveHint": False,
    "idempotentHint": True,
    "openWorldHint": False,
}


def _annotations(title: str, **hints: bool) -> ToolAnnotations:
    merged = {**TICKET_ANNOTATIONS, **hints}
    return ToolAnnotations(
        title=title,
        read_only_hint=merged["readOnlyHint"],
        destructive_hint=merged["destructiveHint"],
        idempotent_hint=merged["idempotentHint"],
        open_world_hint=merged["openWorldHint"],
    )


def build_server(settings: Settings) -> MCPServer:
    mcp = MCPServer(name="menuca-migrate", instructions=INSTRUCTIONS, version="0.1.0")

    def guard() -> Guard:
        return registry.make_guard(settings)

    async def run_call(
        tool: str, environment: Any, args: dict[str, Any], ctx: Context, model: type[ResultT]
    ) -> ResultT:
        runtime_box: list[StepRuntime] = []

        def on_progress(done: float, total: float | None, message: str | None) -> None:
            anyio.from_thread.run(ctx.report_progress, done, total, message)

        hooks = CallHooks(on_progress=on_progress, on_runtime=runtime_box.append)
        try:
            result = await anyio.to_thread.run_sync(
                lambda: guard().call(tool, environment, args, hooks), abandon_on_cancel=True
            )
        except anyio.get_cancelled_exc_class():
            for runtime in runtime_box:  # the client cancelled: stop the database work now
                runtime.cancel()
            raise
        except Refused as refused:
            raise ToolError(str(refused)) from None
        except (NotConfigured, JournalError) as exc:
            raise ToolError(f"REFUSED NOT_CONFIGURED: {scrub(str(exc), settings.secrets())}") from None
        return model.model_validate(result)

    @mcp.tool(
        description="Where the run stands: every ticket's status, what to call next and what blocks it, "
        "whether the operator halted the run, the production approval, the soak time left and the journal "
        "head. Read-only; call it first and whenever unsure.",
        annotations=_annotations("Run status", readOnlyHint=True),
    )
    async def status() -> StatusResult:
        try:
            data = await anyio.to_thread.run_sync(lambda: guard().status())
        except JournalError as exc:  # an unreadable run directory: say which, never "Error executing tool"
            raise ToolError(f"REFUSED NOT_CONFIGURED: {scrub(str(exc), settings.secrets())}") from None
        return StatusResult.model_validate(data)

    @mcp.tool(
        description="Ticket 00. Checks both databases (reachable, distinct, versions, pg_dump, session-mode "
        "connection, privileges and roles, disk space, no INVALID index, no other run, SQL files) and "
        "records the baselines later tickets and rollbacks compare with. Starts a new run when none is in "
        "progress. Changes nothing in either database.",
        annotations=_annotations("Pre-flight check (ticket 00)", readOnlyHint=True),
    )
    async def preflight(ctx: Context) -> PreflightResult:
        return await run_call("preflight", None, {}, ctx, PreflightResult)

    @mcp.tool(
        description="Tickets 01 (staging) and 06 (production). Takes a named pg_dump of menuca_v3 and staging, "
        "records sha256 and row counts, and proves it by reading it back in full and restoring it into a "
        "scratch database. An unverifiable backup is a FAIL. Production needs the soak window and the "
        "operator's approval first.",
        annotations=_annotations("Backup (tickets 01, 06)"),
    )
    async def backup(environment: EnvironmentArg, ctx: Context, dry_run: DryRunArg = False) -> BackupResult:
        return await run_call("backup", environment, {"dry_run": dry_run}, ctx, BackupResult)

    @mcp.tool(
        description="Tickets 02 (staging) and 07 (production). Makes the 58 target indexes exist: each is "
        "'present' (same name, valid), 'equivalent' (an existing valid index with the same definition under "
        "another name: not duplicated), 'rebuilt' (an INVALID one of that name) or 'created'. Every build is "
        "CREATE INDEX CONCURRENTLY on its own, after a check for long transactions, verified valid after; "
        "then ANALYZE, and the menu queries are timed before and after (PASS needs them not slower).",
        annotations=_annotations("Performance indexes (tickets 02, 07)"),
    )
    async def apply_indexes(
        environment: EnvironmentArg, ctx: Context, dry_run: DryRunArg = False
    ) -> ApplyIndexesResult:
        return await run_call("apply_indexes", environment, {"dry_run": dry_run}, ctx, ApplyIndexesResult)

    @mcp.tool(
        description="Tickets 03 (staging) and 08 (production). Enables Row Level Security on every menuca_v3 "
        "table with its tenant-isolation policies and helper functions, all in one short-lock transaction "
        "(RLS is never on without its policies), keeps pre-existing policies, then proves isolation with a "
        "test matrix run as the real roles anon and authenticated with JWT claims, in transactions that are "
        "always rolled back. Any failed test restores the previous RLS state and returns FAIL.",
        annotations=_annotations("Row Level Security (tickets 03, 08)", destructiveHint=True),
    )
    async def apply_rls(
        environment: EnvironmentArg, ctx: Context, dry_run: DryRunArg = False
    ) -> ApplyRlsResult:
        return await run_call("apply_rls", environment, {"dry_run": dry_run}, ctx, ApplyRlsResult)

    @mcp.tool(
        description="Tickets 04 (staging) and 09 (production). Repairs orphaned combo groups from the V1 source "
        "junction in ONE transaction: optionally backfills the referenced dishes missing from menuca_v3.dishes "
        "(backfill_missing_dishes=true; as inactive dishes), inserts the missing combo items (never a duplicate "
        "pair), and commits only if the gate holds: source-backed orphan rate < 5 % and integrity. Otherwise "
        "everything is rolled back and the result says why and what to call next.",
        annotations=_annotations("Combo repair (tickets 04, 09)", destructiveHint=True),
    )
    async def fix_combos(
        environment: EnvironmentArg,
        ctx: Context,
        dry_run: DryRunArg = False,
        backfill_missing_dishes: Annotated[
            bool,
            Field(
                description="first add the referenced dishes that exist only in the V1 staging menu (inactive)"
            ),
        ] = False,
    ) -> FixCombosResult:
        return await run_call(
            "fix_combos",
            environment,
            {"dry_run": dry_run, "backfill_missing_dishes": backfill_missing_dishes},
            ctx,
            FixCombosResult,
        )

    @mcp.tool(
        description="Tickets 05 (staging) and 10 (production). Re-checks, from the database's real state, "
        "everything tickets 02-04 promised (indexes, RLS and its test matrix, combo gate), integrity, the menu "
        "query against the preflight baseline, and health; for production also compares the catalog with "
        "staging and shows row counts side by side. Changes nothing.",
        annotations=_annotations("Validation (tickets 05, 10)", readOnlyHint=True),
    )
    async def validate(environment: EnvironmentArg, ctx: Context) -> ValidateResult:
        return await run_call("validate", environment, {}, ctx, ValidateResult)

    @mcp.tool(
        description="Undo this run's work in one environment. scope='indexes' drops exactly the indexes the "
        "run built; 'rls' restores the RLS flags and policies of the baseline; 'combos' deletes exactly "
        "the rows of the recorded combo batch; 'full' restores the environment's verified backup in one "
        "transaction (production needs the operator's `approve rollback`). The undone tickets, and later "
        "ones of that environment, become ROLLED_BACK and must be run again in order. Rows other rows now "
        "reference block the rollback and are reported; nothing is cascaded.",
        annotations=_annotations("Rollback", destructiveHint=True, idempotentHint=False),
    )
    async def rollback(
        environment: EnvironmentArg,
        scope: Annotated[
            Literal["indexes", "rls", "combos", "full"],
            Field(description="what to undo: one step's work, or everything since the backup"),
        ],
        reason: Annotated[str, Field(min_length=1, max_length=500, description="why, for the execution log")],
        ctx: Context,
        dry_run: DryRunArg = False,
    ) -> RollbackResult:
        return await run_call(
            "rollback",
            environment,
            {"scope": scope, "reason": reason, "dry_run": dry_run},
            ctx,
            RollbackResult,
        )

    _forbid_unknown_arguments(mcp)
    _add_resources(mcp, settings, guard)
    return mcp


def _forbid_unknown_arguments(mcp: MCPServer) -> None:
    """An argument no tool declares is a schema error, never silently dropped: an agent that sends
    `approved_by` or `soak_hours` must learn that it means nothing (SPEC.md §5, STYLE.md example 6)."""
    # The SDK builds each tool's argument model with pydantic's default (extra keys ignored) and has
    # no option for it; Tool.fn_metadata and Tool.parameters are read at every call and listing.
    for tool in mcp._tool_manager.list_tools():
        loose = tool.fn_metadata.arg_model
        strict = cast(
            type[ArgModelBase],
            type(
                loose.__name__,
                (loose,),
                {"__module__": loose.__module__, "model_config": ConfigDict(extra="forbid")},
            ),
        )
        tool.fn_metadata.arg_model = strict
        tool.parameters = strict.model_json_schema(by_alias=True)


def _add_resources(mcp: MCPServer, settings: Settings, guard: Any) -> None:
    from server.app.tickets_doc import ticket_markdown

    def reader(ticket_id: str) -> Any:
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
        return json.dumps(guard().status(), indent=2)

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
