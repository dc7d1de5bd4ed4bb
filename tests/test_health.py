"""The runbook's monitoring, measured on a real PostgreSQL (SPEC.md §12): health samples, a soak that can
fail (SOAK_UNHEALTHY), the production watch with its ROLLBACK RECOMMENDED line, and the noise floors and
reset rule that keep a quiet database from tripping by chance."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from server import db
from server.engine import health
from server.engine.guard import Guard
from server.engine.registry import make_guard
from server.errors import NotConfigured, Refused
from server.journal import EXECUTION_LOG
from server.runbook import parse_ts
from server.settings import Settings
from tests.conftest import TestCluster, call_guard
from tools.lib import catalog, rls_matrix
from tools.lib.health import ISOLATION_TESTS, SamplePlan, take_sample
from tools.lib.health_models import HealthSample
from tools.lib.triggers import Sampled, evaluate, window_figures, window_start

# 5.4 s: the window a test's load falls in runs from ticket 05's sample to the gate's, however long the
# soak; only a test that must see the soak still pending after some work needs a longer one
SOAK_HOURS = 0.0015
STAGING = [
    ("preflight", None, {}),
    ("backup", "staging", {}),
    ("apply_indexes", "staging", {}),
    ("apply_rls", "staging", {}),
    ("fix_combos", "staging", {"backfill_missing_dishes": True}),
    ("validate", "staging", {}),
]
PRODUCTION = [
    ("backup", "production", {}),
    ("apply_indexes", "production", {}),
    ("apply_rls", "production", {}),
    ("fix_combos", "production", {"backfill_missing_dishes": True}),
    ("validate", "production", {}),
]


@dataclass
class Run:
    guard: Guard
    settings: Settings
    cluster: TestCluster

    def call(self, tool: str, environment: str | None = None, **args: Any) -> dict[str, Any]:
        return call_guard(self.guard, tool, environment, **args)

    def refused(self, tool: str, environment: str | None = None) -> Refused:
        with pytest.raises(Refused) as caught:
            self.call(tool, environment)
        return caught.value

    def dsn(self, environment: str) -> str:
        dsn = self.settings.dsn(environment)  # type: ignore[arg-type]
        assert dsn
        return dsn

    def owner(self, environment: str) -> psycopg.Connection[Any]:
        """A session of the database owner that is not the server's (its own application name)."""
        return psycopg.connect(self.dsn(environment), autocommit=True, application_name="menuca-test")

    def superuser(self, environment: str) -> psycopg.Connection[Any]:
        return self.cluster.admin(str(conninfo_to_dict(self.dsn(environment))["dbname"]))

    def through(self, steps: list[tuple[str, str | None, dict[str, Any]]]) -> None:
        for tool, env, args in steps:
            result = self.call(tool, env, **args)
            assert result["status"] == "PASS", (tool, env, result["summary"])

    def wait_for_soak(self) -> None:
        """Until the soak has elapsed by the journal's clock (the guard measures it on staging's, which
        runs with this machine's)."""
        done = self.guard.load_state().tickets["05"].finished_at
        assert done is not None
        left = self.settings.soak_hours * 3600 - (time.time() - parse_ts(done).timestamp())
        time.sleep(max(left, 0) + 1.0)

    def log(self) -> str:
        return (self.settings.run_dir / EXECUTION_LOG).read_text(encoding="utf-8")


@pytest.fixture
def run(make_db: Callable[..., str], tmp_path: Path, pg_cluster: TestCluster) -> Callable[..., Run]:
    def factory(soak_hours: float = SOAK_HOURS, watch_hours: float = 24.0) -> Run:
        settings = Settings(
            staging_dsn=make_db(),
            production_dsn=make_db(production=True),
            run_dir=tmp_path / "run",
            soak_hours=soak_hours,
            watch_hours=watch_hours,
            require_approval=False,
            allow_same_server=True,
        )
        return Run(make_guard(settings), settings, pg_cluster)

    return factory


def transactions(conn: psycopg.Connection[Any], total: int, rolled_back_every: int = 0) -> None:
    """`total` transactions, every `rolled_back_every`-th of them rolled back (0: none)."""
    for i in range(total):
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM menuca_v3.dishes WHERE id = %s", [i])
        conn.execute("ROLLBACK" if rolled_back_every and i % rolled_back_every == 0 else "COMMIT")


def deadlock(run: Run, environment: str) -> None:
    """Two sessions that really deadlock: each holds the row the other then asks for."""
    with run.owner(environment) as probe:
        first, second = (r[0] for r in probe.execute("SELECT id FROM menuca_v3.dishes ORDER BY id LIMIT 2"))
    a = psycopg.connect(run.dsn(environment), application_name="menuca-test")
    b = psycopg.connect(run.dsn(environment), application_name="menuca-test")
    errors: list[BaseException] = []

    def lock(conn: psycopg.Connection[Any], row: int) -> None:
        try:
            conn.execute("UPDATE menuca_v3.dishes SET display_order = display_order WHERE id = %s", [row])
        except psycopg.errors.DeadlockDetected as exc:
            errors.append(exc)

    try:
        lock(a, first)
        lock(b, second)
        waiting = threading.Thread(target=lock, args=(a, second))
        waiting.start()
        time.sleep(0.3)  # a now waits for b's row
        lock(b, first)  # and b for a's: the deadlock detector ends one of them
        waiting.join(timeout=30)
    finally:
        a.rollback()
        b.rollback()
        a.close()
        b.close()
    assert len(errors) == 1, errors


def make_menu_slow(run: Run, environment: str) -> None:
    """The menu query planned without its indexes, over a dishes table with many more (hidden) rows of a
    restaurant that has none: every pinned restaurant's menu now reads them all."""
    dbname = str(conninfo_to_dict(run.dsn(environment))["dbname"])
    with run.superuser(environment) as conn:
        conn.execute(f'ALTER DATABASE "{dbname}" SET enable_indexscan = off')
        conn.execute(f'ALTER DATABASE "{dbname}" SET enable_bitmapscan = off')
    with run.owner(environment) as conn:
        conn.execute(
            "INSERT INTO menuca_v3.dishes (restaurant_id, name, is_active) "
            "SELECT r.id, 'hidden bulk dish ' || g, false FROM generate_series(1, 150000) AS g, "
            "(SELECT min(id) AS id FROM menuca_v3.restaurants AS x "
            " WHERE NOT EXISTS (SELECT 1 FROM menuca_v3.dishes d WHERE d.restaurant_id = x.id)) AS r"
        )


# -- the soak gate -------------------------------------------------------------------------------------


def test_rolled_back_transactions_on_staging_during_the_soak_refuse_06_soak_unhealthy_with_the_rate(
    run: Callable[..., Run],
) -> None:
    rb = run()
    rb.through(STAGING)
    assert rb.guard.status().health.reason == "soak_start"  # type: ignore[union-attr]
    with rb.owner("staging") as conn:
        transactions(conn, 300, rolled_back_every=5)  # 60 of 300 rolled back
    rb.wait_for_soak()
    refused = rb.refused("backup", "production")
    assert refused.code == "SOAK_UNHEALTHY"
    assert "error_rate" in refused.message and "60 of " in refused.message
    assert "rollback environment=staging scope=full" in refused.message
    health_now = rb.guard.status().health
    assert health_now is not None and health_now.reason == "soak_gate"
    assert health_now.window is not None
    # exactly the rollbacks made: the server's own (the samples' isolation checks) are subtracted
    assert health_now.window.rollbacks == 60
    assert [t.trigger for t in health_now.triggers] == ["error_rate"]
    assert health_now.triggers[0].value == pytest.approx(60 / health_now.window.transactions, abs=1e-6)
    assert "Soak unhealthy" in rb.log()


def test_a_real_deadlock_between_two_sessions_during_the_soak_trips_deadlocks(
    run: Callable[..., Run],
) -> None:
    rb = run()
    rb.through(STAGING)
    deadlock(rb, "staging")
    rb.wait_for_soak()
    refused = rb.refused("backup", "production")
    assert refused.code == "SOAK_UNHEALTHY"
    assert "deadlocks 1 deadlock in the window" in refused.message
    assert "rollback environment=staging scope=rls or scope=full" in refused.message


def test_a_menu_query_made_slow_during_the_soak_trips_the_performance_trigger(
    run: Callable[..., Run],
) -> None:
    rb = run()
    rb.through(STAGING)
    make_menu_slow(rb, "staging")
    rb.wait_for_soak()
    refused = rb.refused("backup", "production")
    assert refused.code == "SOAK_UNHEALTHY"
    assert "performance menu on restaurant" in refused.message
    assert "rollback environment=staging scope=indexes" in refused.message


def test_a_stats_reset_inside_the_soak_is_reported_and_restarts_a_full_window(
    run: Callable[..., Run],
) -> None:
    rb = run(soak_hours=0.003)  # 10.8 s: the restarted window must outlast three calls
    rb.through(STAGING)
    with rb.superuser("staging") as conn:
        conn.execute("SELECT pg_stat_reset()")
    with rb.owner("staging") as conn:
        transactions(conn, 200, rolled_back_every=4)  # after the reset: the restarted window starts later
    rb.wait_for_soak()
    refused = rb.refused("backup", "production")
    assert refused.code == "SOAK_PENDING"
    assert "restarted" in refused.message and "were reset" in refused.message
    health_now = rb.guard.status().health
    assert health_now is not None and health_now.window is not None
    assert health_now.window.restarted is not None and "reset" in health_now.window.restarted
    assert health_now.window.start_seq == health_now.seq  # the window restarts at the first sample after it
    # a second call within the restarted window takes no new sample and stays pending
    seq = health_now.seq
    assert rb.refused("backup", "production").code == "SOAK_PENDING"
    assert rb.guard.status().health.seq == seq  # type: ignore[union-attr]
    time.sleep(rb.settings.soak_hours * 3600 + 1)
    result = rb.call("backup", "production")  # the rollbacks made before the restart no longer count
    assert result["status"] == "PASS", result["summary"]


def test_a_healthy_soak_lets_06_run_with_the_soaks_figures_as_its_first_check(
    run: Callable[..., Run],
) -> None:
    rb = run()
    rb.through(STAGING)
    with rb.owner("staging") as conn:
        transactions(conn, 200)
    rb.wait_for_soak()
    result = rb.call("backup", "production")
    assert result["status"] == "PASS", result["summary"]
    soak = result["checks"][0]
    assert soak["name"].startswith("staging's soak window") and soak["passed"]
    assert "error rate 0.00%" in soak["actual"]
    entry = health.soak_summary(rb.guard)
    assert entry is not None and entry.reason == "soak_gate" and entry.window is not None
    assert entry.window.rollbacks == 0 and entry.window.transactions >= 200
    assert not entry.tripped


# -- the production watch ------------------------------------------------------------------------------


def test_the_same_triggers_over_the_watch_mark_it_unhealthy_and_log_rollback_recommended(
    run: Callable[..., Run],
) -> None:
    rb = run(soak_hours=0, watch_hours=0.006)  # a 21.6 s watch
    rb.through(STAGING)
    rb.through(PRODUCTION)
    status = rb.guard.status()
    assert status.watch is not None and status.watch.healthy and status.watch.hours_left > 0
    assert status.health is not None and status.health.reason == "watch_start"
    with rb.owner("production") as conn:
        transactions(conn, 300, rolled_back_every=5)
    deadlock(rb, "production")
    make_menu_slow(rb, "production")
    env = {
        **os.environ,
        "MENUCA_STAGING_DSN": rb.dsn("staging"),
        "MENUCA_PRODUCTION_DSN": rb.dsn("production"),
        "MENUCA_RUN_DIR": str(rb.settings.run_dir),
        "MENUCA_WATCH_HOURS": "0.006",
        "MENUCA_SOAK_HOURS": "0",
        "MENUCA_REQUIRE_APPROVAL": "false",
        "MENUCA_ALLOW_SAME_SERVER": "true",
    }
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "watch", "--interval", "0.1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 2, done.stderr[-2000:] + done.stdout[-2000:]  # it stopped by itself, unhealthy
    assert time.monotonic() - began < 120
    assert "ended UNHEALTHY" in done.stdout
    watch = rb.guard.status().watch
    assert watch is not None and not watch.healthy and watch.hours_left == 0
    assert {t.trigger for t in watch.triggers} >= {"error_rate", "deadlocks", "performance"}
    log = rb.log()
    assert "ROLLBACK RECOMMENDED: error_rate — " in log
    assert 'rollback(environment="production", scope="rls", reason="deadlocks tripped over the watch' in log
    assert 'rollback(environment="production", scope="indexes"' in log
    assert "ROLLBACK RECOMMENDED: deadlocks — 1 deadlock in the window" in log
    assert rb.guard.load_state().tickets["10"].status == "COMPLETE"  # nothing rolled back by itself


def test_watch_before_the_soak_has_started_has_nothing_to_watch(run: Callable[..., Run]) -> None:
    rb = run()
    rb.call("preflight")
    from server.watch import run_watch

    assert run_watch(rb.guard, 0.01) == 1
    assert rb.guard.status().watch is None and rb.guard.status().health is None


# -- samples --------------------------------------------------------------------------------------------


def _sample(dsn: str, *, one_session: bool = False, **plan: Any) -> HealthSample:
    """A sample as the server takes it: the combos part on a second session (or all on one)."""
    with db.session(dsn, run_id="health-test") as conn:
        second = None if one_session else (lambda: db.connect(dsn, run_id="health-test"))
        return take_sample(conn, SamplePlan(environment="staging", **plan), second_session=second)


@contextmanager
def _no_autovacuum(pg_cluster: TestCluster, dbname: str) -> Iterator[None]:
    """Autovacuum off on the cluster while the block runs, and no worker left in `dbname`: each visit of
    a worker commits a few transactions of its own in the database (measured: 2 to 3 a visit), which a
    window rightly counts as traffic but a test of exact accounting cannot tell from a miscount."""
    with pg_cluster.admin() as conn:
        try:
            conn.execute("ALTER SYSTEM SET autovacuum = off")
        except psycopg.errors.InsufficientPrivilege:
            pytest.skip("turning autovacuum off for the window needs a superuser (MENUCA_TEST_DSN)")
        conn.execute("SELECT pg_reload_conf()")
        try:
            deadline = time.monotonic() + 60
            while conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND datname = %s",
                (dbname,),
            ).fetchone() != (0,):
                assert time.monotonic() < deadline, "an autovacuum worker stayed in the database for 60 s"
                time.sleep(0.1)
            yield
        finally:
            conn.execute("ALTER SYSTEM RESET autovacuum")
            conn.execute("SELECT pg_reload_conf()")


def test_a_sample_accounts_for_its_own_transactions_exactly(
    make_db: Callable[..., str], pg_cluster: TestCluster
) -> None:
    dsn = make_db()
    with psycopg.connect(dsn, autocommit=True) as conn:
        restaurants = tuple(r[0] for r in conn.execute(db.sql_text("common/pick_restaurants.sql")))
    with _no_autovacuum(pg_cluster, str(conninfo_to_dict(dsn)["dbname"])):
        time.sleep(1.2)  # a session flushes its statistics when it ends: the look-up's are in before the read
        first = _sample(dsn, restaurants=restaurants)
        time.sleep(1.2)  # and the first sample's
        second = _sample(dsn, restaurants=restaurants)
    samples = [Sampled(1, "", "soak_start", first), Sampled(2, "", "soak_gate", second)]
    window = window_figures("soak", samples, None)
    assert window.rollbacks == 0
    assert window.transactions == 0  # nothing else ran, and the samples' own work is all subtracted
    assert second.menu["menu"].runs >= 7 and second.integrity is not None
    with db.session(dsn) as conn:
        rates = catalog.orphan_rates(conn)  # the tickets' own query: the sample's gives the same rates
        exact = catalog.row_counts(conn, ["menuca_v3"])
    assert second.orphan_rate is not None
    assert (second.orphan_rate.naive, second.orphan_rate.source_backed) == (
        rates["naive"],
        rates["source_backed"],
    )
    assert first.row_counts == exact and first.rows_counted == "exact"
    assert second.statements is not None  # the embedded cluster loads pg_stat_statements
    assert second.activity is not None and second.activity.sees_all_sessions


def test_the_combos_part_runs_on_a_second_session_and_falls_back_to_the_first_without_one(
    make_db: Callable[..., str],
) -> None:
    """The part that grows with the data runs beside the rest on a session of its own (its backend is
    not the sample's, and neither is counted among the database's sessions); when that session cannot
    be opened, the same figures come from the sample's own session, and each way the sample's own
    transactions are counted."""
    dsn = make_db()
    opened: list[int] = []

    def second() -> db.Conn:
        conn = db.connect(dsn, run_id="health-test")
        opened.append(conn.info.backend_pid)
        return conn

    def unreachable() -> db.Conn:
        raise NotConfigured("cannot connect (the test's refusal)")

    with db.session(dsn, run_id="health-test") as conn:
        beside = take_sample(conn, SamplePlan(environment="staging"), second_session=second)
        own_pid = conn.info.backend_pid
    with db.session(dsn, run_id="health-test") as conn:
        alone = take_sample(conn, SamplePlan(environment="staging"), second_session=unreachable)
    assert len(opened) == 1 and opened[0] != own_pid
    for sample in (beside, alone):
        assert not sample.errors and sample.orphan_rate is not None and sample.integrity is not None
        assert sample.activity is not None and sample.activity.connections == 0  # neither session counted
        assert sample.row_counts == alone.row_counts and sample.orphan_rate == alone.orphan_rate
    # the counters' read and three parts on the first session; the second's two connect commits and its part
    assert (beside.own_after_read.commits, alone.own_after_read.commits) == (1 + 3 + 2 + 1, 1 + 4)


def test_a_server_without_pg_stat_statements_says_so_and_the_sample_goes_on(
    make_db: Callable[..., str], pg_cluster: TestCluster
) -> None:
    dsn = make_db()
    with pg_cluster.admin(str(conninfo_to_dict(dsn)["dbname"])) as conn:
        conn.execute("DROP EXTENSION IF EXISTS pg_stat_statements")
    sample = _sample(dsn)
    assert sample.statements is None
    assert sample.statements_note is not None and "not installed" in sample.statements_note
    assert sample.counters.xact_commit > 0 and sample.orphan_rate is not None and not sample.errors


def test_the_isolation_sample_is_a_fixed_subset_of_the_matrix_as_anon_and_authenticated() -> None:
    tests = {t.name: t for t in rls_matrix.load_tests()}
    assert set(ISOLATION_TESTS) <= set(tests)
    roles = {rls_matrix.IDENTITIES[tests[name].identity].role for name in ISOLATION_TESTS}
    assert roles == {"anon", "authenticated"}
    assert {tests[name].expect for name in ISOLATION_TESTS} == {"allow", "deny"}


def test_rls_turned_off_and_rows_deleted_during_the_soak_trip_isolation_and_integrity(
    run: Callable[..., Run],
) -> None:
    rb = run()
    rb.through(STAGING)
    with rb.owner("staging") as conn:
        conn.execute("ALTER TABLE menuca_v3.dishes DISABLE ROW LEVEL SECURITY")
        deleted = conn.execute("DELETE FROM menuca_v3.restaurant_contacts WHERE id % 10 = 0").rowcount
    assert deleted > 0
    rb.wait_for_soak()
    refused = rb.refused("backup", "production")
    assert refused.code == "SOAK_UNHEALTHY"
    assert "isolation" in refused.message and "rollback environment=staging scope=rls" in refused.message
    assert f"menuca_v3.restaurant_contacts lost {deleted} of " in refused.message
    gate = rb.guard.status().health
    assert gate is not None and gate.sample.rows_counted.startswith("estimated")
    counted = gate.sample.rows_counted.split("counted exactly: ", 1)[1].split(", ")
    assert "menuca_v3.restaurant_contacts" in counted  # a loss is measured, never estimated


# -- the noise floors and the reset rule, over journaled figures ------------------------------------------


def _fake(
    commit: int, rollback: int, reset: str | None = None, menu_ms: float = 1.0, runs: int = 9
) -> HealthSample:
    return HealthSample.model_validate(
        {
            "environment": "staging",
            "database": "d",
            "taken_at": "2026-12-01T10:00:00+00:00",
            "server_version": 150000,
            "stats_reset": reset,
            "counters": {
                "xact_commit": commit,
                "xact_rollback": rollback,
                "deadlocks": 0,
                "conflicts": 0,
                "temp_files": 0,
                "blks_hit": 0,
                "blks_read": 0,
            },
            "menu": {
                "menu": {"p50_ms": menu_ms, "p95_ms": menu_ms, "runs": runs, "per_restaurant": {"1": menu_ms}}
            },
        }
    )


def test_the_error_rate_is_not_judged_below_100_transactions() -> None:
    samples = [Sampled(1, "", "soak_start", _fake(0, 0)), Sampled(2, "", "soak_gate", _fake(40, 50))]
    window = window_figures("soak", samples, None)
    triggers, _ = evaluate(window, samples[0].sample, samples[1].sample)
    error = next(t for t in triggers if t.trigger == "error_rate")
    assert window.transactions == 90 and window.error_rate is None and not error.tripped


def test_slower_means_a_median_above_one_and_a_half_times_the_start_plus_one_ms_of_at_least_7_runs() -> None:
    start = Sampled(1, "", "soak_start", _fake(0, 0, menu_ms=2.0))

    def tripped(menu_ms: float, runs: int = 9) -> bool:
        end = Sampled(2, "", "soak_gate", _fake(0, 0, menu_ms=menu_ms, runs=runs))
        window = window_figures("soak", [start, end], None)
        return next(
            t for t in evaluate(window, start.sample, end.sample)[0] if t.trigger == "performance"
        ).tripped

    assert not tripped(4.0)  # 1.5 × 2 + 1 = 4: not above
    assert tripped(4.01)
    assert not tripped(10.0, runs=5)  # fewer than 7 runs: not judged


def test_a_reset_restarts_the_window_at_the_first_sample_after_it() -> None:
    samples = [
        Sampled(1, "", "soak_start", _fake(100, 0)),
        Sampled(2, "", "watch", _fake(5000, 900)),
        Sampled(3, "", "watch", _fake(10, 0, reset="2026-12-01T10:00:00+00:00")),
        Sampled(4, "", "soak_gate", _fake(300, 1, reset="2026-12-01T10:00:00+00:00")),
    ]
    start, why = window_start(samples, "soak_start")
    assert start == 2 and why is not None and "reset" in why and "seq 3" in why
    window = window_figures("soak", samples[start:], why)
    assert (window.transactions, window.rollbacks) == (291, 1)


def test_a_part_whose_limits_fail_is_recorded_and_the_sample_goes_on(
    make_db: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each part of a sample starts by setting its transaction-local limits; when that statement fails
    (here a value the server rejects; in life a connection lost between parts) the part is recorded as
    an error and the sample still returns (it raised "generator didn't yield" before)."""
    from tools.lib import health as sampling

    dsn = make_db()
    monkeypatch.setitem(sampling.LIMITS, "work_mem", "not a size")
    sample = _sample(dsn)
    assert [e.split(":")[0] for e in sample.errors] == [
        "sessions and indexes",
        "combo integrity",
        "menu query family",
        "combos and row counts",
    ]
    assert all("work_mem" in e for e in sample.errors), sample.errors
    # the counters' read commits, and the second session's two connect commits; each part rolled back
    assert sample.own_after_read.rollbacks == 4 and sample.own_after_read.commits == 1 + 2
    assert sample.counters.xact_commit > 0  # the counters were read before the parts
