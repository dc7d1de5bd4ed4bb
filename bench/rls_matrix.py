"""Issue 16 figures: what one run of the RLS test matrix costs (apply_rls and validate each run it once
per environment): wall time and this process's CPU time, on a scale-0.05 pair after tickets 00-05
(BENCH_SCALE to change it), whose times per tool it prints first."""

from __future__ import annotations

import os
import resource
import time

from _common import call, median, seeded_pair  # bench/ is on sys.path when a script runs

from server import db
from tools.lib import rls_matrix

SCALE = float(os.environ.get("BENCH_SCALE", "0.05"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    with seeded_pair(SCALE) as pair:
        guard = pair.guard()
        for tool, env in (
            ("preflight", None),
            ("backup", "staging"),
            ("apply_indexes", "staging"),
            ("apply_rls", "staging"),
            ("fix_combos", "staging"),
            ("validate", "staging"),
        ):
            began = time.monotonic()
            args = {"backfill_missing_dishes": True} if tool == "fix_combos" else {}
            result = call(guard, tool, env, **args)
            print(f"  {tool:<14} {result['status']:<5} {time.monotonic() - began:6.2f} s", flush=True)
        walls, cpus = [], []
        with db.session(pair.staging, autocommit=True) as conn:
            for _ in range(RUNS):
                # each run leaves its rolled-back rows behind as dead tuples: vacuumed away first, as
                # autovacuum would between two real runs
                conn.execute("VACUUM")
                began, cpu = time.monotonic(), _cpu()
                tests = rls_matrix.run_matrix(conn)
                walls.append(time.monotonic() - began)
                cpus.append(_cpu() - cpu)
                assert all(t.passed for t in tests), [t.name for t in tests if not t.passed][:5]
        print(
            f"RLS matrix, {len(tests)} tests: {median(walls) * 1000:.0f} ms a run (median of {RUNS}; "
            f"min {min(walls) * 1000:.0f}), of which this process's CPU {median(cpus) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
