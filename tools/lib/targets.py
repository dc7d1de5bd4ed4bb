"""The 58 target indexes: read from sql/apply_indexes/targets.sql, their definitions as PostgreSQL
writes them, and how a database covers each one now (the decision apply_indexes acts on and
validate, the drift check and rollback compare)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, cast

import pglast
from pglast import ast
from pglast.stream import RawStream
from psycopg import sql

from server import db
from tools.lib import catalog
from tools.records import Baseline, IndexRow

TARGET_COUNT = 58
_DEFINITION = re.compile(
    r"^CREATE (?P<unique>UNIQUE )?INDEX \S+ ON (?:ONLY )?(?P<table>\S+) USING (?P<rest>.*)$"
)

Action = Literal["created", "present", "equivalent", "rebuilt", "conflict", "planned", "failed"]


@dataclass(frozen=True)
class IndexTarget:
    name: str
    table: str
    statement: str  # the CREATE INDEX CONCURRENTLY statement from targets.sql


@dataclass
class IndexDecision:
    """What apply_indexes does about one target, and (after it ran) what happened."""

    target: IndexTarget
    definition: str  # the normalized definition PostgreSQL gives the target
    action: Action
    build: bool  # a concurrent build is needed (created, or rebuilt from an INVALID index)
    equivalent_to: str | None = None
    problem: str | None = None
    build_ms: int | None = None

    def fail(self, problem: str) -> None:
        self.action, self.problem = "failed", problem

    @property
    def covering(self) -> str | None:
        """The index that covers the target when the decision holds (None when it does not)."""
        if self.action in ("failed", "conflict") or self.build:
            return None
        return self.equivalent_to or self.target.name


@cache
def targets() -> tuple[tuple[IndexTarget, ...], tuple[str, ...]]:
    """The targets and the session settings (SET …) of sql/apply_indexes/targets.sql."""
    found: list[IndexTarget] = []
    settings: list[str] = []
    for statement in db.split_statements(db.sql_text("apply_indexes/targets.sql")):
        node = pglast.parse_sql(statement)[0].stmt
        if isinstance(node, ast.VariableSetStmt):
            settings.append(statement)
        elif isinstance(node, ast.IndexStmt) and node.concurrent and node.relation is not None:
            found.append(IndexTarget(node.idxname or "", node.relation.relname or "", statement))
        else:
            raise ValueError(f"targets.sql may hold only SET and CREATE INDEX CONCURRENTLY: {statement[:80]}")
    return tuple(found), tuple(settings)


def target_names() -> set[str]:
    return {t.name for t in targets()[0]}


def normalize(definition: str) -> str | None:
    """pg_get_indexdef without the index name and UNIQUE: `table USING method (…) [WHERE …]`."""
    match = _DEFINITION.match(definition)
    if not match:
        return None
    return f"{match.group('table').split('.')[-1]} USING {match.group('rest')}"


def shared_definitions(indexes: Iterable[IndexRow]) -> list[list[str]]:
    """Groups of indexes with the same normalized definition (duplicates)."""
    shared: dict[str, list[str]] = {}
    for index in indexes:
        key = normalize(index["definition"])
        if key is not None:
            shared.setdefault(key, []).append(index["name"])
    return [names for names in shared.values() if len(names) > 1]


def target_definitions(conn: db.Conn) -> dict[str, str]:
    """The normalized definition PostgreSQL gives each target, learnt by building it on an empty
    temporary copy of its table (LIKE keeps column names, types and collations) and rolling back."""
    result: dict[str, str] = {}
    with conn.transaction(force_rollback=True):
        made: dict[str, str] = {}
        for number, target in enumerate(targets()[0]):
            shadow = made.get(target.table)
            if shadow is None:
                shadow = f"menuca_shadow_{len(made)}"
                db.query_all(
                    conn,
                    sql.SQL("CREATE TEMP TABLE {} (LIKE {})").format(
                        sql.Identifier(shadow), sql.Identifier("menuca_v3", target.table)
                    ),
                )
                made[target.table] = shadow
            node = cast(ast.IndexStmt, pglast.parse_sql(target.statement)[0].stmt)
            assert node.relation is not None
            node.concurrent = False
            node.if_not_exists = False
            node.idxname = f"menuca_shadow_ix_{number}"
            node.relation.schemaname = None
            node.relation.relname = shadow
            db.query_all(conn, cast(Any, RawStream()(node)))
            row = db.query_one(conn, "SELECT pg_get_indexdef(to_regclass(%s)) AS d", [node.idxname])
            assert row is not None
            normalized = normalize(str(row["d"]))
            assert normalized is not None
            result[target.name] = normalized.replace(shadow, target.table, 1)
    return result


def decide_targets(conn: db.Conn, baseline: Baseline) -> list[IndexDecision]:
    """Each target's action from the database's real state, relative to the preflight baseline."""
    wanted = target_definitions(conn)
    existing = catalog.indexes(conn)
    by_name = {i["name"]: i for i in existing}
    baseline_names = {i["name"] for i in baseline.indexes}
    decisions = []
    for target in targets()[0]:
        definition = wanted[target.name]
        current = by_name.get(target.name)
        if current is not None and current["valid"]:
            if normalize(current["definition"]) != definition:
                # someone else's index under the target's name (a DBA's hotfix, say): kept, never dropped
                decision = IndexDecision(target, definition, "conflict", build=False)
                decision.problem = (
                    f"conflict: an index named {target.name} exists with another definition "
                    f"({current['definition']}) and was kept; it is not this run's to drop: a DBA decides "
                    "whether to rename it, drop it or give it the target's definition, then call "
                    "apply_indexes again"
                )
            else:
                action: Action = "present" if target.name in baseline_names else "created"
                decision = IndexDecision(target, definition, action, build=False)
        elif current is not None:
            decision = IndexDecision(target, definition, "rebuilt", build=True)
        else:
            twin = next(
                (
                    i
                    for i in existing
                    if i["valid"] and i["name"] != target.name and normalize(i["definition"]) == definition
                ),
                None,
            )
            if twin is not None and twin["name"] in baseline_names:
                decision = IndexDecision(
                    target, definition, "equivalent", build=False, equivalent_to=twin["name"]
                )
            else:
                decision = IndexDecision(target, definition, "created", build=True)
        decisions.append(decision)
    return decisions


def drop_statement(name: str) -> sql.Composed:
    """DROP INDEX CONCURRENTLY of one menuca_v3 index (sql/apply_indexes/drop_index.sql)."""
    return db.sql_file("apply_indexes/drop_index.sql").format(index=sql.Identifier(name))


def analyze_statement(table: str) -> sql.Composed:
    return db.sql_file("apply_indexes/analyze.sql").format(table=sql.Identifier(table))
