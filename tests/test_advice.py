"""Advice names the real cause: errors from a real PostgreSQL are classified by SQLSTATE (a timeout, a
lock, a permission, a read-only database, a lost connection, a policy, a missing object), and a
statement timeout that stops apply_rls's tests is reported as the timeout, not as bad policies."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from tests.conftest import Runbook, TestCluster
from tools.lib.causes import Cause, cause_of, cause_of_text


def _error(conn: psycopg.Connection[Any], statement: str) -> psycopg.Error:
    try:
        conn.execute(statement.encode())
    except psycopg.Error as exc:
        if not conn.closed:
            conn.rollback()
        return exc
    raise AssertionError(f"{statement!r} did not fail")


def test_real_errors_are_classified_by_their_sqlstate_with_the_fix(make_db: Callable[..., str]) -> None:
    dsn = make_db()
    causes: dict[str, Cause] = {}
    with psycopg.connect(dsn) as conn, psycopg.connect(dsn, autocommit=True) as other:
        conn.execute("SET statement_timeout = '50ms'")
        causes["timeout"] = cause_of(_error(conn, "SELECT pg_sleep(2)"))
        conn.execute("SET statement_timeout = 0")

        other.execute("BEGIN")
        other.execute("LOCK TABLE menuca_v3.dishes IN ACCESS EXCLUSIVE MODE")
        conn.execute("SET lock_timeout = '50ms'")
        causes["lock"] = cause_of(_error(conn, "SELECT count(*) FROM menuca_v3.dishes"))
        other.execute("ROLLBACK")

        conn.execute("SET default_transaction_read_only = on")
        conn.commit()  # the next transaction starts read-only
        causes["read_only"] = cause_of(_error(conn, "CREATE TABLE menuca_v3.never (id int)"))
        conn.execute("SET default_transaction_read_only = off")
        conn.commit()

        conn.execute("SET ROLE anon")
        causes["permission"] = cause_of(_error(conn, "SELECT count(*) FROM staging.menuca_v1_combos"))
        conn.execute("RESET ROLE")

        causes["schema"] = cause_of(_error(conn, "SELECT is_active FROM menuca_v3.restaurants"))

        conn.execute("ALTER TABLE menuca_v3.marketing_tags ENABLE ROW LEVEL SECURITY")
        conn.execute(
            "CREATE POLICY read_only_tags ON menuca_v3.marketing_tags FOR SELECT TO anon USING (true)"
        )
        conn.execute("GRANT INSERT ON menuca_v3.marketing_tags TO anon")
        conn.execute("SET ROLE anon")
        causes["policy"] = cause_of(
            _error(conn, "INSERT INTO menuca_v3.marketing_tags (id, name) VALUES (999999, 'x')")
        )
        conn.execute("RESET ROLE")
        conn.commit()

        pid = conn.info.backend_pid
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.2)
        causes["connection"] = cause_of(_error(conn, "SELECT 1"))

    assert {kind: cause.kind for kind, cause in causes.items()} == {kind: kind for kind in causes}
    assert "statement_timeout" in causes["timeout"].fix
    assert "lock_timeout" in causes["lock"].fix
    assert "default_transaction_read_only" in causes["read_only"].fix
    assert "grant" in causes["permission"].fix.lower()
    assert "pg_isready" in causes["connection"].fix
    assert not causes["policy"].environmental and not causes["schema"].environmental
    assert all(causes[k].environmental for k in ("timeout", "lock", "read_only", "permission", "connection"))


def test_a_child_programs_error_text_is_classified_too() -> None:
    pg_dump = (
        "pg_dump: error: query failed: ERROR:  canceling statement due to statement timeout\n"
        "pg_dump: detail: Query was: LOCK TABLE menuca_v3.dishes IN ACCESS SHARE MODE"
    )
    assert cause_of_text(pg_dump).kind == "timeout"
    assert cause_of_text("psql: error: server closed the connection unexpectedly").kind == "connection"
    assert cause_of_text("pg_restore: error: could not execute query: ERROR:  permission denied").kind == (
        "permission"
    )


def _database_setting(pg_cluster: TestCluster, dsn: str, setting: str) -> None:
    name = str(conninfo_to_dict(dsn)["dbname"])
    with pg_cluster.admin() as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET {}").format(sql.Identifier(name), sql.SQL(setting))  # trusted
        )


def test_a_statement_timeout_that_stops_the_rls_tests_is_named_and_the_policies_are_not_blamed(
    runbook: Callable[..., Runbook], pg_cluster: TestCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    rb = runbook()
    for tool, env in (("preflight", None), ("backup", "staging"), ("apply_indexes", "staging")):
        assert rb.call(tool, env)["status"] == "PASS", tool
    with rb.admin() as conn:
        enabled_before = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'menuca_v3' AND c.relrowsecurity"
        ).fetchone()
    # While the policy transaction waits to commit, a short statement_timeout arrives for every new
    # session (as it would from the DSN's options or the role): the test matrix, which opens its
    # session after the commit, has its first statement cancelled.
    monkeypatch.setenv("MENUCA_TEST_HOOKS", "1")
    monkeypatch.setenv("MENUCA_TEST_PAUSE", "apply_rls:before_commit:3")
    answer: list[dict[str, Any]] = []
    worker = threading.Thread(target=lambda: answer.append(rb.call("apply_rls", "staging")))
    worker.start()
    with rb.admin() as conn:
        deadline = time.monotonic() + 60
        while not conn.execute(
            "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.granted AND "
            "l.mode = 'AccessExclusiveLock' AND a.application_name LIKE 'menuca-migrate/%' LIMIT 1"
        ).fetchone():
            assert time.monotonic() < deadline, "the policy transaction never took its locks"
            time.sleep(0.05)
    _database_setting(pg_cluster, rb.staging_dsn, "statement_timeout = '20ms'")
    worker.join(120)
    _database_setting(pg_cluster, rb.staging_dsn, "statement_timeout = DEFAULT")
    (result,) = answer
    assert result["status"] == "FAIL"
    assert "statement_timeout" in result["summary"], result["summary"]
    assert "Fix the policies" not in result["summary"]
    failed = {c["name"]: c["actual"] for c in result["checks"] if not c["passed"]}
    assert str(failed["RLS test matrix ran"]).startswith("timeout: 57014")
    assert result["snapshot_restored"] is True
    with rb.admin() as conn:
        enabled_after = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'menuca_v3' AND c.relrowsecurity"
        ).fetchone()
    assert enabled_after == enabled_before
