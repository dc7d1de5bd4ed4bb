"""The shapes of SPEC.md §12: one database's health sample (journaled as a `health` event), the figures of
a window between two samples, and the runbook's rollback triggers evaluated over it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from server.runbook import Env

# Why a sample was taken (SPEC.md §12): the soak starts at ticket 05's completion, is judged at the
# ticket 06 gate, the watch starts at ticket 10's completion, `watch` samples every interval and
# `report` takes fresh ones.
SampleReason = Literal["soak_start", "soak_gate", "watch_start", "watch", "report"]
WindowKind = Literal["soak", "watch"]
TriggerName = Literal[
    "error_rate",
    "deadlocks",
    "performance",
    "orphan_rate",
    "isolation",
    "integrity",
    "invalid_indexes",
    "idle_in_transaction",
]


class _Shape(BaseModel):
    """Journaled and shown as JSON; read back from older journals, so unknown keys are tolerated."""

    model_config = ConfigDict(extra="ignore")


class Counters(_Shape):
    """pg_stat_database's cumulative counters (the session counters exist from PostgreSQL 14)."""

    xact_commit: int
    xact_rollback: int
    deadlocks: int
    conflicts: int
    temp_files: int
    blks_hit: int
    blks_read: int
    sessions: int | None = None
    sessions_abandoned: int | None = None
    sessions_fatal: int | None = None
    sessions_killed: int | None = None


class IdleSession(_Shape):
    pid: int
    who: str
    idle_s: int


class Activity(_Shape):
    """Other client sessions of the database (the sample's own sessions are not counted)."""

    connections: int
    active: int
    idle_in_transaction: int
    lock_waits: int = Field(description="sessions waiting on a lock")
    idle_in_transaction_long: list[IdleSession] = Field(
        default_factory=list, description="idle in a transaction for longer than 5 minutes"
    )
    sees_all_sessions: bool = Field(
        description="false: the role cannot see other roles' sessions (no pg_read_all_stats or pg_monitor)"
    )


class QueryFigure(_Shape):
    """One query of the menu family on the pinned restaurants: the slowest restaurant's median and p95."""

    p50_ms: float
    p95_ms: float
    runs: int
    per_restaurant: dict[str, float] = Field(default_factory=dict, description="each restaurant's median")


class SlowStatement(_Shape):
    query: str
    calls: int
    mean_ms: float
    total_ms: float


class OrphanRate(_Shape):
    naive: float
    source_backed: float


class IntegrityCounts(_Shape):
    null_keys: int
    dangling_groups: int
    dangling_dishes: int
    duplicate_pairs: int


class Isolation(_Shape):
    """The fixed subset of the RLS matrix (tools/lib/health.py ISOLATION_TESTS) as anon and authenticated."""

    tests: int
    passed: int
    failed: list[str] = Field(default_factory=list)


class RlsOverhead(_Shape):
    """The menu query as the table owner and as the restaurant's own tenant (JWT claim), medians."""

    restaurant: int
    owner_ms: float
    tenant_ms: float


class OwnWork(_Shape):
    """Transactions this sample ran itself, so that a window can subtract them (SPEC.md §12)."""

    commits: int = 0
    rollbacks: int = 0


class HealthSample(_Shape):
    environment: Env
    database: str
    taken_at: str = Field(description="the database's now() when the counters were read")
    server_version: int
    stats_reset: str | None
    counters: Counters
    activity: Activity | None = None
    invalid_indexes: list[str] = Field(default_factory=list)
    restaurants: list[int] = Field(default_factory=list)
    menu: dict[str, QueryFigure] = Field(default_factory=dict)
    statements: list[SlowStatement] | None = Field(
        default=None, description="slowest by mean time (None: pg_stat_statements is not available)"
    )
    statements_note: str | None = None
    orphan_rate: OrphanRate | None = None
    integrity: IntegrityCounts | None = None
    row_counts: dict[str, int] = Field(default_factory=dict)
    rows_counted: str = Field(default="exact", description="how row_counts were counted")
    isolation: Isolation | None = Field(default=None, description="None: not run (RLS not applied yet)")
    rls_overhead: RlsOverhead | None = None
    own_before_read: OwnWork = Field(default_factory=OwnWork)
    own_after_read: OwnWork = Field(default_factory=OwnWork)
    errors: list[str] = Field(default_factory=list, description="parts that could not be measured, and why")
    duration_ms: int = 0


class Trigger(_Shape):
    """One rollback trigger of SPEC.md §12 over a window: its figure, threshold and where it points."""

    trigger: TriggerName
    figure: str
    value: float | None = Field(default=None, description="the figure as a number (rates are fractions)")
    threshold: str
    tripped: bool
    warning: str | None = None
    points_to: str = Field(description="the rollback (or investigation) the trigger points to")


class Window(_Shape):
    """The figures of one window: differences of cumulative counters between its first and last sample,
    less the transactions this server's own sessions ran in it."""

    kind: WindowKind
    environment: Env
    start_seq: int | None = Field(description="the journal seq of its first sample (None: this entry)")
    end_seq: int | None = Field(description="the journal seq of its last sample (None: this entry)")
    start_at: str
    end_at: str
    hours: float
    transactions: int = Field(description="committed + rolled back, less this server's own")
    rollbacks: int = Field(description="rolled back, less this server's own")
    error_rate: float | None = Field(description="None: fewer than 100 transactions, not judged")
    deadlocks: int
    own_commits: int
    own_rollbacks: int
    restarted: str | None = Field(
        default=None, description="why the window starts later than its ticket's completion (a stats reset)"
    )


class HealthStatus(_Shape):
    """status.health: the latest sample and what it trips."""

    seq: int
    reason: SampleReason
    environment: Env
    taken_at: str
    window: Window | None
    triggers: list[Trigger] = Field(default_factory=list, description="the triggers it trips")
    warnings: list[str] = Field(default_factory=list)
    sample: HealthSample


class WatchStatus(_Shape):
    """status.watch, after ticket 10: the production watch (SPEC.md §12)."""

    hours_left: float
    healthy: bool
    triggers: list[Trigger] = Field(default_factory=list, description="every trigger tripped over the watch")
    window_hours: float = 24.0
    started_at: str | None = None
    samples: int = 0
