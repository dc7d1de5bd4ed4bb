"""Issue 8 figures: the guard's property test at full size (sequences run, violations found) and the
crash matrix on a real PostgreSQL (each pause point of SPEC.md §10, N times: SIGKILL, re-run, count
duplicate combo pairs and INVALID indexes left, time for a second server to be refused LOCKED).

    python bench/reliability.py                      # 10,000 sequences, 3 crashes per pause point
    BENCH_SEQUENCES=500 BENCH_CRASHES=1 python bench/reliability.py
    BENCH_PART=property|crash python bench/reliability.py

Prints figures; not a pass/fail test (it exits 1 only when a figure that must be 0 is not)."""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

# the checks live with the tests (tests/crash.py, the property machine): import them from the checkout
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SEQUENCES = int(os.environ.get("BENCH_SEQUENCES", "10000"))
CRASHES = int(os.environ.get("BENCH_CRASHES", "3"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 1)))
PART = os.environ.get("BENCH_PART", "all")
SCALE = float(os.environ.get("BENCH_SCALE", "0.05"))
PROGRESS_EVERY = 500


# -- the property test at full size ------------------------------------------------------------------


def _property_worker(args: tuple[int, int, Any]) -> dict[str, Any]:
    """Run `examples` random sequences of the guard's state machine; count them and their steps."""
    worker, examples, queue = args
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import invariant, run_state_machine_as_test

    from tests.test_state_machine_properties import RunbookMachine

    counts = {"sequences": 0, "steps": 0}

    class Counted(RunbookMachine):
        @invariant()
        def rules_held_and_journal_verifies(self) -> None:
            counts["steps"] += 1
            super().rules_held_and_journal_verifies()

        def teardown(self) -> None:
            counts["sequences"] += 1
            if counts["sequences"] % PROGRESS_EVERY == 0:
                queue.put((worker, counts["sequences"]))
            super().teardown()

    violation = None
    try:
        run_state_machine_as_test(
            Counted,
            settings=settings(
                max_examples=examples,
                stateful_step_count=40,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    except Exception:  # noqa: BLE001 - a falsified property is the figure this bench reports
        violation = traceback.format_exc(limit=3)[-2000:]
    return {**counts, "violation": violation}


def property_figures() -> bool:
    per_worker = [SEQUENCES // WORKERS + (1 if i < SEQUENCES % WORKERS else 0) for i in range(WORKERS)]
    print(
        f"property test: {SEQUENCES:,} random sequences (≤ 40 calls and operator actions each) on {WORKERS} workers"
    )
    # the journal is fsynced at every append: on tmpfs the run is CPU-bound, which is what is measured
    env_tmp = "/dev/shm" if Path("/dev/shm").is_dir() else None
    if env_tmp:
        os.environ["TMPDIR"] = env_tmp
        tempfile.tempdir = None
    begun = time.monotonic()
    with multiprocessing.Manager() as manager:
        queue = manager.Queue()
        with multiprocessing.Pool(WORKERS) as pool:
            pending = pool.map_async(_property_worker, [(i, n, queue) for i, n in enumerate(per_worker)])
            done = dict.fromkeys(range(WORKERS), 0)
            while not pending.ready():
                pending.wait(2)
                while not queue.empty():
                    worker, count = queue.get()
                    done[worker] = count
                    print(
                        f"  … {sum(done.values()):,} sequences ({time.monotonic() - begun:.0f} s)", flush=True
                    )
            results = pending.get()
    seconds = time.monotonic() - begun
    sequences = sum(r["sequences"] for r in results)
    steps = sum(r["steps"] for r in results)
    violations = [r["violation"] for r in results if r["violation"]]
    print(f"  sequences run: {sequences:,} ({steps:,} checked steps) in {seconds:.0f} s")
    print(f"  violations found: {len(violations)}")
    for text in violations:
        print("  " + text.replace("\n", "\n  "))
    return not violations


# -- the crash matrix --------------------------------------------------------------------------------

# pause point → the tickets completed in-process before the server is started and killed
CASES: dict[str, tuple[list[tuple[str, str | None]], dict[str, Any]]] = {
    "backup:after_dump": ([("preflight", None)], {"environment": "staging"}),
    "apply_indexes:after_first_build": (
        [("preflight", None), ("backup", "staging")],
        {"environment": "staging"},
    ),
    "apply_rls:before_commit": (
        [("preflight", None), ("backup", "staging"), ("apply_indexes", "staging")],
        {"environment": "staging"},
    ),
    "fix_combos:before_commit": (
        [("preflight", None), ("backup", "staging"), ("apply_indexes", "staging"), ("apply_rls", "staging")],
        {"environment": "staging", "backfill_missing_dishes": True},
    ),
    "rollback:during_restore": (
        [("preflight", None), ("backup", "staging"), ("apply_indexes", "staging")],
        {"environment": "staging", "scope": "full", "reason": "bench"},
    ),
}


@dataclass
class PointFigures:
    runs: int = 0
    rerun_pass: int = 0
    duplicates: int = 0
    invalid: int = 0
    rls_incomplete: int = 0
    journal_ok: int = 0
    interrupted_shown: int = 0
    backends_gone_s: list[float] = field(default_factory=list)
    refuse_same_dir_ms: list[float] = field(default_factory=list)
    refuse_other_dir_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def _one_crash(cluster: Any, point: str, figures: PointFigures, work: Path) -> None:
    from _common import call

    from server.dev.client import call_tool, connect, server_env
    from server.engine.registry import make_guard
    from server.journal import Journal
    from server.settings import Settings
    from tests.crash import (
        duplicate_combo_pairs,
        journal_events,
        kill_during,
        tables_without_rls,
        wait_backends_gone,
    )
    from tools.lib import catalog

    before, args = CASES[point]
    tool = point.split(":")[0]
    staging_name, staging = cluster.copy_of_template(SCALE)
    production_name, production = cluster.copy_of_template(SCALE, production=True)
    run_dir = work / "run"
    try:
        guard = make_guard(
            Settings(
                staging_dsn=staging,
                production_dsn=production,
                run_dir=run_dir,
                soak_hours=0,
                require_approval=False,
                allow_same_server=True,  # the pair lives on one embedded server
            )
        )
        for name, environment in before:
            assert call(guard, name, environment)["status"] == "PASS", name
        if tool == "rollback":  # something for the restore to undo
            with psycopg.connect(staging, autocommit=True) as conn:
                conn.execute("DELETE FROM menuca_v3.promotional_coupons WHERE id % 2 = 0")

        def env_for(directory: Path) -> dict[str, str]:
            return server_env(
                staging_dsn=staging,
                production_dsn=production,
                run_dir=directory,
                soak_hours=0,
                require_approval=False,
            )

        with (
            open(work / "same.stderr", "w", encoding="utf-8") as err_same,
            open(work / "other.stderr", "w", encoding="utf-8") as err_other,
        ):
            async with (
                connect(env_for(run_dir), errlog=err_same) as same_dir,
                connect(env_for(work / "other-run"), errlog=err_other) as other_dir,
            ):

                async def second_runners() -> None:
                    for client, name, call_args, sink in (
                        (same_dir, tool, args, figures.refuse_same_dir_ms),
                        (other_dir, "preflight", {}, figures.refuse_other_dir_ms),
                    ):
                        begun = time.monotonic()
                        outcome = await call_tool(client, name, call_args)
                        sink.append((time.monotonic() - begun) * 1000)
                        if outcome.refused != "LOCKED":
                            figures.errors.append(
                                f"{point}: a second runner was not refused LOCKED: {outcome.text[:200]}"
                            )

                killed = await kill_during(
                    env_for(run_dir),
                    run_dir,
                    point,
                    tool,
                    args,
                    work / "killed.stderr",
                    while_paused=second_runners,
                )
        figures.runs += 1
        wait_backends_gone(staging, killed.run_id, timeout=30)
        figures.backends_gone_s.append(time.monotonic() - killed.killed_at)
        tickets = guard.status().model_dump()["tickets"]
        # a ticket shows IN_PROGRESS, interrupted; a rollback is no ticket and must leave none in progress
        if tool == "rollback":
            shown = not any(t["status"] == "IN_PROGRESS" for t in tickets)
        else:
            shown = any(t["status"] == "IN_PROGRESS" and t["interrupted"] for t in tickets)
        figures.interrupted_shown += int(shown)
        with open(work / "rerun.stderr", "w", encoding="utf-8") as err:
            async with connect(env_for(run_dir), errlog=err) as client:
                rerun = await call_tool(client, tool, args)
        if rerun.status == "PASS":
            figures.rerun_pass += 1
        else:
            figures.errors.append(f"{point}: the re-run did not pass: {rerun.text[:300]}")
        with psycopg.connect(staging, autocommit=True) as conn:
            figures.duplicates += duplicate_combo_pairs(conn)
            figures.invalid += len(catalog.invalid_indexes(conn))  # type: ignore[arg-type]
            if tool in ("apply_rls", "fix_combos") and tables_without_rls(conn):
                figures.rls_incomplete += 1
        interrupted = tool == "rollback" or any(e["event"] == "interrupted" for e in journal_events(run_dir))
        if Journal(run_dir).verify().ok and interrupted:
            figures.journal_ok += 1
    finally:
        cluster.drop_database(staging_name)
        cluster.drop_database(production_name)


def crash_figures() -> bool:
    import anyio

    from server.dev.embedded_pg import EmbeddedPostgres
    from tests.conftest import TestCluster

    print(f"crash matrix: {len(CASES)} pause points × {CRASHES} SIGKILLs at scale {SCALE:g}")
    external = os.environ.get("MENUCA_TEST_DSN")
    embedded = None if external else EmbeddedPostgres.create(databases=())
    cluster = (
        TestCluster(admin_dsn=external, app_dsn_template=external)
        if external
        else TestCluster(
            admin_dsn=embedded.admin_dsn, app_dsn_template=embedded.dsn("postgres"), embedded=embedded
        )  # type: ignore[union-attr]
    )
    figures = {point: PointFigures() for point in CASES}
    begun = time.monotonic()
    try:
        cluster.template(SCALE)
        cluster.template(SCALE, production=True)
        for round_ in range(1, CRASHES + 1):
            for point in CASES:
                started = time.monotonic()
                with tempfile.TemporaryDirectory(prefix="menuca-crash-") as work:
                    try:
                        anyio.run(_one_crash, cluster, point, figures[point], Path(work))
                    except Exception as exc:  # noqa: BLE001 - one failed case is a figure, not the end of the bench
                        figures[point].errors.append(f"{point}: {type(exc).__name__}: {str(exc)[:300]}")
                print(f"  round {round_}: {point} in {time.monotonic() - started:.1f} s", flush=True)
    finally:
        for name in cluster.templates.values():
            cluster.drop_database(name)
        if embedded is not None:
            embedded.stop()

    print(f"  ({time.monotonic() - begun:.0f} s)")
    columns = ("killed", "shown interrupted", "re-run PASS", "dup pairs", "INVALID", "RLS gaps", "journal ok")
    print(
        f"  {'pause point':<33}"
        + "".join(f"{c:>{len(c) + 2}}" for c in columns)
        + "  sessions gone after kill"
    )
    for point, f in figures.items():
        values = (
            f.runs,
            f.interrupted_shown,
            f.rerun_pass,
            f.duplicates,
            f.invalid,
            f.rls_incomplete,
            f.journal_ok,
        )
        gone = f"max {max(f.backends_gone_s):.2f} s" if f.backends_gone_s else "-"
        print(
            f"  {point:<33}"
            + "".join(f"{v:>{len(c) + 2}}" for c, v in zip(columns, values, strict=True))
            + f"  {gone}"
        )
    total = list(figures.values())
    runs = sum(f.runs for f in total)
    print(
        f"  crash cases: {runs}; re-runs PASS: {sum(f.rerun_pass for f in total)}; duplicates found: "
        f"{sum(f.duplicates for f in total)}; INVALID indexes found: {sum(f.invalid for f in total)}; "
        f"half-applied policy sets: {sum(f.rls_incomplete for f in total)}; journals verified with the "
        f"interruption: {sum(f.journal_ok for f in total)}"
    )
    for label, attr in (
        ("same run directory (file lock)", "refuse_same_dir_ms"),
        ("other run directory (advisory lock)", "refuse_other_dir_ms"),
    ):
        values = [v for f in total for v in getattr(f, attr)]
        if values:
            print(
                f"  time to refuse a second runner, {label}: median {statistics.median(values):.0f} ms, "
                f"max {max(values):.0f} ms (n={len(values)})"
            )
    errors = [e for f in total for e in f.errors]
    for error in errors:
        print(f"  ! {error}")
    clean = sum(f.duplicates + f.invalid + f.rls_incomplete for f in total) == 0
    return clean and not errors and runs == len(CASES) * CRASHES


def main() -> None:
    print("menuca-migrate bench: reliability (issue 8)")
    ok = True
    if PART in ("all", "property"):
        ok = property_figures() and ok
    if PART in ("all", "crash"):
        ok = crash_figures() and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
