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
from server.settings import password_of, redact_dsn, scrub

# Below 0.05 the combo story no longer fits in so few rows for every seed (the plan check in
# sql/seed/20_data.sql would refuse it); 100 is about 24 million rows.
MIN_SCALE = 0.05
MAX_SCALE = 100.0
SEED_RANGE = (-(2**62), 2**62)

# How long --replace waits for the old tables before saying another session uses them.
REPLACE_LOCK_TIMEOUT = "10s"

# The schemas the seed creates (and counts rows of).
SEEDED_SCHEMAS = ("menuca_v3", "staging")


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
DROP_DATASET = "seed/drop_dataset.sql"


class SeedReport(BaseModel):
    """What a seed created: its parameters, its duration and the rows of every table."""

    scale: float
    seed: int
    production: bool
    replaced: bool = Field(description="true when an existing dataset was dropped first (--replace)")
    seconds: float
    tables: dict[str, int] = Field(description="rows per table, keyed schema.table")
    total_rows: int


def check_parameters(scale: float, seed: int) -> None:
    """Refuse parameters the dataset cannot represent, saying which values work."""
    if not math.isfinite(scale) or scale <= 0 or scale > MAX_SCALE:
        raise SeedError(
            f"scale {scale!r} is not usable: give a number greater than 0 and at most {MAX_SCALE:g}"
        )
    if scale < MIN_SCALE:
        raise SeedError(
            f"scale {scale!r} is too small to reproduce the dataset's combo and index story: "
            f"use at least {MIN_SCALE:g} (the fast test scale)"
        )
    if not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
        raise SeedError(f"seed {seed} is out of range: use an integer between -2**62 and 2**62")


def seed_database(
    dsn: str, *, scale: float = 1.0, seed: int = 1, production: bool = False, replace: bool = False
) -> SeedReport:
    """Create schemas menuca_v3 and staging in the database at dsn and fill them, all or nothing.

    Refused (SeedError) when the parameters are unusable, the database is unreachable, or it already
    holds schema menuca_v3 and replace is false. With replace, the old dataset (and menuca_migrate's
    bookkeeping about it) is dropped in the same transaction, so a failure leaves it untouched.
    """
    check_parameters(scale, seed)
    started = time.perf_counter()
    where = redact_dsn(dsn)
    secret = [p for p in (password_of(dsn),) if p]
    try:
        conn = db.connect(dsn, connect_timeout=10)
    except NotConfigured as exc:
        raise SeedError(
            scrub(f"{exc}; check the DSN, that the server runs and the password", secret)
        ) from None
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
            f"{where}: another session holds a lock on the existing dataset; nothing was changed. "
            "End that session (see pg_stat_activity) and seed again"
        ) from None
    except psycopg.Error as exc:
        # Anything else the server or the connection reports (a lost connection, a failed commit).
        raise SeedError(scrub(f"{where}: {_describe(exc)}; nothing was created", secret)) from None
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
    conn.execute("SELECT set_config('menuca.replace_lock_timeout', %s, true)", [REPLACE_LOCK_TIMEOUT])
    _run_file(conn, DROP_DATASET)
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
        raise  # the caller explains who holds the lock
    except psycopg.Error as exc:
        position = exc.diag.statement_position
        line = f" line {db.sql_text(path)[: int(position)].count(chr(10)) + 1}" if position else ""
        raise SeedError(f"sql/{path}{line} failed: {_describe(exc)}; nothing was created") from None


def _describe(exc: psycopg.Error) -> str:
    """The server's message, detail and hint with the SQLSTATE, or the client's first line."""
    diag = exc.diag
    parts = [part for part in (diag.message_primary, diag.message_detail, diag.message_hint) if part]
    if parts:
        return f"{'; '.join(parts)} (SQLSTATE {exc.sqlstate})"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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
