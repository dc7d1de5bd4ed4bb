"""What Row Level Security apply_rls creates (its design, read from its sql/ files), and how far a
database's catalog is from a goal (the snapshot before a run, or the preflight baseline): the
statements that close the gap and the checks that prove it closed. No statement runs here;
tools/apply_rls.py runs them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import pglast
from pglast import ast
from psycopg.types.json import Jsonb

from server import db
from tools.lib import catalog
from tools.records import FunctionRow, PolicyRow, RlsFlags
from tools.results import Check
from tools.step import check

FUNCTIONS_FILE = "apply_rls/functions.sql"
POLICY_FILES = (
    "apply_rls/policies/10_menu.sql",
    "apply_rls/policies/20_restaurants.sql",
    "apply_rls/policies/30_delivery.sql",
    "apply_rls/policies/40_marketing_reference.sql",
    "apply_rls/policies/50_users.sql",
)
INDEX_FILE = "apply_rls/backing_indexes.sql"
SQL_FILES = (
    FUNCTIONS_FILE,
    *POLICY_FILES,
    INDEX_FILE,
    "apply_rls/tables.sql",
    "apply_rls/index_columns.sql",
    "apply_rls/statements/lock_tables.sql",
    "apply_rls/statements/drop_policies.sql",
    "apply_rls/statements/create_policies.sql",
    "apply_rls/statements/set_rls.sql",
    "apply_rls/statements/drop_functions.sql",
    "apply_rls/statements/drop_indexes.sql",
    "common/rls_flags.sql",
    "common/policies.sql",
    "common/functions.sql",
)

# apply_rls owns exactly the policies with this prefix; every other policy is pre-existing and kept.
PREFIX = "menuca_rls_"


# -- the design, read from the sql/ files ------------------------------------------------------------------


@dataclass(frozen=True)
class PolicySpec:
    """The comparable shape of a policy (its expressions are compared by presence, not text: the
    catalog holds PostgreSQL's deparsed form of what the file says)."""

    table: str
    name: str
    cmd: str
    roles: tuple[str, ...]
    permissive: bool
    using: bool
    check: bool

    @classmethod
    def from_catalog(cls, row: PolicyRow) -> PolicySpec:
        return cls(
            table=row["table"],
            name=row["name"],
            cmd=str(row["cmd"]).upper(),
            roles=tuple(sorted(row["roles"])),
            permissive=row["permissive"] == "PERMISSIVE",
            using=row["qual"] is not None,
            check=row["with_check"] is not None,
        )


@dataclass(frozen=True)
class BackingIndex:
    name: str
    table: str
    column: str
    statement: str


@dataclass(frozen=True)
class RlsDesign:
    """What the shipped files create: statements, helper functions, policies, tables, backing indexes."""

    function_statements: tuple[str, ...]
    functions: tuple[str, ...]
    policy_statements: tuple[str, ...]
    policies: tuple[PolicySpec, ...]
    tables: tuple[str, ...]
    indexes: tuple[BackingIndex, ...]


def ours(policy: PolicyRow) -> bool:
    return str(policy["name"]).startswith(PREFIX)


@cache
def load_design() -> RlsDesign:
    """Parse the shipped files: what they create, so that the result can be verified against it."""
    function_statements = tuple(_statements(FUNCTIONS_FILE))
    functions = [
        str((node.funcname or ())[-1].sval)
        for node in (_parse(text) for text in function_statements)
        if isinstance(node, ast.CreateFunctionStmt)
    ]
    statements: list[str] = []
    policies: list[PolicySpec] = []
    enabled: set[str] = set()
    for name in POLICY_FILES:
        for text in _statements(name):
            node = _parse(text)
            if isinstance(node, ast.CreatePolicyStmt):
                policies.append(
                    PolicySpec(
                        table=_relname(node.table),
                        name=str(node.policy_name),
                        cmd=str(node.cmd_name).upper(),
                        roles=tuple(sorted(r.rolename or "public" for r in node.roles or ())),
                        permissive=bool(node.permissive),
                        using=node.qual is not None,
                        check=node.with_check is not None,
                    )
                )
            elif isinstance(node, ast.AlterTableStmt):
                enabled.add(_relname(node.relation))
            else:
                raise ValueError(f"{name}: unexpected statement {type(node).__name__}")
            statements.append(text)
    indexes = []
    for text in _statements(INDEX_FILE):
        node = _parse(text)
        if not isinstance(node, ast.IndexStmt):
            raise ValueError(f"{INDEX_FILE}: unexpected statement {type(node).__name__}")
        column = str((node.indexParams or ())[0].name)
        indexes.append(BackingIndex(str(node.idxname), _relname(node.relation), column, text))
    return RlsDesign(
        function_statements=function_statements,
        functions=tuple(functions),
        policy_statements=tuple(statements),
        policies=tuple(policies),
        tables=tuple(sorted(enabled)),
        indexes=tuple(indexes),
    )


def _statements(name: str) -> list[str]:
    """The statements of a file without the comment lines that lead them (the file explains them)."""
    out = []
    for text in db.split_statements(db.sql_text(name)):
        lines = text.splitlines()
        while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
            lines.pop(0)
        out.append("\n".join(lines))
    return out


def _parse(text: str) -> ast.Node | None:
    return pglast.parse_sql(text)[0].stmt


def _relname(relation: ast.RangeVar | None) -> str:
    if relation is None or relation.schemaname != "menuca_v3" or not relation.relname:
        raise ValueError("every apply_rls statement names a menuca_v3 table with its schema")
    return str(relation.relname)


# -- the database's state ----------------------------------------------------------------------------------


@dataclass
class RlsCatalog:
    """The database's RLS as it is now: tables, flags, every policy, the functions of menuca_v3."""

    tables: list[str]
    flags: RlsFlags
    policies: list[PolicyRow]
    functions: list[FunctionRow]

    def own_policies(self) -> list[PolicyRow]:
        return [p for p in self.policies if ours(p)]

    def other_policies(self) -> list[PolicyRow]:
        return [p for p in self.policies if not ours(p)]

    def own_functions(self, design: RlsDesign) -> list[FunctionRow]:
        return [f for f in self.functions if f["name"] in design.functions]


def read_catalog(conn: db.Conn) -> RlsCatalog:
    return RlsCatalog(
        tables=[r["table"] for r in db.query_all(conn, db.sql_file("apply_rls/tables.sql"))],
        flags=catalog.rls_flags(conn),
        policies=catalog.policies(conn),
        functions=catalog.functions(conn),
    )


def generated(conn: db.Conn, name: str, params: Mapping[str, Any]) -> list[str]:
    """Statements PostgreSQL writes for us from a sql/apply_rls/statements/ file (identifiers quoted
    by format()), so that no DDL text is assembled in Python."""
    return [
        r["statement"] for r in db.query_all(conn, db.sql_file(f"apply_rls/statements/{name}.sql"), params)
    ]


def lock_statement(conn: db.Conn, tables: Iterable[str]) -> str | None:
    names = sorted(set(tables))
    return generated(conn, "lock_tables", {"tables": names})[0] if names else None


def missing_indexes(conn: db.Conn, design: RlsDesign) -> tuple[list[BackingIndex], list[str]]:
    """(backing indexes to build, own INVALID leftovers to drop first). A column is covered by any
    valid, ready, non-partial index of its table that has it as the first key column."""
    rows = db.query_all(conn, db.sql_file("apply_rls/index_columns.sql"))
    covered = {(r["table"], r["first_column"]) for r in rows if r["valid"] and not r["partial"]}
    invalid = {r["name"] for r in rows if not r["valid"]}
    names = {i.name for i in design.indexes}
    missing = [i for i in design.indexes if (i.table, i.column) not in covered]
    return missing, sorted(invalid & names)


# -- converging to a goal: a snapshot (restore after a failed test; rollback scope "rls") ---------------------------


@dataclass
class RlsGoal:
    """What our part of the catalog must look like: RLS flags of every table, the policies (only our
    own are acted on; others are compared, never touched) and our helper functions."""

    flags: RlsFlags
    policies: list[PolicyRow]
    functions: list[FunctionRow]


@dataclass
class Changes:
    drop_policies: list[PolicyRow]
    create_policies: list[PolicyRow]
    flags: dict[str, bool]
    drop_functions: list[FunctionRow]

    @property
    def tables(self) -> list[str]:
        touched = {p["table"] for p in self.drop_policies + self.create_policies} | set(self.flags)
        return sorted(touched)

    @property
    def empty(self) -> bool:
        return not (self.drop_policies or self.create_policies or self.flags or self.drop_functions)

    def lines(self) -> list[str]:
        out = []
        if self.drop_policies:
            out.append(f"dropped {len(self.drop_policies)} apply_rls policies ({PREFIX}*)")
        if self.create_policies:
            out.append(f"recreated {len(self.create_policies)} policies as the snapshot had them")
        off = sorted(t for t, on in self.flags.items() if not on)
        on = sorted(t for t, v in self.flags.items() if v)
        if off:
            out.append(f"RLS disabled again on {len(off)} table(s) that had it off: {', '.join(off)}")
        if on:
            out.append(f"RLS enabled again on {len(on)} table(s) that had it on: {', '.join(on)}")
        if self.drop_functions:
            out.append(
                "dropped helper functions "
                + ", ".join(f"menuca_v3.{f['name']}()" for f in self.drop_functions)
            )
        return out


def _key(policy: PolicyRow) -> tuple[str, str]:
    return (policy["table"], policy["name"])


def changes_towards(state: RlsCatalog, goal: RlsGoal, design: RlsDesign) -> Changes:
    now = {_key(p): p for p in state.own_policies()}
    want = {_key(p): p for p in goal.policies if ours(p)}
    drop = [p for k, p in sorted(now.items()) if k not in want or want[k] != p]
    create = [p for k, p in sorted(want.items()) if k not in now or now[k] != p]
    flags = {
        table: bool(goal.flags[table]["enabled"])
        for table, flag in state.flags.items()
        if table in goal.flags and bool(flag["enabled"]) != bool(goal.flags[table]["enabled"])
    }
    keep = {(f["name"], f["arguments"]) for f in goal.functions}
    drop_functions = [f for f in state.own_functions(design) if (f["name"], f["arguments"]) not in keep]
    return Changes(drop, create, flags, drop_functions)


def change_statements(conn: db.Conn, changes: Changes) -> list[str]:
    out: list[str] = []
    if changes.drop_policies:
        out += generated(
            conn,
            "drop_policies",
            {
                "tables": [p["table"] for p in changes.drop_policies],
                "names": [p["name"] for p in changes.drop_policies],
            },
        )
    if changes.drop_functions:
        out += generated(
            conn,
            "drop_functions",
            {
                "names": [f["name"] for f in changes.drop_functions],
                "arguments": [f["arguments"] for f in changes.drop_functions],
            },
        )
    if changes.create_policies:
        rows = [{**p, "tbl": p["table"]} for p in changes.create_policies]
        out += generated(conn, "create_policies", {"policies": Jsonb(rows)})
    if changes.flags:
        tables = sorted(changes.flags)
        out += generated(conn, "set_rls", {"tables": tables, "enabled": [changes.flags[t] for t in tables]})
    return out


def goal_checks(conn: db.Conn, goal: RlsGoal, design: RlsDesign, what: str) -> list[Check]:
    """The proofs that the catalog equals the goal: flags, every policy, our helper functions."""
    state = read_catalog(conn)
    flag_diff = sorted(
        t for t in set(state.flags) | set(goal.flags) if state.flags.get(t) != goal.flags.get(t)
    )
    now = {_key(p): p for p in state.policies}
    want = {_key(p): p for p in goal.policies}
    policy_diff = sorted(f"{t}.{n}" for (t, n) in set(now) | set(want) if now.get((t, n)) != want.get((t, n)))
    funcs_now = sorted((f["name"], f["arguments"], f["definition_md5"]) for f in state.own_functions(design))
    funcs_want = sorted((f["name"], f["arguments"], f["definition_md5"]) for f in goal.functions)
    return [
        check(f"RLS flags equal the {what}'s", [], flag_diff),
        check(f"policies equal the {what}'s (definitions compared)", [], policy_diff),
        check(
            f"apply_rls helper functions equal the {what}'s",
            [f[0] for f in funcs_want],
            [f[0] for f in funcs_now],
            passed=funcs_now == funcs_want,
        ),
    ]
