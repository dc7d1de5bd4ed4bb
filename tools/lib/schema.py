"""The schema the tools work on: every table of sql/seed/10_schema.sql, and each column with its type
that the SQL the tools run names (derived from the files themselves, so it cannot drift from them), and
what a database lacks of it: preflight's proof that a renamed table or a dropped column is found before
a tool trips over it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pglast
from pglast import ast

from server import db

SCHEMA_FILE = "seed/10_schema.sql"
# how the seed spells a type → the catalog's name for it (pg_type.typname)
_SERIALS = {"bigserial": "int8", "serial": "int4", "smallserial": "int2"}
_WORD = re.compile(r"[a-z_][a-z0-9_]*")
_COMMENT = re.compile(r"--[^\n]*")
# every table is read whole by id somewhere (the RLS matrix's checksums order each table by id)
ALWAYS_USED = ("id",)
MAX_SHOWN = 25


@dataclass(frozen=True)
class Column:
    schema: str
    table: str
    name: str
    type: str  # pg_type.typname, e.g. int8, varchar, jsonb, restaurant_status

    @property
    def qualified_table(self) -> str:
        return f"{self.schema}.{self.table}"


@cache
def seed_schema() -> dict[tuple[str, str], dict[str, str]]:
    """(schema, table) → {column: typname} for every table sql/seed/10_schema.sql creates."""
    tables: dict[tuple[str, str], dict[str, str]] = {}
    for raw in pglast.parse_sql(db.sql_text(SCHEMA_FILE)):
        statement = raw.stmt
        if not isinstance(statement, ast.CreateStmt) or statement.relation is None:
            continue
        columns: dict[str, str] = {}
        for element in statement.tableElts or ():
            if isinstance(element, ast.ColumnDef) and element.typeName is not None and element.colname:
                names = element.typeName.names or ()
                name = str(names[-1].sval) if names else ""
                name = _SERIALS.get(name, name)
                columns[element.colname] = f"_{name}" if element.typeName.arrayBounds else name
        tables[(statement.relation.schemaname or "public", statement.relation.relname or "")] = columns
    return tables


def _words(relative: str) -> set[str]:
    """The identifiers a SQL file names outside its comments."""
    return set(_WORD.findall(_COMMENT.sub("", db.sql_text(relative)).lower()))


@cache
def _used(files: tuple[str, ...]) -> tuple[Column, ...]:
    seed = seed_schema()
    used: set[Column] = set()
    for relative in files:
        words = _words(relative)
        for (schema, table), columns in seed.items():
            if table not in words:
                continue
            used |= {Column(schema, table, name, kind) for name, kind in columns.items() if name in words}
    for (schema, table), columns in seed.items():
        used |= {Column(schema, table, name, columns[name]) for name in ALWAYS_USED if name in columns}
    return tuple(sorted(used, key=lambda c: (c.schema, c.table, c.name)))


def used_columns(files: Iterable[str]) -> tuple[Column, ...]:
    """Each column of the seed schema that a file of `files` names together with its table (an
    over-approximation: a column named anywhere in a file that names its table counts), and every
    table's id."""
    return _used(tuple(sorted(set(files))))


def schema_problems(conn: db.Conn, files: Iterable[str]) -> list[str]:
    """What the database lacks of the schema the tools use: missing tables, missing columns, and
    columns of another type; [] when nothing is missing."""
    rows = db.query_all(conn, db.sql_file("preflight/columns.sql"), {"schemas": ["menuca_v3", "staging"]})
    actual: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
    for row in rows:
        actual.setdefault((row["schema"], row["table"]), {})[row["column"]] = (row["type"], row["shown"])
    problems: list[str] = []
    for schema, table in sorted(seed_schema()):
        if (schema, table) not in actual:
            problems.append(f"table {schema}.{table} is missing (renamed or dropped?)")
    for column in used_columns(files):
        have = actual.get((column.schema, column.table))
        if have is None:
            continue  # reported as a missing table
        if column.name not in have:
            problems.append(f"column {column.qualified_table}.{column.name} ({column.type}) is missing")
        elif have[column.name][0] != column.type:
            problems.append(
                f"column {column.qualified_table}.{column.name} is {have[column.name][1]}, expected {column.type}"
            )
    return problems


def shown(problems: list[str]) -> list[str]:
    """At most MAX_SHOWN problems, and how many more there are."""
    if len(problems) <= MAX_SHOWN:
        return problems
    return [*problems[:MAX_SHOWN], f"… and {len(problems) - MAX_SHOWN} more"]
