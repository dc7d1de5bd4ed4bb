"""The MCP tools: typed signatures (schemas come from them), full behaviour hints, strict arguments.
Each builds its tool's argument model and hands the call to the guard in a worker thread."""

from __future__ import annotations

import contextlib
import copy
import time
from typing import Annotated, Any, Literal, TypeVar, cast

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from server.engine import registry
from server.engine.guard import Guard
from server.engine.jobs import JOBS, wait_briefly
from server.errors import JournalError, NotConfigured, Refused
from server.settings import Settings, scrub
from tools.results import (
    ApplyIndexesArgs,
    ApplyIndexesResult,
    ApplyRlsArgs,
    ApplyRlsResult,
    BackupArgs,
    BackupResult,
    FixCombosArgs,
    FixCombosResult,
    PreflightArgs,
    PreflightResult,
    Refusal,
    RollbackArgs,
    RollbackResult,
    StatusResult,
    ToolArgs,
    ValidateArgs,
    ValidateResult,
)

ResultT = TypeVar("ResultT", bound=BaseModel)
EnvironmentArg = Annotated[
    Literal["staging", "production"],
    Field(description="which database: staging first, production after the gates"),
]
DryRunArg = Annotated[
    bool,
    Field(description="return the exact plan (statements, transaction mode, lock settings); change nothing"),
]

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


def answer(result: BaseModel) -> CallToolResult:
    """A result as the SDK would send it (structured content plus its JSON text); the tool's
    outputSchema comes from the model named in the return annotation."""
    return CallToolResult(
        content=[TextContent(type="text", text=result.model_dump_json(indent=2))],
        structured_content=result.model_dump(mode="json"),
    )


def refusal(
    code: str, message: str, next_: dict[str, Any] | None, blockers: list[dict[str, Any]]
) -> CallToolResult:
    """A refused call (SPEC.md §5): an MCP tool error whose text is `REFUSED <CODE>: <sentence>` and
    whose structured content carries the code, `next` and every blocker. Clients do not check an
    error's structured content against the tool's outputSchema (mcp 2.3 checks only results with
    isError false), so the refusal has its own shape."""
    shown = Refusal.model_validate(
        {"refused": code, "message": message, "next": next_, "blockers": blockers}
    ).model_dump(mode="json")
    return CallToolResult(
        content=[TextContent(type="text", text=f"REFUSED {code}: {message}")],
        structured_content=shown,
        is_error=True,
    )


def not_configured(problem: str) -> CallToolResult:
    return refusal("NOT_CONFIGURED", problem, None, [{"code": "NOT_CONFIGURED", "detail": problem}])


def add_tools(mcp: MCPServer, settings: Settings) -> None:
    """Every tool: a typed signature (its schema) that builds the tool's argument model and hands it to
    the guard in a worker thread."""

    def guard() -> Guard:
        return registry.make_guard(settings)

    async def run_call(args: ToolArgs, ctx: Context, model: type[ResultT]) -> CallToolResult:
        """The call runs as a job of this process: wait for it at most the call budget (attaching to
        the same call already running, SPEC.md §14); answer RUNNING when it goes on past that."""

        # The work runs in the job's own thread, not an anyio worker: progress finds its way back to
        # this event loop by its token (anyio >= 4.11).
        loop = anyio.lowlevel.current_token()

        def on_progress(done: float, total: float | None, message: str | None) -> None:
            with contextlib.suppress(Exception):  # a caller that is gone must not stop the work
                anyio.from_thread.run(ctx.report_progress, done, total, message, token=loop)

        key = (str(settings.run_dir), args.model_dump_json())
        job, ended_before = JOBS.attach_or_start(key, lambda hooks: guard().call(args, hooks))
        # an earlier caller was answered RUNNING: this call did not run the work, whether the work ended
        # before it came or while it waited, so it gets the recorded result as a replay
        attached = ended_before or job.answered_running
        # from a worker thread: listen() replays the latest progress at once, and on_progress must never
        # run on this event loop's own thread (it would wait for the loop it blocks)
        await anyio.to_thread.run_sync(lambda: job.listen(on_progress))
        begun = time.monotonic()
        try:
            ended = await anyio.to_thread.run_sync(
                lambda: wait_briefly(job, settings.call_budget_s), abandon_on_cancel=True
            )
        except anyio.get_cancelled_exc_class():
            job.listen(None)
            job.cancel()  # the caller cancelled while waiting: stop the database work at its next safe point
            raise
        job.listen(None)
        try:
            if not ended:
                JOBS.answered_running(job)
                result = await anyio.to_thread.run_sync(
                    lambda: guard().running_answer(args, job.progress, time.monotonic() - begun)
                )
            else:
                JOBS.picked_up(job)
                result = job.outcome()
                if attached:  # the work ended after an earlier RUNNING answer: its recorded result
                    recorded = result
                    result = await anyio.to_thread.run_sync(lambda: guard().picked_up(args, recorded))
        except Refused as refused:
            return refusal(refused.code, refused.message, refused.next, refused.blockers)
        except (NotConfigured, JournalError) as exc:
            return not_configured(scrub(str(exc), settings.secrets()))
        if isinstance(result, model):
            return answer(result)
        try:
            return answer(model.model_validate(result.model_dump()))
        except ValidationError as exc:  # a defect: still never a bare "Error executing tool"
            return CallToolResult(
                content=[
                    TextContent(
                        type="text",
                        text=f"{args.tool} ended with a result that does not match its schema "
                        f"({exc.error_count()} problem(s)): {scrub(result.summary, settings.secrets())}",
                    )
                ],
                is_error=True,
            )

    @mcp.tool(
        description="Where the run stands: every ticket's status, what to call next and what blocks it, "
        "whether the operator halted the run, the production approval, the soak time left and the journal "
        "head. Read-only; call it first and whenever unsure.",
        annotations=_annotations("Run status", readOnlyHint=True),
    )
    async def status() -> Annotated[CallToolResult, StatusResult]:
        try:
            data = await anyio.to_thread.run_sync(lambda: guard().status())
        except JournalError as exc:  # an unreadable run directory: say which, never "Error executing tool"
            return not_configured(scrub(str(exc), settings.secrets()))
        return answer(data)

    @mcp.tool(
        description="Ticket 00. Checks both databases (reachable, distinct, versions, pg_dump, session-mode "
        "connection, privileges and roles, disk space, no INVALID index, no other run, SQL files) and "
        "records the baselines later tickets and rollbacks compare with. Starts a new run when none is in "
        "progress. Changes nothing in either database.",
        annotations=_annotations("Pre-flight check (ticket 00)", readOnlyHint=True),
    )
    async def preflight(ctx: Context) -> Annotated[CallToolResult, PreflightResult]:
        return await run_call(PreflightArgs(), ctx, PreflightResult)

    @mcp.tool(
        description="Tickets 01 (staging) and 06 (production). Takes a named pg_dump of menuca_v3 and staging, "
        "records sha256 and row counts, and proves it by reading it back in full and restoring it into a "
        "scratch database. An unverifiable backup is a FAIL. Production needs the soak window and the "
        "operator's approval first.",
        annotations=_annotations("Backup (tickets 01, 06)"),
    )
    async def backup(
        environment: EnvironmentArg, ctx: Context, dry_run: DryRunArg = False
    ) -> Annotated[CallToolResult, BackupResult]:
        return await run_call(BackupArgs(environment=environment, dry_run=dry_run), ctx, BackupResult)

    @mcp.tool(
        description="Tickets 02 (staging) and 07 (production). Makes the 58 target indexes exist: each is "
        "'present' (same name, valid), 'equivalent' (an existing valid index with the same definition under "
        "another name: not duplicated), 'rebuilt' (an INVALID one of that name), 'conflict' (another definition "
        "under that name: kept, never dropped; the ticket FAILs naming it) or 'created'. Every build is "
        "CREATE INDEX CONCURRENTLY on its own, after a check for long transactions, verified valid after; "
        "then ANALYZE, and the menu queries are timed before and after (PASS needs them not slower).",
        annotations=_annotations("Performance indexes (tickets 02, 07)"),
    )
    async def apply_indexes(
        environment: EnvironmentArg, ctx: Context, dry_run: DryRunArg = False
    ) -> Annotated[CallToolResult, ApplyIndexesResult]:
        return await run_call(
            ApplyIndexesArgs(environment=environment, dry_run=dry_run), ctx, ApplyIndexesResult
        )

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
    ) -> Annotated[CallToolResult, ApplyRlsResult]:
        return await run_call(ApplyRlsArgs(environment=environment, dry_run=dry_run), ctx, ApplyRlsResult)

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
    ) -> Annotated[CallToolResult, FixCombosResult]:
        args = FixCombosArgs(
            environment=environment, dry_run=dry_run, backfill_missing_dishes=backfill_missing_dishes
        )
        return await run_call(args, ctx, FixCombosResult)

    @mcp.tool(
        description="Tickets 05 (staging) and 10 (production). Re-checks, from the database's real state, "
        "everything tickets 02-04 promised (indexes, RLS and its test matrix, combo gate), integrity, the menu "
        "query against the preflight baseline, and health; for production also compares the catalog with "
        "staging and shows row counts side by side. Changes nothing.",
        annotations=_annotations("Validation (tickets 05, 10)", readOnlyHint=True),
    )
    async def validate(
        environment: EnvironmentArg, ctx: Context
    ) -> Annotated[CallToolResult, ValidateResult]:
        return await run_call(ValidateArgs(environment=environment), ctx, ValidateResult)

    @mcp.tool(
        description="Undo this run's work in one environment. scope='indexes' drops exactly the indexes the "
        "run built (by oid and definition; any other index is kept and named); 'rls' restores the RLS flags and policies of the baseline; 'combos' deletes exactly "
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
    ) -> Annotated[CallToolResult, RollbackResult]:
        args = RollbackArgs(environment=environment, scope=scope, reason=reason, dry_run=dry_run)
        return await run_call(args, ctx, RollbackResult)

    _forbid_unknown_arguments(mcp)
    _admit_refusals_in_output_schemas(mcp)


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


def _admit_refusals_in_output_schemas(mcp: MCPServer) -> None:
    """Each tool's outputSchema admits its two answers: the result, or (in an error result) the refusal
    `{refused, message, next, blockers}`. The TypeScript SDK (and so the MCP Inspector) validates
    structured content against the outputSchema even when isError is true, so a schema of the result
    alone makes it reject every refusal; the Python SDK validates only results. The properties stay
    at the top level (what clients and the contract check read); `anyOf` says which ones a result,
    or a refusal, must have."""
    refusal = Refusal.model_json_schema()
    for tool in mcp._tool_manager.list_tools():
        schema = tool.fn_metadata.output_schema
        if schema is None:
            continue
        either = copy.deepcopy(schema)
        defs = either.setdefault("$defs", {})
        for name, definition in refusal.get("$defs", {}).items():
            defs.setdefault(name, definition)
        for name in ("refused", "message", "blockers"):
            either["properties"].setdefault(name, refusal["properties"][name])
        either["anyOf"] = [{"required": either.pop("required", [])}, {"required": refusal["required"]}]
        either["description"] = (
            "The tool's result; or, in an error result (isError true), a refusal: the code in `refused`, "
            "`message`, `next` and `blockers`."
        )
        tool.fn_metadata.output_schema = either
        tool.__dict__.pop("output_schema", None)  # a cached_property of the SDK's Tool
