"""Typed results shared by every tool: checks, the next step, dry-run plans, and each tool's result model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

TicketEnvironment = Literal["staging", "production", "both"]
Outcome = Literal["PASS", "FAIL", "DRY_RUN"]


class Check(BaseModel):
    """One validation the ticket defines, with what was expected and what the database really showed."""

    name: str
    expected: JsonValue
    actual: JsonValue
    passed: bool


class Next(BaseModel):
    """What to call next; `blocked_by` names the refusal that call would get now, if any."""

    ticket: str
    tool: str
    environment: TicketEnvironment
    blocked_by: str | None = None


class PlannedStatement(BaseModel):
    """One statement of a dry run's plan, in order, with how it would run."""

    order: int
    statement: str
    transaction: Literal["autocommit", "transaction", "external"]
    lock_timeout: str | None = None
    statement_timeout: str | None = None
    note: str | None = None


class TicketResult(BaseModel):
    """The fields every ticket result carries (SPEC.md §6)."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(min_length=1)
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


# -- per tool --------------------------------------------------------------------------------------


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


class PreflightResult(TicketResult):
    staging: EnvironmentReport | None = None
    production: EnvironmentReport | None = None
    sql_files: int = 0


class BackupResult(TicketResult):
    backup_id: str = Field(min_length=1, description="the backup's name (also for a failed or planned one)")
    path: str | None = None
    bytes: int | None = None
    sha256: str | None = None
    row_counts: dict[str, int] = Field(default_factory=dict)
    verified: bool = False
    verification: list[str] = Field(default_factory=list, description="how the archive was proven readable")


class IndexOutcome(BaseModel):
    name: str
    table: str
    action: Literal["created", "present", "equivalent", "rebuilt", "planned", "failed"]
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


class ApplyIndexesResult(TicketResult):
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


class ApplyRlsResult(TicketResult):
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


class FixCombosResult(TicketResult):
    orphan_rate_before: OrphanRates | None = None
    orphan_rate_after: OrphanRates | None = None
    items_inserted: int = 0
    dishes_backfilled: int = 0
    batch_id: str = Field(min_length=1, description="this attempt's batch (rolled back when the gate failed)")
    committed: bool = False
    coverage: Coverage | None = None
    empty_shells: int | None = Field(
        default=None, description="groups without items that never had any in the source"
    )
    band: Literal["excellent", "pass", "warning", "fail"] | None = None


class ValidateResult(TicketResult):
    menu_query_ms_baseline: float | None = None
    menu_query_ms_now: float | None = None
    speedup: float | None = None
    orphan_rate: OrphanRates | None = None
    rls_tests_passed: int = 0
    rls_tests_total: int = 0
    row_counts: dict[str, dict[str, int | None]] | None = Field(
        default=None, description="production only: {table: {staging, production}} (reported, not gated)"
    )


class RollbackResult(TicketResult):
    scope: Literal["indexes", "rls", "combos", "full"]
    tickets_rolled_back: list[str] = Field(default_factory=list)
    restored: list[str] = Field(default_factory=list, description="what was put back, one line each")
    blocked_by_references: list[str] = Field(default_factory=list)
    changed_tables: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="tables whose row counts differ from the backup: {table: {backup, now}}",
    )


class TicketStatusModel(BaseModel):
    ticket: str
    tool: str
    environment: TicketEnvironment
    status: Literal["PENDING", "IN_PROGRESS", "COMPLETE", "FAILED", "ROLLED_BACK"]
    started_at: str | None = None
    finished_at: str | None = None
    interrupted: bool = False


class ApprovalModel(BaseModel):
    by: str
    at: str


class JournalHead(BaseModel):
    seq: int
    hash: str | None


class StatusResult(BaseModel):
    run_id: str | None
    tickets: list[TicketStatusModel]
    next: Next | None
    halted: bool
    halt_reason: str | None = None
    approval: ApprovalModel | None
    soak_remaining_s: float | None
    journal_head: JournalHead
    warnings: list[str] = Field(default_factory=list)
    summary: str


# -- what a tool function hands back to the guard ----------------------------------------------------


@dataclass
class StepOutcome:
    """A tool's answer: its checks decide PASS/FAIL; `fields` fill its result model; `record` is kept
    in the journal only (baselines, snapshots, created objects) for later tickets and rollbacks."""

    checks: list[Check]
    summary: str
    fields: dict[str, Any] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    plan: list[PlannedStatement] | None = None

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)


def check(name: str, expected: Any, actual: Any, passed: bool | None = None) -> Check:
    """A check; when `passed` is not given it is `expected == actual`."""
    return Check(
        name=name, expected=expected, actual=actual, passed=(expected == actual) if passed is None else passed
    )
