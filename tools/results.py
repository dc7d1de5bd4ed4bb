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


class PreflightResult(TicketResult):
    staging: EnvironmentReport | None = None
    production: EnvironmentReport | None = None
    sql_files: int = 0


class BackupResult(TicketResult):
    backup_id: str | None = Field(default=None, description="non-empty on PASS")
    path: str | None = None
    bytes: int | None = None
    sha256: str | None = None
    row_counts: dict[str, int] = Field(default_factory=dict)
    verified: bool = False
    verification: list[str] = Field(default_factory=list, description="how the archive was proven readable")


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
