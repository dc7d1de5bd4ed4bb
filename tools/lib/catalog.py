"""Read-only views of a database's catalog and data that several tools record, compare or restore."""

from __future__ import annotations

from typing import cast

from server import db
from server.db import Conn
from tools.lib.per_table import per_table
from tools.records import ComboChecksums, FunctionRow, IndexDetail, OrphanCounts, PolicyRow, RlsFlag, RlsFlags

APP_SCHEMAS = ["menuca_v3", "staging"]


def row_counts(conn: Conn, schemas: list[str] | None = None) -> dict[str, int]:
    rows = per_table(conn, "common/row_counts.sql", list(schemas or APP_SCHEMAS))
    return {r["table"]: int(r["row_count"]) for r in rows}


def indexes(conn: Conn, schemas: list[str] | None = None) -> list[IndexDetail]:
    rows = db.query_all(conn, db.sql_file("common/indexes.sql"), {"schemas": schemas or ["menuca_v3"]})
    return cast(list[IndexDetail], rows)


def index_definitions(conn: Conn) -> dict[str, str]:
    """name → definition of every index of menuca_v3 (the form a rollback compares exactly)."""
    return {r["name"]: r["definition"] for r in indexes(conn)}


def invalid_indexes(conn: Conn) -> list[str]:
    return [
        f"{r['schema']}.{r['name']}" for r in db.query_all(conn, db.sql_file("common/invalid_indexes.sql"))
    ]


def rls_flags(conn: Conn) -> RlsFlags:
    rows = db.query_all(conn, db.sql_file("common/rls_flags.sql"))
    return {r["table"]: RlsFlag(enabled=bool(r["enabled"]), forced=bool(r["forced"])) for r in rows}


def policies(conn: Conn) -> list[PolicyRow]:
    return cast(list[PolicyRow], db.query_all(conn, db.sql_file("common/policies.sql")))


def functions(conn: Conn) -> list[FunctionRow]:
    return cast(list[FunctionRow], db.query_all(conn, db.sql_file("common/functions.sql")))


def combo_checksums(conn: Conn) -> ComboChecksums:
    row = db.query_one(conn, db.sql_file("common/combo_checksums.sql"))
    assert row is not None  # an aggregate query always returns its row
    return cast(ComboChecksums, row)


def orphan_rates(conn: Conn) -> OrphanCounts:
    """Both orphan rates as fractions, with the counts they come from."""
    row = db.query_one(conn, db.sql_file("common/orphan_rates.sql"))
    assert row is not None
    groups, source_groups = int(row["groups"]), int(row["source_groups"])
    return OrphanCounts(
        naive=round(row["orphaned"] / groups, 6) if groups else 0.0,
        source_backed=round(row["source_orphaned"] / source_groups, 6) if source_groups else 0.0,
        groups=groups,
        orphaned=int(row["orphaned"]),
        source_groups=source_groups,
        source_orphaned=int(row["source_orphaned"]),
        empty_shells=int(row["empty_shells"]),
        items=int(row["items"]),
    )


def schema_exists(conn: Conn, schema: str) -> bool:
    row = db.query_one(conn, "SELECT to_regnamespace(%s) IS NOT NULL AS present", [schema])
    return bool(row and row["present"])
