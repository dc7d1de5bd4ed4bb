"""The realistic MenuCA V3 dataset (SPEC.md §9): schema, Supabase stand-ins and data, in one transaction."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors, sql
from pydantic import BaseModel, Field

from server import db
from server.errors import NotConfigured, SeedError
from server.settings import redact_dsn

MIN_SCALE = 0.05
MAX_SCALE = 100.0

# Schemas the seed owns: the dataset and the raw legacy loads, plus menuca_migrate, the tool's own
# bookkeeping, which describes a dataset that --replace throws away.
SEEDED_SCHEMAS = ("menuca_v3", "staging")
DROPPED_ON_REPLACE = ("menuca_v3", "staging", "menuca_migrate")

# How long --replace waits for a lock on the old schema before saying who holds it.
REPLACE_LOCK_TIMEOUT = "10s"


@dataclass(frozen=True)
class SeedStep:
    """One sql/seed file and when it runs."""

    path: str
    production_only: bool = False


# In order. 50_production.sql is the small deterministic difference production has.
STEPS: tuple[SeedStep, ...] = (
    SeedStep("seed/00_supabase_standins.sql"),
    SeedStep("seed/10_schema.sql"),
    SeedStep("seed/20_data.sql"),
    SeedStep("seed/25_foreign_keys.sql"),
    SeedStep("seed/30_indexes.sql"),
    SeedStep("seed/40_grants.sql"),
    SeedStep("seed/50_production.sql", production_only=True),
    SeedStep("seed/90_analyze.sql"),
)


class SeedReport(BaseModel):
    """What a seed created: its parameters, its duration and the rows of every table."""

    scale: float
    seed: int
    production: bool
    replaced: bool = Field(description="true when an existing dataset was dropped first (--replace)")
    seconds: float
    tables: dict[str, int] = Field(description="rows per table, keyed schema.table")
    total_rows: int


def check_scale(scale: float) -> None:
    """Refuse a scale the dataset cannot represent, saying which values work."""
    if not math.isfinite(scale) or scale <= 0 or scale > MAX_SCALE:
        raise SeedError(
            f"scale {scale!r} is not usable: give a number greater than 0 and at most {MAX_SCALE:g}"
        )
    if scale < MIN_SCALE:
        raise SeedError(
            f"scale {scale!r} is too small to reproduce the dataset's combo and index story: "
            f"use at least {MIN_SCALE:g} (0.05 is the fast test scale)"
        )


def seed_database(
    dsn: str, *, scale: float = 1.0, seed: int = 1, production: bool = False, replace: bool = False
) -> SeedReport:
    """Create schemas menuca_v3 and staging in the database at dsn and fill them, all or nothing.

    Refused (SeedError) when the scale is unusable, the database is unreachable, or it already holds
    schema menuca_v3 and replace is false. With replace, the old dataset (and menuca_migrate's
    bookkeeping about it) is dropped in the same transaction, so a failure leaves it untouched.
    """
    check_scale(scale)
    started = time.perf_counter()
    try:
        conn = db.connect(dsn, connect_timeout=10)
    except NotConfigured as exc:
        raise SeedError(f"{exc}; check the DSN, that the server runs and the password") from None
    where = redact_dsn(dsn)
    try:
        with conn.transaction():
            replaced = _prepare(conn, where, replace)
            _set_parameters(conn, scale, seed, production)
            for step in STEPS:
                if step.production_only and not production:
                    continue
                _run_file(conn, step.path)
            tables = _row_counts(conn)
    except errors.LockNotAvailable:
        raise SeedError(
            f"{where}: another session holds a lock on the existing dataset; "
            "end that session (see pg_stat_activity) and seed again"
        ) from None
    finally:
        conn.close()
    return SeedReport(
        scale=scale,
        seed=seed,
        production=production,
        replaced=replaced,
        seconds=round(time.perf_counter() - started, 3),
        tables=tables,
        total_rows=sum(tables.values()),
    )


def _prepare(conn: db.Conn, where: str, replace: bool) -> bool:
    """Serialise seeds of this database, and refuse or drop an existing dataset; True if dropped."""
    # Two seeds of one database at once would both see "not seeded" and race on CREATE SCHEMA.
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('menuca-migrate seed'))")
    row = db.query_one(conn, "SELECT to_regnamespace('menuca_v3') IS NOT NULL AS seeded")
    if not (row and row["seeded"]):
        return False
    if not replace:
        raise SeedError(
            f"{where} already holds the dataset (schema menuca_v3 exists); nothing was changed. "
            "Seed another database, or pass --replace to drop menuca_v3, staging and menuca_migrate "
            "and seed again"
        )
    conn.execute("SELECT set_config('lock_timeout', %s, true)", [REPLACE_LOCK_TIMEOUT])
    conn.execute(
        sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
            sql.SQL(", ").join(sql.Identifier(name) for name in DROPPED_ON_REPLACE)
        )
    )
    conn.execute("SELECT set_config('lock_timeout', '0', true)")
    return True


def _set_parameters(conn: db.Conn, scale: float, seed: int, production: bool) -> None:
    """Hand the parameters to the SQL files as transaction-local settings (SET takes no parameters)."""
    for name, value in (
        ("menuca.scale", repr(float(scale))),
        ("menuca.seed", str(int(seed))),
        ("menuca.production", "on" if production else "off"),
    ):
        conn.execute("SELECT set_config(%s, %s, true)", [name, value])


def _run_file(conn: db.Conn, path: str) -> None:
    """Run one sql/ file as a single multi-statement query (no parameters: simple query protocol)."""
    try:
        conn.execute(db.sql_file(path))
    except errors.LockNotAvailable:
        raise
    except psycopg.Error as exc:
        diag = exc.diag
        detail = "; ".join(
            part for part in (diag.message_primary, diag.message_detail, diag.message_hint) if part
        )
        position = diag.statement_position
        line = f" line {db.sql_text(path)[: int(position)].count(chr(10)) + 1}" if position else ""
        raise SeedError(
            f"sql/{path}{line} failed ({exc.sqlstate}): {detail or type(exc).__name__}; nothing was created"
        ) from None


def _row_counts(conn: db.Conn) -> dict[str, int]:
    tables = db.query_all(
        conn,
        "SELECT n.nspname AS schema, c.relname AS name FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname = ANY(%s) ORDER BY 1, 2",
        [list(SEEDED_SCHEMAS)],
    )
    counts: dict[str, int] = {}
    for table in tables:
        row: dict[str, Any] | None = db.query_one(
            conn,
            sql.SQL("SELECT count(*) AS n FROM {}.{}").format(
                sql.Identifier(table["schema"]), sql.Identifier(table["name"])
            ),
        )
        counts[f"{table['schema']}.{table['name']}"] = int(row["n"]) if row else 0
    return counts
