"""The RLS policies' backing indexes (tickets 03 and 08): each missing one built concurrently and checked
valid (an INVALID leftover of ours dropped first), and rollback scope "rls" dropping those this run built."""

from __future__ import annotations

import psycopg

from server import db
from server.runbook import Env, ticket_of
from tools.lib import catalog
from tools.lib.causes import Cause, cause_of
from tools.lib.rls_policies import BackingIndex, RlsDesign, generated, load_design, missing_indexes
from tools.lib.short_lock import trusted_sql
from tools.records import ApplyRlsRecord, Baseline
from tools.results import Check
from tools.step import StepContext, check

# The long profile of the concurrent index builds and drops.
BUILD_LOCK_TIMEOUT = "5min"


def build_indexes(
    ctx: StepContext, conn: db.Conn, missing: list[BackingIndex], invalid_own: list[str]
) -> tuple[list[str], list[Check], list[Cause]]:
    """Each missing backing index: one CREATE INDEX CONCURRENTLY on the autocommit connection, checked
    valid after (an INVALID leftover of ours is dropped concurrently first)."""
    built: list[str] = []
    failed: list[str] = []
    causes: list[Cause] = []
    if missing or invalid_own:
        db.query_all(conn, db.sql_file("apply_rls/build_profile.sql"), {"lock_timeout": BUILD_LOCK_TIMEOUT})
    try:
        for statement in generated(conn, "drop_indexes", {"names": invalid_own}) if invalid_own else []:
            ctx.checkpoint()
            conn.execute(trusted_sql(statement))
        for index in missing:
            ctx.checkpoint()
            try:
                conn.execute(trusted_sql(index.statement))
            except psycopg.Error as exc:
                failed.append(f"{index.name}: {exc.sqlstate} {exc.diag.message_primary}")
                causes.append(cause_of(exc))
                continue
            built.append(index.name)
    finally:
        db.query_all(conn, db.sql_file("apply_rls/build_profile.sql"), {"lock_timeout": "0"})
    rows = db.query_all(conn, db.sql_file("apply_rls/index_columns.sql"))
    invalid = sorted(r["name"] for r in rows if r["name"] in built and not r["valid"])
    still, _ = missing_indexes(conn, load_design())
    return (
        built,
        [
            check("backing index builds succeeded", [], failed + invalid),
            check(
                "every policy column is backed by a valid index", [], [f"{i.table}.{i.column}" for i in still]
            ),
        ],
        causes,
    )


def indexes_to_drop(
    ctx: StepContext, conn: db.Conn, env: Env, baseline: Baseline, design: RlsDesign
) -> list[str]:
    """Backing indexes this run built: named by our file or journaled as built, present now, and
    absent from the preflight baseline (an index that was there before the run is never dropped)."""
    before = {i["name"] for i in baseline.indexes}
    journaled = {
        name
        for record in ctx.records(ApplyRlsRecord, ticket_of("apply_rls", env).id)
        for name in record.indexes_built
    }
    candidates = {i.name for i in design.indexes} | journaled
    present = set(catalog.index_definitions(conn))
    return sorted((candidates & present) - before)


def drop_indexes(ctx: StepContext, conn: db.Conn, names: list[str]) -> tuple[list[str], list[str]]:
    dropped: list[str] = []
    failures: list[str] = []
    if not names:
        return dropped, failures
    db.query_all(conn, db.sql_file("apply_rls/build_profile.sql"), {"lock_timeout": BUILD_LOCK_TIMEOUT})
    try:
        for name, statement in zip(names, generated(conn, "drop_indexes", {"names": names}), strict=True):
            ctx.checkpoint()
            try:
                conn.execute(trusted_sql(statement))
                dropped.append(name)
            except psycopg.Error as exc:
                failures.append(f"{name}: {exc.sqlstate} {exc.diag.message_primary}")
    finally:
        db.query_all(conn, db.sql_file("apply_rls/build_profile.sql"), {"lock_timeout": "0"})
    return dropped, failures
