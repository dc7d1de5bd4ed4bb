"""apply_rls on a real PostgreSQL, through the real guard: every table gets RLS with its policies in one
transaction, the matrix passes as the real roles and leaves every row as it was, a broken policy fails
the ticket and restores the snapshot, a lock held elsewhere fails cleanly, a halt at the commit point
rolls back, and rollback scope=rls returns exactly to the preflight baseline."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pglast
import psycopg
import pytest
from pglast import ast
from psycopg.conninfo import conninfo_to_dict

from server import db, resources
from tools import apply_rls
from tools.lib import catalog, rls_matrix, short_lock
from tools.lib.per_table import per_table

TABLES = 42
Cat = dict[str, Any]


def _catalog(rb: Any) -> Cat:
    """RLS flags, policies, helper functions and indexes of staging, read as the owner."""
    with rb.admin() as conn:
        conn.row_factory = psycopg.rows.dict_row
        return {
            "flags": catalog.rls_flags(conn),
            "policies": catalog.policies(conn),
            "functions": catalog.functions(conn),
            "indexes": catalog.index_definitions(conn),
        }


def _rows_and_sequences(rb: Any) -> tuple[list[Any], list[Any]]:
    with rb.admin() as conn:
        sums = per_table(conn, "apply_rls/tests/checksums.sql", ["menuca_v3"])
        seqs = conn.execute(db.sql_file("apply_rls/tests/sequences.sql")).fetchall()
    return sums, seqs


def _through_indexes(rb: Any, sql_before: str | None = None) -> None:
    if sql_before:
        with rb.admin() as conn:
            conn.execute(sql_before)
    assert rb.call("preflight")["status"] == "PASS"
    assert rb.call("backup", "staging")["status"] == "PASS"
    assert rb.call("apply_indexes", "staging")["status"] == "PASS"


def _failed(result: dict[str, Any]) -> list[Any]:
    return [c for c in result["checks"] if not c["passed"]]


# -- the shipped SQL, read without a database --------------------------------------------------------------


def _policy_nodes() -> list[ast.CreatePolicyStmt]:
    nodes = []
    for name in apply_rls.POLICY_FILES:
        for text in db.split_statements(db.sql_text(name)):
            node = pglast.parse_sql(text)[0].stmt
            if isinstance(node, ast.CreatePolicyStmt):
                nodes.append(node)
    return nodes


def test_every_policy_names_its_roles_checks_what_it_writes_and_carries_the_prefix() -> None:
    nodes = _policy_nodes()
    assert len(nodes) == len(apply_rls.load_design().policies) > TABLES
    for node in nodes:
        roles = {r.rolename for r in node.roles or ()}
        assert roles and roles <= {"anon", "authenticated"}, node.policy_name  # explicit TO, never PUBLIC
        assert str(node.policy_name).startswith(f"menuca_rls_{node.table.relname}_")
        assert len(str(node.policy_name)) <= 63  # PostgreSQL would truncate (and collide)
        if node.cmd_name == "insert":
            assert node.qual is None, f"{node.policy_name}: FOR INSERT takes WITH CHECK only"
        if node.cmd_name in ("all", "insert", "update"):
            assert node.with_check is not None, f"{node.policy_name}: a write policy needs WITH CHECK"
        if node.cmd_name in ("select", "delete"):
            assert node.with_check is None
    text = "\n".join(apply_rls.load_design().policy_statements)  # the statements, not their comments
    identity = (
        r"(?:menuca_v3\.(?:current_restaurant_id|is_platform_admin|current_user_id)|auth\.(?:uid|jwt))\(\)"
    )
    bare = re.findall(rf"(?<!SELECT ){identity}", text)
    assert bare == [], "identity functions are wrapped as (SELECT …) so they run once per query"
    assert "'role'" not in text and "->> 'role'" not in text  # the top-level role claim is never read


def test_every_menuca_v3_table_of_the_schema_gets_rls_and_a_test() -> None:
    schema = set(re.findall(r"CREATE TABLE menuca_v3\.(\w+)", db.sql_text("seed/10_schema.sql")))
    assert len(schema) == TABLES
    assert set(apply_rls.load_design().tables) == schema
    tests = rls_matrix.load_tests()
    assert {t.table for t in tests} == schema
    assert {t.action for t in tests} == set(rls_matrix.ACTIONS)
    assert {t.identity for t in tests} == set(rls_matrix.IDENTITIES)
    assert {t.expect for t in tests if t.table == "dishes" and t.identity == "tenant_b"} == {"allow", "deny"}


def test_helper_functions_are_stable_with_a_pinned_search_path() -> None:
    for text in apply_rls.load_design().function_statements:
        if text.startswith("CREATE"):
            assert "STABLE" in text and "SET search_path = ''" in text


def test_no_placeholder_hides_in_a_comment_of_a_parameterised_file() -> None:
    for name, file in resources.walk("sql", ".sql"):
        if not name.startswith("apply_rls/"):
            continue
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith("--"):
                assert "%" not in line, f"{name}: psycopg would read {line!r} as a placeholder"


# -- the tool on a real database ---------------------------------------------------------------------------


def test_apply_rls_enables_every_table_passes_the_matrix_unchanged_and_rolls_back_to_the_baseline(
    runbook: Callable[..., Any],
) -> None:
    rb = runbook()
    # one policy column without an index (neither pre-existing nor a target): apply_rls must build it
    _through_indexes(rb, sql_before="DROP INDEX menuca_v3.idx_autologin_tokens_user")
    before = _catalog(rb)
    assert not any(f["enabled"] for f in before["flags"].values())
    rows_before = _rows_and_sequences(rb)

    plan = rb.call("apply_rls", "staging", dry_run=True)
    assert plan["status"] == "DRY_RUN"
    assert _catalog(rb) == before  # a dry run changes nothing
    steps = plan["plan"]
    first_tx = next(i for i, s in enumerate(steps) if s["transaction"] == "transaction")
    assert all(s["transaction"] == "autocommit" for s in steps[:first_tx])  # index builds come first
    assert [s["statement"] for s in steps[:first_tx]] == [
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rls_autologin_tokens_user_id "
        "ON menuca_v3.autologin_tokens (user_id)"
    ]
    assert all(s["transaction"] == "transaction" and s["lock_timeout"] == "2s" for s in steps[first_tx:])
    notes = " ".join(s["note"] or "" for s in steps)
    assert "NOWAIT" not in notes and "apply_rls:" not in notes  # no jargon an agent cannot act on
    lock = next(s["statement"] for s in steps if s["statement"].startswith("LOCK TABLE"))
    locked = re.findall(r"menuca_v3\.(\w+)", lock)
    assert locked == sorted(before["flags"]) and len(locked) == TABLES
    assert sum(s["statement"].startswith("CREATE POLICY") for s in steps) == len(
        apply_rls.load_design().policies
    )
    assert steps.index(next(s for s in steps if s["statement"] == "COMMIT")) > steps.index(
        next(s for s in steps if s["statement"].startswith("CREATE POLICY"))
    )

    result = rb.call("apply_rls", "staging")
    assert result["status"] == "PASS", _failed(result)
    after = _catalog(rb)
    assert all(f["enabled"] for f in after["flags"].values()) and len(after["flags"]) == TABLES
    assert result["tables_enabled"] == result["tables_total"] == TABLES
    assert {p["table"] for p in after["policies"]} == set(after["flags"])
    assert len(result["policies_created"]) == len(after["policies"]) > TABLES
    assert result["policies_preexisting"] == []
    assert result["tests_total"] == len(rls_matrix.load_tests()) > 300
    assert result["tests_passed"] == result["tests_total"]
    assert {t["role"] for t in result["tests"]} == {"anon", "authenticated"}
    assert _rows_and_sequences(rb) == rows_before  # the matrix left every row and sequence as it was
    for policy in after["policies"]:
        for expression in (policy["qual"] or "", policy["with_check"] or ""):
            for call in re.finditer(
                r"(?:current_restaurant_id|is_platform_admin|current_user_id|uid|jwt)\(\)", expression
            ):
                assert expression[: call.start()].rstrip().endswith(("SELECT menuca_v3.", "SELECT auth.")), (
                    policy
                )
    assert result["indexes_built"] == ["idx_rls_autologin_tokens_user_id"]
    assert set(after["indexes"]) - set(before["indexes"]) == {"idx_rls_autologin_tokens_user_id"}

    assert rb.call("apply_rls", "staging")["replayed"] is True

    undone = rb.call("rollback", "staging", scope="rls", reason="prove the undo")
    assert undone["status"] == "PASS", _failed(undone)
    assert undone["tickets_rolled_back"] == ["03"]
    assert _catalog(rb) == before  # flags, policies, functions and indexes exactly as at preflight
    assert "dropped backing index idx_rls_autologin_tokens_user_id (built by this run)" in undone["restored"]


def test_a_broken_policy_fails_the_ticket_naming_the_test_restores_the_snapshot_and_spares_planted_policies(
    runbook: Callable[..., Any],
) -> None:
    rb = runbook()
    planted = (
        "ALTER TABLE menuca_v3.provinces ENABLE ROW LEVEL SECURITY; "
        "CREATE POLICY planted_provinces_read ON menuca_v3.provinces FOR SELECT TO authenticated USING (true)"
    )
    _through_indexes(rb, sql_before=planted)
    baseline = _catalog(rb)
    with rb.admin() as conn:  # after preflight: a defect the matrix must catch
        conn.execute("CREATE POLICY broken_dishes ON menuca_v3.dishes FOR SELECT TO anon USING (true)")
    snapshot = _catalog(rb)

    failed = rb.call("apply_rls", "staging")
    assert failed["status"] == "FAIL"
    failing = {t["name"] for t in failed["tests"] if not t["passed"]}
    assert "anon cannot read an inactive dish of tenant A" in failing
    assert "anon cannot read an inactive dish of tenant A" in failed["summary"]
    assert failed["snapshot_restored"] is True
    restored = _catalog(rb)
    assert restored["flags"] == snapshot["flags"] and restored["policies"] == snapshot["policies"]
    assert restored["functions"] == snapshot["functions"]
    assert sorted(failed["policies_preexisting"]) == [
        "dishes.broken_dishes",
        "provinces.planted_provinces_read",
    ]

    with rb.admin() as conn:
        conn.execute("DROP POLICY broken_dishes ON menuca_v3.dishes")
    again = rb.call("apply_rls", "staging")  # the FAILED ticket's own re-run
    assert again["status"] == "PASS", _failed(again)
    assert again["policies_preexisting"] == ["provinces.planted_provinces_read"]
    planted_now = [p for p in _catalog(rb)["policies"] if p["name"] == "planted_provinces_read"]
    assert planted_now == [p for p in baseline["policies"] if p["name"] == "planted_provinces_read"]

    undone = rb.call("rollback", "staging", scope="rls", reason="back to the baseline")
    assert undone["status"] == "PASS", _failed(undone)
    after = _catalog(rb)
    assert after == baseline  # the planted policy and provinces' RLS survive exactly
    assert after["flags"]["provinces"]["enabled"] is True


@pytest.fixture
def blocker(runbook: Callable[..., Any]) -> Iterator[Callable[[Any], psycopg.Connection[Any]]]:
    held: list[psycopg.Connection[Any]] = []

    def hold(rb: Any) -> psycopg.Connection[Any]:
        conn = psycopg.connect(rb.staging_dsn, application_name="rls-test-blocker")
        conn.execute("LOCK TABLE menuca_v3.dishes IN ACCESS SHARE MODE")  # an open reader transaction
        held.append(conn)
        return conn

    yield hold
    for conn in held:
        conn.close()


def test_a_lock_held_elsewhere_is_retried_reported_and_fails_cleanly_then_a_rerun_recreates_own_policies(
    runbook: Callable[..., Any],
    blocker: Callable[[Any], psycopg.Connection[Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(short_lock, "LOCK_WAIT_S", 1.0)
    monkeypatch.setattr(short_lock, "LOCK_ATTEMPTS", 3)
    monkeypatch.setattr(short_lock, "BACKOFF_S", 0.1)
    rb = runbook()
    _through_indexes(rb)
    before = _catalog(rb)
    reader = blocker(rb)
    waits: list[float] = []
    done = threading.Event()

    def read_courses() -> None:  # courses sorts before dishes: a waiting LOCK would hold it meanwhile
        with psycopg.connect(rb.staging_dsn, autocommit=True) as conn:
            while not done.is_set():
                begun = time.perf_counter()
                conn.execute("SELECT count(*) FROM menuca_v3.courses")
                waits.append(time.perf_counter() - begun)

    other = threading.Thread(target=read_courses)
    other.start()
    try:
        result = rb.call("apply_rls", "staging")
    finally:
        done.set()
        other.join()
    assert len(waits) > 10 and max(waits) < 0.5  # NOWAIT polling never queues readers for its budget
    assert result["status"] == "FAIL"
    assert result["lock_retries"] == 2
    assert len(result["blocking_sessions"]) >= 3
    # the blocker is named every time (the courses reader may be caught holding its lock now and then too)
    named = [
        line
        for line in result["blocking_sessions"]
        if f"pid {reader.info.backend_pid} (rls-test-blocker" in line
    ]
    assert len(named) >= 3 and all("dishes AccessShareLock" in line for line in named)
    after = _catalog(rb)
    assert not any(f["enabled"] for f in after["flags"].values())  # no table left with RLS on
    assert after["policies"] == before["policies"] and after["functions"] == before["functions"]
    reader.close()

    with rb.admin() as conn:  # what an interrupted earlier attempt could have left: one of ours, wrong
        conn.execute(
            "CREATE POLICY menuca_rls_dishes_anon_read ON menuca_v3.dishes FOR SELECT TO anon, authenticated "
            "USING (true)"
        )
    again = rb.call("apply_rls", "staging")
    assert again["status"] == "PASS", _failed(again)
    assert again["policies_preexisting"] == []
    dishes = {p["name"]: p for p in _catalog(rb)["policies"] if p["table"] == "dishes"}
    assert dishes["menuca_rls_dishes_anon_read"]["qual"] == "is_active"
    assert dishes["menuca_rls_dishes_anon_read"]["roles"] == ["anon"]


def test_a_halt_while_paused_before_commit_rolls_the_whole_transaction_back(
    runbook: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENUCA_TEST_HOOKS", "1")
    monkeypatch.setenv("MENUCA_TEST_PAUSE", "apply_rls:before_commit:1.5")
    rb = runbook()
    _through_indexes(rb)
    seen: dict[str, Any] = {}

    def halt_when_locked() -> None:
        deadline = time.monotonic() + 30
        with rb.admin() as conn:
            while time.monotonic() < deadline:
                row = conn.execute(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE c.relname = 'dishes' AND l.mode = 'AccessExclusiveLock' AND l.granted"
                ).fetchone()
                if row and row[0]:
                    # inside the transaction: every policy is created but not visible to others yet
                    seen["policies"] = conn.execute("SELECT count(*) FROM pg_policies").fetchone()
                    rb.guard.halt("operator stops the run at the commit point")
                    return
                time.sleep(0.05)

    watcher = threading.Thread(target=halt_when_locked)
    watcher.start()
    result = rb.call("apply_rls", "staging")
    watcher.join()
    assert seen["policies"] == (0,)
    assert result["status"] == "FAIL"
    assert "halted" in result["checks"][-1]["actual"]
    after = _catalog(rb)
    assert not any(f["enabled"] for f in after["flags"].values()) and after["policies"] == []
    rb.guard.resume()
    assert rb.call("apply_rls", "staging")["status"] == "PASS"


def test_a_test_whose_api_role_owns_a_table_fails_as_not_run_as_that_role(
    runbook: Callable[..., Any], pg_cluster: Any
) -> None:
    """The matrix proves each test ran as the plain API role (whoami.sql, in the round trip that
    switches to it): an anon that owns one table would bypass RLS on it, so every anon test fails."""
    rb = runbook()
    _through_indexes(rb)
    assert rb.call("apply_rls", "staging")["status"] == "PASS"
    dbname = conninfo_to_dict(rb.staging_dsn)["dbname"]
    with pg_cluster.admin(str(dbname)) as superuser:  # the owner may not give a table to anon itself
        superuser.execute("ALTER TABLE menuca_v3.provinces OWNER TO anon")
    with rb.admin() as conn:
        tests = rls_matrix.run_matrix(conn)
    by_role: dict[str, list[Any]] = {"anon": [], "authenticated": []}
    for test in tests:
        by_role[test.role].append(test)
    assert by_role["anon"] and all(not t.passed for t in by_role["anon"])
    assert all(t.actual.startswith("not run as anon: session was {") for t in by_role["anon"])
    assert all("'owns_tables': True" in t.actual for t in by_role["anon"])
    assert all(t.passed for t in by_role["authenticated"])  # the others ran as authenticated, as before
