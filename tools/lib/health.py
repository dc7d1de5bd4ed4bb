"""One database's health sample (SPEC.md §12), taken over a fresh session in a few short transactions whose
own count is known, so that a window can subtract this tool's own work from the database's counters.

The isolation check re-runs a fixed subset of the RLS matrix (`ISOLATION_TESTS`, from
sql/apply_rls/tests/matrix.sql) as `anon` and `authenticated`: public reads of active rows, tenant
isolation on hidden rows and on writes, the claim shapes that must grant nothing, and end users. It
covers the tables the app reads most (dishes, restaurants, combos, users) at a fraction of the cost of
the whole matrix that tickets 03, 05, 08 and 10 run."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from server import db
from server.db import Conn
from server.errors import NotConfigured
from server.runbook import Env
from tools.lib import catalog, gates, measure, rls_matrix
from tools.lib.health_models import (
    Activity,
    Counters,
    HealthSample,
    IntegrityCounts,
    Isolation,
    OrphanRate,
    OwnWork,
    QueryFigure,
    RlsOverhead,
    SlowStatement,
)
from tools.lib.triggers import IDLE_LIMIT_S, NEAR_FACTOR, slower_queries

SQL_FILES = (
    "health/counters.sql",
    "health/activity.sql",
    "health/statements_extension.sql",
    "health/slowest_statements.sql",
    "health/limits.sql",
    "health/orphan_rate.sql",
    "health/live_rows.sql",
    "health/count_rows.sql",
    "common/invalid_indexes.sql",
    "common/combo_integrity.sql",
    "common/row_counts.sql",
    "apply_rls/tests/become.sql",
    *(f"common/menu_queries/{name}.sql" for name in measure.QUERIES),
    *rls_matrix.SQL_FILES,
)

ISOLATION_TESTS: tuple[str, ...] = (
    "anon reads an active dish of tenant A (public by design)",
    "anon cannot read an inactive dish of tenant A",
    "tenant B cannot read an inactive dish of tenant A",
    "tenant A sees every one of its inactive dishes",
    "a platform admin reads an inactive dish of tenant A",
    "tenant B cannot update an inactive dish of tenant A",
    "tenant B cannot take over all of tenant A's dishes",
    "tenant B cannot insert a dish for tenant A",
    "anon cannot insert a dish",
    "anon with a forged tenant claim cannot read tenant A's inactive dish",
    "the original scripts' top-level role=admin and restaurant_id claims grant no tenant write",
    "user-editable user_metadata cannot claim a tenant",
    "anon reads an active restaurant",
    "tenant B cannot update tenant A's restaurant",
    "tenant B cannot read tenant A's hidden combo_items row",
    "anon reads tenant A's public combo_items row (group active)",
    "an end user reads their own users row",
    "anon cannot read users",
)
# A new session commits its start-up transaction and db.connect's set_config before the sample reads
# the counters, so the next sample's read sees them (tests/test_health.py measures this on the server).
CONNECT_COMMITS = 2
STATEMENTS_LIMIT = 5
MEASURE_ROUNDS = 3
MENU_RUNS = 7  # "a median of at least 7 runs" (SPEC.md §12), after one warm-up run
SHRINK_CONFIRM = 0.005  # a table whose live-row estimate is this much below the start is counted exactly
LIMITS = {"lock_timeout": "1s", "statement_timeout": "20s", "work_mem": "32MB"}


@dataclass(frozen=True)
class SamplePlan:
    """What to sample beyond the counters: the pinned restaurants, whether RLS is there to test, the
    window start's menu figures (a query that looks slower than them is measured again), and whether to
    measure the RLS overhead (the report's fresh samples)."""

    environment: Env
    restaurants: tuple[int, ...] = ()
    isolation: bool = False
    reference: dict[str, QueryFigure] | None = None
    rls_overhead: bool = False
    exact_rows: bool = True  # the window's first sample counts every table; later ones estimate
    rows_reference: dict[str, int] | None = None  # the window start's counts (to confirm a shrink)


class _Sampler:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.own = OwnWork()
        self.errors: list[str] = []

    def part(self, name: str, work: Callable[[], object], *, rollback: bool = False) -> None:
        """`work` in one counted transaction that first sets the sample's limits; a database error, there
        or in the limits themselves (a lost connection, say), ends it rolled back, is recorded under
        `name`, and the sample goes on with its next part."""
        try:
            with self.conn.transaction(force_rollback=rollback):
                db.query_all(self.conn, db.sql_file("health/limits.sql"), LIMITS)
                work()
        except psycopg.Error as exc:
            self.own.rollbacks += 1
            self.errors.append(f"{name}: {_cause(exc)}")
            return
        if rollback:
            self.own.rollbacks += 1
        else:
            self.own.commits += 1


def _cause(exc: BaseException) -> str:
    if isinstance(exc, psycopg.Error) and exc.diag.message_primary:
        return f"{exc.sqlstate} {exc.diag.message_primary}"
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def take_sample(
    conn: Conn, plan: SamplePlan, *, second_session: Callable[[], Conn] | None = None
) -> HealthSample:
    """Sample the database of `conn`, a new non-autocommit session of db.connect (nothing else ran on it):
    the counters first, then everything else, each part in its own short transaction.

    With `second_session` (a factory of another such session), the orphan rates and row counts, which grow
    with the data, run on that session while `conn` does the rest: two backends, each on one core, for
    a fraction of a second, instead of one for their sum. Its session's commits are counted with the
    sample's own. When it cannot be opened, that part runs on `conn` after the others."""
    begun = time.perf_counter()
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE or conn.autocommit:
        raise ValueError("a health sample needs a fresh, idle, non-autocommit session")
    sampler = _Sampler(conn)
    with conn.transaction():  # the read itself: its commit is this sample's first own transaction
        row = db.query_one(conn, db.sql_file("health/counters.sql"))
    sampler.own.commits += 1
    assert row is not None  # pg_stat_database has a row for every database
    sample = HealthSample(
        environment=plan.environment,
        database=str(row["database"]),
        taken_at=row["taken_at"].isoformat(),
        server_version=int(row["server_version"]),
        stats_reset=row["stats_reset"].isoformat() if row["stats_reset"] else None,
        counters=Counters.model_validate(row["counters"]),
        restaurants=list(plan.restaurants),
        own_before_read=OwnWork(commits=CONNECT_COMMITS),
    )

    def sessions() -> None:
        activity = db.query_one(
            conn, db.sql_file("health/activity.sql"), {"idle_s": IDLE_LIMIT_S, "siblings": siblings}
        )
        sample.activity = Activity.model_validate(activity)
        sample.invalid_indexes = catalog.invalid_indexes(conn)
        sample.statements, sample.statements_note = _statements(conn)

    def menu() -> None:
        sample.menu = _menu(conn, plan)

    def integrity() -> None:
        sample.integrity = IntegrityCounts.model_validate(gates.integrity(conn))

    def combos(on: Conn) -> Callable[[], None]:
        def work() -> None:
            sample.orphan_rate = orphan_rate(on)
            sample.row_counts, sample.rows_counted = _row_counts(on, plan)

        return work

    def overhead() -> None:
        sample.rls_overhead = _rls_overhead(conn, plan.restaurants[0])

    # The two sessions' shares are about even at scale 10 (A: sessions, integrity, isolation, then the
    # menu family, timed once the other session's hash joins are done; B: orphan rates and row counts).
    other_conn = _open(second_session)
    siblings = [other_conn.info.backend_pid] if other_conn is not None else []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-combos") as pool:
        beside = pool.submit(_combos_beside, other_conn, combos) if other_conn is not None else None
        sampler.part("sessions and indexes", sessions)
        sampler.part("combo integrity", integrity)
        if plan.isolation:
            sample.isolation = _isolation(sampler)
        other = beside.result() if beside is not None else None
        sampler.part("menu query family", menu)
        if plan.rls_overhead and plan.restaurants:
            sampler.part("RLS overhead", overhead, rollback=True)
    if other is None:
        sampler.part("combos and row counts", combos(conn))
    else:
        sampler.own.commits += other.own.commits
        sampler.own.rollbacks += other.own.rollbacks
        sampler.errors.extend(other.errors)
    sample.own_after_read = sampler.own
    sample.errors = sampler.errors
    sample.duration_ms = int((time.perf_counter() - begun) * 1000)
    return sample


def _open(second_session: Callable[[], Conn] | None) -> Conn | None:
    """The sample's second session (opened first, so that its backend is left out of the session
    counts), or None when there is none to be had: the sample's own session then does its part."""
    if second_session is None:
        return None
    try:
        return second_session()
    except (NotConfigured, psycopg.Error):
        return None


def _combos_beside(other: Conn, combos: Callable[[Conn], Callable[[], None]]) -> _Sampler:
    """The orphan rates and row counts on the sample's second session, which it closes."""
    try:
        sampler = _Sampler(other)
        sampler.own.commits += CONNECT_COMMITS  # opened after the counters were read
        sampler.part("combos and row counts", combos(other))
        return sampler
    finally:
        other.close()


def orphan_rate(conn: Conn) -> OrphanRate:
    row = db.query_one(conn, db.sql_file("health/orphan_rate.sql"))
    assert row is not None  # an aggregate query always returns its row
    groups, source = int(row["groups"]), int(row["source_groups"])
    return OrphanRate(
        naive=round(row["orphaned"] / groups, 6) if groups else 0.0,
        source_backed=round(row["source_orphaned"] / source, 6) if source else 0.0,
    )


def _row_counts(conn: Conn, plan: SamplePlan) -> tuple[dict[str, int], str]:
    """Exact counts of every menuca_v3 table for the window's first sample; after it, the statistics'
    live rows, with an exact count of each table that looks smaller than at the start (a real loss is
    then measured, never estimated)."""
    if plan.exact_rows or plan.rows_reference is None:
        return catalog.row_counts(conn, ["menuca_v3"]), "exact"
    rows = {r["table"]: int(r["row_count"]) for r in db.query_all(conn, db.sql_file("health/live_rows.sql"))}
    confirmed = []
    for table, before in plan.rows_reference.items():
        now = rows.get(table)
        if now is not None and now < before * (1 - SHRINK_CONFIRM):
            schema, name = table.split(".", 1)
            query = db.sql_file("health/count_rows.sql").format(table=sql.Identifier(schema, name))
            counted = db.query_one(conn, query)
            rows[table] = int(counted["row_count"]) if counted else 0
            confirmed.append(table)
    return rows, "estimated (live rows)" + (f"; counted exactly: {', '.join(confirmed)}" if confirmed else "")


def _statements(conn: Conn) -> tuple[list[SlowStatement] | None, str | None]:
    ext = db.query_one(conn, db.sql_file("health/statements_extension.sql"))
    if ext is None:
        return None, (
            "pg_stat_statements is not installed in this database: the samples go on without the slowest "
            "statements (CREATE EXTENSION pg_stat_statements, with the library in shared_preload_libraries, "
            "adds them)"
        )
    query = db.sql_file("health/slowest_statements.sql").format(schema=sql.Identifier(str(ext["schema"])))
    try:
        with conn.transaction():  # a savepoint: an unreadable view must not end the sample's transaction
            rows = db.query_all(conn, query, {"limit": STATEMENTS_LIMIT})
    except psycopg.Error as exc:
        return None, f"pg_stat_statements is installed but cannot be read ({_cause(exc)})"
    return [SlowStatement.model_validate(r) for r in rows], None


def menu_figures(conn: Conn, restaurants: list[int]) -> dict[str, QueryFigure]:
    found: dict[str, QueryFigure] = {}
    for name in measure.QUERIES:
        runs = measure.time_runs(conn, name, restaurants, MENU_RUNS)
        per = {r: round(statistics.median(s), 3) for r, s in runs.items()}
        found[name] = QueryFigure(
            p50_ms=max(per.values(), default=0.0),
            p95_ms=round(max((measure.p95(s) for s in runs.values()), default=0.0), 3),
            runs=MENU_RUNS,
            per_restaurant=per,
        )
    return found


def _menu(conn: Conn, plan: SamplePlan) -> dict[str, QueryFigure]:
    """The menu family on the pinned restaurants; when a query looks slower than at the window's start
    (even by the warning's 1.25 ×), measured again (up to MEASURE_ROUNDS) keeping each restaurant's best:
    a real regression survives every round, a busy machine's noise does not."""
    restaurants = list(plan.restaurants)
    if not restaurants:
        return {}
    best = menu_figures(conn, restaurants)
    for _ in range(MEASURE_ROUNDS - 1):
        if plan.reference is None or not slower_queries(plan.reference, best, NEAR_FACTOR):
            break
        again = menu_figures(conn, restaurants)
        for name, figure in again.items():
            kept = best[name]
            merged = {r: min(ms, kept.per_restaurant.get(r, ms)) for r, ms in figure.per_restaurant.items()}
            best[name] = QueryFigure(
                p50_ms=max(merged.values(), default=0.0),
                p95_ms=min(figure.p95_ms, kept.p95_ms),
                runs=figure.runs,
                per_restaurant=merged,
            )
    return best


def _isolation(sampler: _Sampler) -> Isolation:
    """The subset of the matrix in its own always-rolled-back transaction (one own rollback)."""
    try:
        rls_matrix.load_tests()
    except rls_matrix.MatrixError as exc:
        sampler.errors.append(f"isolation: {exc}")
        return Isolation(tests=0, passed=0)
    try:
        tests = rls_matrix.run_subset(sampler.conn, ISOLATION_TESTS)
    except (psycopg.Error, rls_matrix.MatrixError) as exc:
        sampler.own.rollbacks += 1  # the matrix's transaction was open: it ended rolled back
        sampler.errors.append(f"isolation: {_cause(exc)}")
        return Isolation(tests=0, passed=0)
    sampler.own.rollbacks += 1
    return Isolation(
        tests=len(tests),
        passed=sum(1 for t in tests if t.passed),
        failed=[f"{t.name} ({t.actual})" for t in tests if not t.passed],
    )


def _rls_overhead(conn: Conn, restaurant: int) -> RlsOverhead:
    """The menu query as the owner, then as that restaurant's tenant (inside the caller's rolled-back
    transaction: the role ends with it)."""
    owner = measure.time_runs(conn, "menu", [restaurant], MENU_RUNS)[str(restaurant)]
    claims: dict[str, Any] = {
        "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, "menuca-migrate:health:tenant")),
        "role": "authenticated",
        "app_metadata": {"restaurant_id": restaurant},
    }
    db.query_all(
        conn,
        db.sql_file("apply_rls/tests/become.sql"),
        {"role": "authenticated", "claims": json.dumps(claims)},
    )
    tenant = measure.time_runs(conn, "menu", [restaurant], MENU_RUNS)[str(restaurant)]
    return RlsOverhead(
        restaurant=restaurant,
        owner_ms=round(statistics.median(owner), 3),
        tenant_ms=round(statistics.median(tenant), 3),
    )
