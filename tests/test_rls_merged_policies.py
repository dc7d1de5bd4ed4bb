"""The shipped RLS policies, read without a database: one permissive policy per table, role and command
(what Supabase's advisor asks), no helper with definer rights, and every branch of every merged
condition proven by an allow test of the matrix for each command it grants."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pglast
from pglast import ast
from pglast.enums import BoolExprType

from tools.lib import advisor, rls_matrix
from tools.lib.rls_policies import load_design

# The identity helpers a branch may call, and whose branch that makes it.
BRANCH_OF = {
    "is_platform_admin": "admin",
    "current_restaurant_id": "tenant",
    "current_user_id": "self",
    "uid": "self",
}
# The matrix identities whose allow test proves a branch (the public branch of an authenticated
# policy: an authenticated caller that is neither the row's tenant nor an admin).
PROVEN_BY = {
    "admin": {"admin"},
    "tenant": {"tenant_a"},
    "self": {"end_user"},
    "public anon": {"anon"},
    "public authenticated": {"tenant_b", "end_user"},
}
ACTIONS = {"SELECT": ("read",), "INSERT": ("insert",), "UPDATE": ("update", "move"), "DELETE": ("delete",)}


def _policies() -> Iterator[ast.CreatePolicyStmt]:
    for text in load_design().policy_statements:
        node = pglast.parse_sql(text)[0].stmt
        if isinstance(node, ast.CreatePolicyStmt):
            yield node


def _helpers(node: object) -> set[str]:
    """The branch kinds of the helpers called anywhere below a node."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, ast.FuncCall) and value.funcname:
            name = str(value.funcname[-1].sval)
            if name in BRANCH_OF:
                found.add(BRANCH_OF[name])
        if isinstance(value, ast.Node):
            for attribute in value:
                walk(getattr(value, attribute))
        elif isinstance(value, tuple):
            for item in value:
                walk(item)

    walk(node)
    return found


def _kind(node: object) -> str:
    found = _helpers(node)
    return next((k for k in ("admin", "tenant", "self") if k in found), "public")


def branches(node: object) -> list[str]:
    """The OR-ed branches of a policy expression, by kind: an OR's arguments, an AND around exactly one
    OR (a parent look-up `p.id = fk AND (tenant OR active)`), an EXISTS by its WHERE clause."""
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.OR_EXPR:
        return [b for arg in node.args or () for b in branches(arg)]
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        split = [branches(arg) for arg in node.args or () if len(branches(arg)) > 1]
        return split[0] if len(split) == 1 else [_kind(node)]
    if (
        isinstance(node, ast.SubLink)
        and isinstance(node.subselect, ast.SelectStmt)
        and node.subselect.whereClause is not None
    ):
        return branches(node.subselect.whereClause)
    return [_kind(node)]


def test_the_policy_branches_are_read_as_intended() -> None:
    node = pglast.parse_sql(
        "SELECT 1 WHERE (SELECT menuca_v3.is_platform_admin()) OR EXISTS (SELECT 1 FROM t AS g "
        "WHERE g.id = x AND (g.restaurant_id = (SELECT menuca_v3.current_restaurant_id()) OR g.is_active))"
    )[0].stmt
    assert isinstance(node, ast.SelectStmt)
    assert branches(node.whereClause) == ["admin", "tenant", "public"]


def test_the_shipped_policies_give_each_table_role_and_command_one_permissive_policy() -> None:
    rows = advisor.policies_by_command(load_design(), [])
    pairs = [f"{r.table} {r.role} {r.command}: {r.permissive}" for r in rows if len(r.permissive) > 1]
    assert pairs == []  # 143 pairs before the merge (issue 18)
    counted = Counter((r.table, r.role) for r in rows)
    assert set(counted) >= {(t, "authenticated") for t in load_design().tables}  # every table, every command
    assert all(n == 4 for (_, role), n in counted.items() if role == "authenticated")
    assert advisor.one_permissive_check(rows).passed


def test_no_helper_function_runs_with_its_owners_rights() -> None:
    for text in load_design().function_statements:
        node = pglast.parse_sql(text)[0].stmt
        if isinstance(node, ast.CreateFunctionStmt):
            options = {str(o.defname): o.arg for o in node.options or ()}
            assert "security" not in options or not options["security"].boolval, text.splitlines()[0]
            assert "set" in options, f"{text.splitlines()[0]}: search_path is pinned"


def test_every_branch_of_every_merged_policy_is_proven_by_an_allow_test_for_each_command() -> None:
    allowed = {(t.table, t.action, t.identity) for t in rls_matrix.load_tests() if t.expect == "allow"}
    unproven: list[str] = []
    for node in _policies():
        table = str(node.table.relname)
        command = str(node.cmd_name).upper()
        for cmd in advisor.COMMANDS if command == "ALL" else (command,):
            expression = node.with_check if cmd == "INSERT" else node.qual
            for branch in sorted(set(branches(expression))):
                for role in (str(r.rolename) for r in node.roles or ()):
                    who = PROVEN_BY[f"public {role}" if branch == "public" else branch]
                    if not any((table, action, i) in allowed for action in ACTIONS[cmd] for i in who):
                        unproven.append(f"{table} {cmd} {role}: the {branch} branch of {node.policy_name}")
    assert unproven == []
