"""The typed surface of the tools: each tool's arguments, the fields its step reports, and its result
(the common ticket fields of SPEC.md §6 plus those fields); checks, the next step and dry-run plans."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from server.runbook import Env, Scope, TicketEnv, ToolName
from tools.lib.health_models import HealthStatus, WatchStatus

TicketEnvironment = TicketEnv
Outcome = Literal["PASS", "FAIL", "DRY_RUN", "RUNNING"]
TransactionMode = Literal["autocommit", "transaction", "external"]


class Check(BaseModel):
    """One validation the ticket defines, with what was expected and what the database really showed."""

    name: str
    expected: JsonValue
    actual: JsonValue
    passed: bool
    warning: str | None = Field(default=None, description="a sentence when the check passed with a concern")


class Blocker(BaseModel):
    """One gate the next call does not meet yet."""

    code: str = Field(description="the refusal code the call would get for it")
    detail: str = Field(description="why, and what to do, in one sentence")
    human_action: str | None = Field(
        default=None, description="the exact operator command when only a human can lift it, else null"
    )
    seconds_left: float | None = Field(default=None, description="when time lifts it: the seconds left")


class Next(BaseModel):
    """What to call next; `blocked_by` names the refusal that call would get now, if any, and
    `blockers` every gate it does not meet yet, in the order the server applies them."""

    ticket: str
    tool: str
    environment: TicketEnvironment
    blocked_by: str | None = None
    blockers: list[Blocker] = Field(default_factory=list)
    args: dict[str, JsonValue] | None = Field(
        default=None, description="arguments to pass as they are (beside environment), or null"
    )
    args_reason: str | None = Field(default=None, description="why those arguments, in one sentence")


class Refusal(BaseModel):
    """The structured content of a refused call (an MCP tool error): the code without parsing prose."""

    refused: str
    message: str
    next: Next | None = None
    blockers: list[Blocker] = Field(default_factory=list)


class PlannedStatement(BaseModel):
    """One statement of a dry run's plan, in order, with how it would run."""

    order: int
    statement: str
    transaction: TransactionMode
    lock_timeout: str | None = None
    statement_timeout: str | None = None
    note: str | None = None


class Progress(BaseModel):
    """How far a step that is still working has got (SPEC.md §14)."""

    done: float
    total: float | None = None
    message: str | None = None


class TicketResult(BaseModel):
    """The fields every ticket result carries (SPEC.md §6)."""

    model_config = ConfigDict(extra="forbid")

    run_id: str | None = Field(
        min_length=1, description="the run; null only in a FAIL that ended before one was minted"
    )
    ticket: str
    tool: str
    environment: TicketEnvironment
    status: Outcome
    checks: list[Check]
    summary: str
    next: Next | None
    replayed: bool = False
    duration_ms: int
    plan: list[PlannedStatement] | None = Field(
        default=None, description="dry runs only: the exact statements that would run, in order"
    )
    progress: Progress | None = Field(
        default=None,
        description="RUNNING only: how far the work has got; call the same tool with the same arguments again",
    )


# -- per tool --------------------------------------------------------------------------------------


class ComboDiagnosis(BaseModel):
    """Preflight's coverage diagnosis of the combo repair: what fix_combos would reach, read-only."""

    source_rows: int
    mapped_rows: int
    dishes_missing_backfillable: int
    source_backed_without_backfill: float
    source_backed_with_backfill: float
    reaches_gate_without_backfill: bool
    reaches_gate_with_backfill: bool


class EnvironmentReport(BaseModel):
    database: str
    server_version: str | None = None
    row_counts: dict[str, int] = Field(default_factory=dict)
    index_count: int | None = None
    invalid_indexes: list[str] = Field(default_factory=list)
    rls_enabled_tables: int | None = None
    policies: int | None = None
    orphan_rate: dict[str, float] | None = None
    menu_query_ms: float | None = None
    pinned_restaurants: list[int] = Field(default_factory=list)
    # the pg_dump, pg_restore and psql this run uses: version, where found, path
    client_tools: dict[str, str] = Field(default_factory=dict)
    pinned_combo_restaurants: list[int] = Field(
        default_factory=list,
        description="the combo query's restaurants: those with the most and the median combo groups",
    )
    dataset_scale: float | None = Field(
        default=None,
        description="row counts relative to the real database at the time of the runbook (combo_groups / "
        "8,234): figures the tickets quote 'at scale 1' scale by it",
    )
    combo_gate: ComboDiagnosis | None = Field(
        default=None, description="whether fix_combos can reach its gate, with and without the dish backfill"
    )


class PreflightFields(BaseModel):
    """What the preflight step reports beside the common ticket fields."""

    staging: EnvironmentReport | None = None
    production: EnvironmentReport | None = None
    sql_files: int = 0


class BackupFields(BaseModel):
    """What the backup step reports beside the common ticket fields."""

    backup_id: str | None = Field(
        default=None,
        min_length=1,
        description="the backup's name (also for a failed or planned one); null in a FAIL that ended "
        "before it was minted",
    )
    path: str | None = None
    bytes: int | None = None
    sha256: str | None = None
    row_counts: dict[str, int] = Field(default_factory=dict)
    verified: bool = False
    verification: list[str] = Field(default_factory=list, description="how the archive was proven readable")


class IndexOutcome(BaseModel):
    name: str
    table: str
    action: Literal["created", "present", "equivalent", "rebuilt", "conflict", "planned", "failed"] = Field(
        description="conflict: an index of another definition holds the target's name (kept, never dropped)"
    )
    equivalent_to: str | None = Field(default=None, description="the existing index that already covers it")
    valid: bool
    build_ms: int | None = None


class QueryTiming(BaseModel):
    name: str
    before_ms: float | None
    after_ms: float | None
    speedup: float | None
    uses_index: bool | None = Field(
        default=None, description="the plan after uses an index on its main table"
    )
    indexes_used: list[str] = Field(default_factory=list, description="the indexes the plan after reads")
    restaurants: list[int] = Field(default_factory=list, description="the pinned restaurants it is timed on")


class ApplyIndexesFields(BaseModel):
    """What the apply_indexes step reports beside the common ticket fields."""

    indexes: list[IndexOutcome] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict, description="targets per action")
    menu_query_ms_before: float | None = None
    menu_query_ms_after: float | None = None
    speedup: float | None = None
    queries: list[QueryTiming] = Field(default_factory=list)
    long_transactions: list[str] = Field(default_factory=list)


class RlsTest(BaseModel):
    name: str
    role: Literal["anon", "authenticated"]
    identity: str = Field(description="whose JWT claims: tenant A, tenant B, platform admin, end user, none")
    table: str
    action: str
    expected: Literal["allow", "deny"]
    actual: str
    passed: bool


class PolicyCommand(BaseModel):
    """The policies that apply to one table, role and command (a FOR ALL policy counts for each)."""

    table: str
    role: str
    command: Literal["SELECT", "INSERT", "UPDATE", "DELETE"]
    permissive: list[str]
    restrictive: list[str]
    preexisting: list[str] = Field(default_factory=list, description="which of them were there before (kept)")


class ApplyRlsFields(BaseModel):
    """What the apply_rls step reports beside the common ticket fields."""

    tables_enabled: int = 0
    tables_total: int = 0
    policies_created: list[str] = Field(default_factory=list)
    policies_preexisting: list[str] = Field(default_factory=list)
    helper_functions: list[str] = Field(default_factory=list)
    indexes_built: list[str] = Field(default_factory=list)
    tests: list[RlsTest] = Field(default_factory=list)
    tests_passed: int = 0
    tests_total: int = 0
    snapshot_restored: bool = False
    lock_retries: int = 0
    blocking_sessions: list[str] = Field(default_factory=list)
    policies_by_command: list[PolicyCommand] = Field(
        default_factory=list, description="this run's and the kept policies per table, role and command"
    )


class OrphanRates(BaseModel):
    naive: float = Field(description="orphaned groups / all groups")
    source_backed: float = Field(
        description="orphaned groups / groups whose legacy_v1_id is in the source junction"
    )


class Coverage(BaseModel):
    source_rows: int
    mapped_rows: int
    unmapped_group_missing: int
    unmapped_dish_missing: int
    unmapped_dish_ambiguous: int
    already_present: int = 0
    dishes_missing_backfillable: int = 0
    dishes_ambiguous: int = 0
    dishes_nowhere: int = 0


class FixCombosFields(BaseModel):
    """What the fix_combos step reports beside the common ticket fields."""

    orphan_rate_before: OrphanRates | None = None
    orphan_rate_after: OrphanRates | None = None
    items_inserted: int = 0
    dishes_backfilled: int = 0
    batch_id: str | None = Field(
        default=None,
        min_length=1,
        description="this attempt's batch (rolled back when the gate failed); null in a FAIL that ended "
        "before it was minted",
    )
    committed: bool = False
    coverage: Coverage | None = None
    empty_shells: int | None = Field(
        default=None, description="groups without items that never had any in the source"
    )
    band: Literal["excellent", "pass", "warning", "fail"] | None = None


class ValidateFields(BaseModel):
    """What the validate step reports beside the common ticket fields."""

    menu_query_ms_baseline: float | None = None
    menu_query_ms_now: float | None = None
    speedup: float | None = None
    orphan_rate: OrphanRates | None = None
    rls_tests_passed: int = 0
    rls_tests_total: int = 0
    row_counts: dict[str, dict[str, int | None]] | None = Field(
        default=None, description="production only: {table: {staging, production}} (reported, not gated)"
    )


class RollbackFields(BaseModel):
    """What a rollback reports beside the common ticket fields."""

    scope: Literal["indexes", "rls", "combos", "full"] | None = Field(
        default=None, description="as called; null only in a FAIL that ended before the call was read"
    )
    tickets_rolled_back: list[str] = Field(default_factory=list)
    restored: list[str] = Field(default_factory=list, description="what was put back, one line each")
    blocked_by_references: list[str] = Field(default_factory=list)
    changed_tables: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="tables whose row counts differ from the backup: {table: {backup, now}}",
    )


# -- results: the common ticket fields plus each step's own (no docstrings: they would become schema
# descriptions the MCP surface does not have) ------------------------------------------------------------


class PreflightResult(TicketResult, PreflightFields):
    pass


class BackupResult(TicketResult, BackupFields):
    pass


class ApplyIndexesResult(TicketResult, ApplyIndexesFields):
    pass


class ApplyRlsResult(TicketResult, ApplyRlsFields):
    pass


class FixCombosResult(TicketResult, FixCombosFields):
    pass


class ValidateResult(TicketResult, ValidateFields):
    pass


class RollbackResult(TicketResult, RollbackFields):
    pass


TicketStatusName = Literal["PENDING", "IN_PROGRESS", "COMPLETE", "FAILED", "ROLLED_BACK"]


class TicketStatusModel(BaseModel):
    ticket: str
    tool: str
    environment: TicketEnvironment
    status: TicketStatusName
    started_at: str | None = None
    finished_at: str | None = None
    interrupted: bool = False
    progress: Progress | None = Field(default=None, description="while IN_PROGRESS: how far it has got")


class ApprovalModel(BaseModel):
    by: str
    at: str
    interactive: bool = Field(
        default=False,
        description="false: approved without a terminal (--yes), nobody typed the database name",
    )
    note: str | None = None


class JournalHead(BaseModel):
    seq: int
    hash: str | None


class RollbackStatusModel(BaseModel):
    environment: Env
    scope: Scope | None
    started_at: str | None
    interrupted: bool = Field(description="no live call holds the run's lock: call rollback again")


class StatusResult(BaseModel):
    run_id: str | None
    tickets: list[TicketStatusModel]
    next: Next | None
    halted: bool
    halt_reason: str | None = None
    approval: ApprovalModel | None
    soak_remaining_s: float | None
    journal_head: JournalHead
    journal_ok: bool = Field(
        default=True, description="false when the journal failed its verification (see warnings)"
    )
    health: HealthStatus | None = Field(
        default=None, description="the latest health sample and the triggers it trips (SPEC.md §12), or null"
    )
    watch: WatchStatus | None = Field(
        default=None, description="the production watch after ticket 10: {hours_left, healthy, triggers}"
    )
    warnings: list[str] = Field(default_factory=list)
    rollback: RollbackStatusModel | None = Field(
        default=None, description="a rollback that started and has not ended (running, or interrupted)"
    )
    summary: str


# -- arguments: one model per tool, built by the MCP adapter and passed through to the tool --------------


class ToolArgs(BaseModel):
    """The arguments of one tool call; `tool` names it. Server-owned values are never arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tool: ToolName
    dry_run: bool = False

    @property
    def environment_of(self) -> Env | None:
        """The environment the call names (None: preflight, which works on both)."""
        return None

    def journaled(self) -> dict[str, JsonValue]:
        """The arguments as the journal and the log show them: what the agent chose beside the tool
        and environment (which the entry names already)."""
        shown: dict[str, JsonValue] = self.model_dump(mode="json", exclude={"tool", "environment"})
        return shown


class PreflightArgs(ToolArgs):
    tool: Literal["preflight"] = "preflight"
    dry_run: Literal[False] = False  # preflight has no dry run: it changes nothing anyway

    def journaled(self) -> dict[str, JsonValue]:
        return {}


class _EnvironmentArgs(ToolArgs):
    environment: Env

    @property
    def environment_of(self) -> Env | None:
        return self.environment


class BackupArgs(_EnvironmentArgs):
    tool: Literal["backup"] = "backup"


class ApplyIndexesArgs(_EnvironmentArgs):
    tool: Literal["apply_indexes"] = "apply_indexes"


class ApplyRlsArgs(_EnvironmentArgs):
    tool: Literal["apply_rls"] = "apply_rls"


class FixCombosArgs(_EnvironmentArgs):
    tool: Literal["fix_combos"] = "fix_combos"
    backfill_missing_dishes: bool = False


class ValidateArgs(_EnvironmentArgs):
    tool: Literal["validate"] = "validate"
    dry_run: Literal[False] = False  # validate has no dry run: it changes nothing anyway

    def journaled(self) -> dict[str, JsonValue]:
        return {}


class RollbackArgs(_EnvironmentArgs):
    tool: Literal["rollback"] = "rollback"
    scope: Scope
    reason: str = Field(min_length=1, max_length=500)

    def journaled(self) -> dict[str, JsonValue]:
        return {"scope": self.scope, "reason": self.reason, "dry_run": self.dry_run}


AnyToolArgs = Annotated[
    PreflightArgs
    | BackupArgs
    | ApplyIndexesArgs
    | ApplyRlsArgs
    | FixCombosArgs
    | ValidateArgs
    | RollbackArgs,
    Field(discriminator="tool"),
]
