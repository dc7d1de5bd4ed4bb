"""apply_indexes waits only for transactions that can hold a concurrent build back (SPEC.md §6): those of
its own database and its prepared transactions, named with pid, application, database and age; a
transaction in another database of the cluster is not waited for; and a FAIL's summary states exactly
what is left behind, an INVALID index included."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from tests.conftest import Runbook
from tools import apply_indexes
from tools.lib import catalog


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A transaction counts as old after 0.3 s and the step gives up after 3 s (instead of 60 and 120)."""
    monkeypatch.setattr(apply_indexes, "LONG_TRANSACTION_S", 0.3)
    monkeypatch.setattr(apply_indexes, "MAX_WAIT_S", 3.0)


def _prepared(rb: Runbook) -> None:
    assert rb.call("preflight")["status"] == "PASS"
    assert rb.call("backup", "staging")["status"] == "PASS"


@pytest.fixture
def open_transaction() -> Iterator[Callable[[str, str], psycopg.Connection[Any]]]:
    """Factory: a session with a transaction left open (holding a snapshot) on a database."""
    opened: list[psycopg.Connection[Any]] = []

    def factory(dsn: str, application: str) -> psycopg.Connection[Any]:
        conn = psycopg.connect(dsn, application_name=application)
        conn.execute("SELECT txid_current(), count(*) FROM pg_class")
        opened.append(conn)
        return conn

    yield factory
    for conn in opened:
        conn.close()


def test_an_old_transaction_in_another_database_of_the_cluster_is_not_waited_for(
    runbook: Callable[..., Runbook],
    short_waits: None,
    open_transaction: Callable[[str, str], psycopg.Connection[Any]],
) -> None:
    rb = runbook()
    _prepared(rb)
    open_transaction(rb.production_dsn, "a report on production")  # same cluster, another database
    time.sleep(0.5)
    begun = time.monotonic()
    result = rb.call("apply_indexes", "staging")
    assert result["status"] == "PASS", [c for c in result["checks"] if not c["passed"]]
    assert result["long_transactions"] == []
    assert result["counts"]["created"] == 51
    assert time.monotonic() - begun < 60


def test_an_old_transaction_and_a_prepared_one_in_the_same_database_are_named_with_pid_application_database_and_age(
    runbook: Callable[..., Runbook],
    short_waits: None,
    open_transaction: Callable[[str, str], psycopg.Connection[Any]],
) -> None:
    rb = runbook()
    _prepared(rb)
    dbname = str(conninfo_to_dict(rb.staging_dsn)["dbname"])
    holder = open_transaction(rb.staging_dsn, "nightly export")
    gid = f"menuca-test-{uuid.uuid4().hex[:6]}"
    with rb.admin() as conn:
        if int(conn.execute("SHOW max_prepared_transactions").fetchone()[0]) == 0:  # type: ignore[index]
            pytest.skip("the server allows no prepared transactions")
    prepared = psycopg.connect(rb.staging_dsn)
    try:
        prepared.execute("SELECT count(*) FROM menuca_v3.marketing_tags")
        prepared.execute(f"PREPARE TRANSACTION '{gid}'")
        prepared.close()
        time.sleep(0.5)
        result = rb.call("apply_indexes", "staging")
    finally:
        with rb.admin() as conn:
            conn.execute(f"ROLLBACK PREPARED '{gid}'")
    assert result["status"] == "FAIL"
    holder_pid = holder.info.backend_pid
    (who_session,) = [w for w in result["long_transactions"] if w.startswith("pid ")]
    assert who_session.startswith(f"pid {holder_pid} (application nightly export, database {dbname}, ")
    assert "transaction open" in who_session
    (who_prepared,) = [w for w in result["long_transactions"] if w.startswith("prepared transaction")]
    assert f"'{gid}'" in who_prepared and f"database {dbname}" in who_prepared and "s ago" in who_prepared
    assert f"pid {holder_pid}" in result["summary"] and "nightly export" in result["summary"]
    assert "Left behind: no INVALID index is left" in result["summary"]


def _run_sessions(dsn: str, query_like: str) -> list[int]:
    """Backends of any menuca-migrate run whose current query matches and waits on a lock."""
    with psycopg.connect(dsn, autocommit=True, application_name="menuca-test") as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'menuca-migrate/%%' "
            "AND query LIKE %s AND state = 'active' AND wait_event_type = 'Lock'",
            [query_like],
        ).fetchall()
    return [r[0] for r in rows]


def _until(predicate: Callable[[], Any], seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := predicate()):
        if time.monotonic() > deadline:
            return value
        time.sleep(0.05)
    return value


def test_a_fail_that_leaves_an_invalid_index_says_so_and_names_it(
    runbook: Callable[..., Runbook], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apply_indexes, "CLEANUP_LOCK_TIMEOUT", "1s")
    rb = runbook()
    _prepared(rb)
    # A young REPEATABLE READ reader of dishes: the first build (on dishes) waits for its snapshot and is
    # cancelled by a DBA, which leaves an INVALID index; the cleanup's DROP INDEX CONCURRENTLY then has
    # to wait for the reader's lock on dishes, longer than it may. Once it gave up the reader ends.
    holder = psycopg.connect(rb.staging_dsn, application_name="a reader")
    holder.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    holder.execute("SELECT count(*) FROM menuca_v3.dishes")

    def dba() -> None:
        try:
            pids = _until(lambda: _run_sessions(rb.staging_dsn, "CREATE INDEX CONCURRENTLY%"), 60)
            with rb.admin() as conn:
                for pid in pids:
                    conn.execute("SELECT pg_cancel_backend(%s)", [pid])
            _until(lambda: _run_sessions(rb.staging_dsn, "DROP INDEX CONCURRENTLY%"), 10)
            _until(lambda: not _run_sessions(rb.staging_dsn, "DROP INDEX CONCURRENTLY%"), 10)
        finally:
            holder.rollback()

    worker = threading.Thread(target=dba)
    worker.start()
    try:
        result = rb.call("apply_indexes", "staging")
    finally:
        worker.join(60)
        holder.close()
    assert result["status"] == "FAIL"
    with rb.admin() as conn:
        invalid = catalog.invalid_indexes(conn)  # type: ignore[arg-type]
    assert invalid == ["menuca_v3.idx_dishes_restaurant_active_course"]
    assert "Nothing is left INVALID" not in result["summary"]
    assert "1 INVALID index(es) left: menuca_v3.idx_dishes_restaurant_active_course" in result["summary"]
    assert "50 index(es) this run built stay, valid" in result["summary"]
    again = rb.call("apply_indexes", "staging")  # the re-run rebuilds the INVALID one
    assert again["status"] == "PASS", [c for c in again["checks"] if not c["passed"]]
    rebuilt = {i["name"]: i["action"] for i in again["indexes"]}
    assert rebuilt["idx_dishes_restaurant_active_course"] == "rebuilt"
