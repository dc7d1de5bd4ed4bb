"""What the tools read from a catalog and keep in the journal for later tickets and rollbacks: the
shapes of catalog rows, the preflight baseline, and each step's record (what it built or saw)."""

from __future__ import annotations

from typing import NotRequired

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from server.runbook import Env

# -- catalog rows (as the sql/common/*.sql catalog queries return them) ------------------------------------


class IndexRow(TypedDict):
    """One index with its definition (sql/common/indexes.sql); a baseline keeps the comparable part."""

    name: str
    table: str
    definition: str
    valid: bool


class IndexDetail(IndexRow, total=False):
    schema: str
    oid: int
    ready: bool
    is_unique: bool
    is_primary: bool
    constraint_name: str | None


class PolicyRow(TypedDict):
    """One policy of menuca_v3 with its full definition (sql/common/policies.sql)."""

    table: str
    name: str
    permissive: str
    roles: list[str]
    cmd: str
    qual: str | None
    with_check: str | None


class FunctionRow(TypedDict):
    """One function of menuca_v3 (sql/common/functions.sql)."""

    name: str
    arguments: str
    definition_md5: str


class RlsFlag(TypedDict):
    enabled: bool
    forced: bool


RlsFlags = dict[str, RlsFlag]


class OrphanCounts(TypedDict):
    """Both orphan rates as fractions, with the counts they come from (sql/common/orphan_rates.sql)."""

    naive: float
    source_backed: float
    groups: int
    orphaned: int
    source_groups: int
    source_orphaned: int
    empty_shells: int
    items: int


class ComboChecksums(TypedDict):
    combo_items: int
    combo_items_md5: str
    dishes: int
    dishes_md5: str


class Timing(TypedDict):
    """One query of the menu family: the slowest pinned restaurant's median, and each one's."""

    median_ms: float
    per_restaurant: dict[str, float]
    runs: int
    p95_ms: NotRequired[float]  # the slowest pinned restaurant's p95 (journals before revision 2 lack it)


QueryFamily = dict[str, Timing]


class AdvisorObject(TypedDict):
    """An object a database-advisor finding names (sql/validate/advisor/*.sql)."""

    type: str
    oid: int
    name: str


class AdvisorFinding(TypedDict):
    kind: str
    key: str
    detail: str
    objects: list[AdvisorObject]


class _Record(BaseModel):
    """A journaled record: kept as JSON, read back by later tickets; unknown keys are tolerated."""

    model_config = ConfigDict(extra="ignore")


# -- preflight -----------------------------------------------------------------------------------------------


class AdvisorBaseline(_Record):
    """The advisor's findings before the run, and the oids of every object a finding can name then."""

    findings: list[AdvisorFinding] = Field(default_factory=list)
    objects: dict[str, list[int]] = Field(default_factory=dict)


class Baseline(_Record):
    """One database as preflight found it: what later tickets and rollbacks compare with."""

    captured_by: str = "preflight"
    server_version: str | None = None
    row_counts: dict[str, int] = Field(default_factory=dict)
    indexes: list[IndexDetail] = Field(default_factory=list)
    rls_flags: RlsFlags = Field(default_factory=dict)
    policies: list[PolicyRow] = Field(default_factory=list)
    functions: list[FunctionRow] = Field(default_factory=list)
    orphan_rates: OrphanCounts | None = None
    combo_checksums: ComboChecksums | None = None
    restaurants: list[int] = Field(default_factory=list)
    # the combo query's restaurants (those with combo groups); empty in a baseline of an older version
    combo_restaurants: list[int] = Field(default_factory=list)
    menu_queries: QueryFamily = Field(default_factory=dict)
    advisor: AdvisorBaseline | None = None


class SuggestedArgs(_Record):
    """Arguments preflight advises for a later ticket because its diagnosis shows the defaults cannot
    pass (read by the runbook's `next`: server/runbook/advice.py PREFLIGHT_ADVICE_KEY)."""

    args: dict[str, bool]
    reason: str


class PreflightRecord(_Record):
    baseline: dict[Env, Baseline] = Field(default_factory=dict)
    sql_checksums: dict[str, str] = Field(default_factory=dict)
    config_problem: str | None = Field(
        default=None, description="why the configured databases cannot be used (only a human can fix it)"
    )
    database_fingerprint: str | None = Field(
        default=None, description="Settings.database_fingerprint() when config_problem was found"
    )
    next_args: dict[str, SuggestedArgs] = Field(
        default_factory=dict, description="ticket id -> the arguments `next` suggests for it"
    )


# -- backup ----------------------------------------------------------------------------------------------


class CatalogSnapshot(_Record):
    """The catalog of the backed-up schemas, read in the dump's own snapshot."""

    schemas: list[str] = Field(default_factory=list)
    indexes: list[IndexRow] = Field(default_factory=list)
    rls_flags: RlsFlags = Field(default_factory=dict)
    policies: list[PolicyRow] = Field(default_factory=list)
    functions: list[FunctionRow] = Field(default_factory=list)


class BackupRecord(CatalogSnapshot):
    backup_id: str
    path: str
    bytes: int = 0
    sha256: str = ""
    row_counts: dict[str, int] = Field(default_factory=dict)
    verified: bool = False
    verification: list[str] = Field(default_factory=list)


# -- apply_indexes, apply_rls, fix_combos, validate ------------------------------------------------------------


class CreatedObjects(_Record):
    """What a creating tool (apply_indexes, apply_rls) recorded it created, by oid, for the advisor."""

    advisor_created: list[AdvisorObject] = Field(default_factory=list)


class BuiltIndex(_Record):
    """One index a run built: what rollback scope=indexes may drop, and only while it is still this one."""

    name: str
    oid: int
    definition: str
    valid: bool = True


class ApplyIndexesRecord(CreatedObjects):
    built: list[str] = Field(default_factory=list, description="target indexes this attempt built or rebuilt")
    built_indexes: list[BuiltIndex] = Field(
        default_factory=list, description="each of them by oid and definition, as found right after its build"
    )
    equivalent: dict[str, str] = Field(default_factory=dict, description="target → the index covering it")


class RlsSnapshot(_Record):
    """Our part of the catalog before apply_rls: restored after a failed test."""

    rls_flags: RlsFlags = Field(default_factory=dict)
    policies: list[PolicyRow] = Field(default_factory=list)
    functions: list[FunctionRow] = Field(default_factory=list)


class ApplyRlsRecord(CreatedObjects):
    snapshot: RlsSnapshot | None = None
    indexes_built: list[str] = Field(default_factory=list)
    rls_flags_after: RlsFlags | None = None
    policies_after: list[PolicyRow] | None = None
    functions_after: list[FunctionRow] | None = None
    snapshot_restored: bool | None = None


class FixCombosRecord(_Record):
    batch_id: str
    backfill: bool


class CatalogState(_Record):
    """What this run changed in the catalog, comparable between two databases: which index covers
    each target, the RLS flags, and the policies and functions that were not in the baseline."""

    targets: dict[str, str | None] = Field(default_factory=dict)
    rls_flags: RlsFlags = Field(default_factory=dict)
    run_policies: list[PolicyRow] = Field(default_factory=list)
    run_functions: list[FunctionRow] = Field(default_factory=list)
    invalid_indexes: list[str] = Field(default_factory=list)


class ValidateRecord(_Record):
    catalog_state: CatalogState
