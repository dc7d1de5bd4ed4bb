"""Issue 14 figures: the cost of one health sample (SPEC.md §12) at scale 1 and 10 — the whole sample, and
its parts: the counters and sessions, the menu family, the combos and row counts, and the isolation
subset of the RLS matrix — and how much the soak gate (a sample of staging, its window and triggers,
journaled and anchored) adds to ticket 06. Goals: a sample under 1 s at scale 10, the isolation
subset under 0.5 s.

The server takes a sample on two sessions (the combos part beside the rest); the bench prints that and
the one-session figure, for the window's first sample (exact row counts) and a later one.

    PYTHONPATH=. python bench/health.py            # scales 1 and 10 (seeding scale 10 takes about 40 s)
    BENCH_SCALES=1 PYTHONPATH=. python bench/health.py
"""

from __future__ import annotations

import dataclasses
import os
import time

from _common import call, median, seeded_pair  # bench/ is on sys.path when a script runs

from server import db
from server.engine import health
from tools.lib import catalog, gates, rls_matrix
from tools.lib.health import ISOLATION_TESTS, menu_figures, orphan_rate, take_sample

SCALES = [float(s) for s in os.environ.get("BENCH_SCALES", "1,10").split(",")]
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
STAGING = [
    ("preflight", None, {}),
    ("backup", "staging", {}),
    ("apply_indexes", "staging", {}),
    ("apply_rls", "staging", {}),
    ("fix_combos", "staging", {"backfill_missing_dishes": True}),
    ("validate", "staging", {}),
]


def state_rows(dsn: str) -> dict[str, int]:
    with db.session(dsn, run_id="bench") as conn:
        return catalog.row_counts(conn, ["menuca_v3"])


def timed(fn: object, conn: db.Conn) -> float:
    begun = time.perf_counter()
    fn(conn)  # type: ignore[operator]
    conn.commit()
    return (time.perf_counter() - begun) * 1000


def bench(scale: float) -> None:
    print(f"scale {scale:g}", flush=True)
    with seeded_pair(scale, production=False) as pair:
        guard = pair.guard(soak_hours=0, require_approval=False)
        begun = time.monotonic()
        for tool, env, args in STAGING:
            result = call(guard, tool, env, **args)
            if result["status"] == "FAIL" and tool == "validate":  # a busy machine's menu timing: once more
                result = call(guard, tool, env, **args)
            assert result["status"] == "PASS", (tool, result["summary"])
        print(f"  (tickets 00-05 on staging in {time.monotonic() - begun:.1f} s)", flush=True)
        state = guard.load_state()
        plan = health.plan_for(state, "staging", None, overhead=False)
        # the gate and ticket 06 first: the raw samples below are not journaled, so their rolled-back
        # isolation tests would count as staging's own errors in the soak window
        gate = []
        for _ in range(REPEATS):
            begun = time.perf_counter()
            verdict = health.soak_gate(guard, guard.load_state())
            gate.append((time.perf_counter() - begun) * 1000)
            assert not verdict.trips, verdict
        begun = time.perf_counter()
        result = call(guard, "backup", "production")
        took = (time.perf_counter() - begun) * 1000
        assert result["status"] == "PASS", result["summary"]
        print(
            f"  the soak gate (sample, window, triggers, journal and anchor): median {median(gate):.0f} ms; "
            f"ticket 06 with it: {took / 1000:.1f} s ({median(gate) / took:.0%} of it)"
        )

        # as the server takes it (the combos part on a second session beside the rest), and on one
        # session; the window's first sample (exact row counts) and a later one (live-row estimates)
        first = dataclasses.replace(plan, exact_rows=True)
        later = dataclasses.replace(plan, exact_rows=False, rows_reference=state_rows(pair.staging))
        for label, each in (("first of a window", first), ("later", later)):
            for sessions in (2, 1):
                whole = []
                for _ in range(REPEATS):
                    begun = time.perf_counter()
                    with db.session(pair.staging, run_id="bench") as conn:
                        second = (lambda: db.connect(pair.staging, run_id="bench")) if sessions == 2 else None
                        taken = take_sample(conn, each, second_session=second)
                    whole.append((time.perf_counter() - begun) * 1000)
                    assert not taken.errors, taken.errors
                print(
                    f"  one sample, {label}, {sessions} session{'s' if sessions == 2 else ''}"
                    f" ({REPEATS} runs): median {median(whole):.0f} ms, max {max(whole):.0f} ms",
                    flush=True,
                )
        parts: dict[str, list[float]] = {
            "isolation subset": [],
            "menu family": [],
            "combo integrity": [],
            "orphan rates, exact row counts": [],
        }
        with db.session(pair.staging, run_id="bench") as conn:
            for _ in range(REPEATS):
                parts["isolation subset"].append(
                    timed(lambda c: rls_matrix.run_subset(c, ISOLATION_TESTS), conn)
                )
                parts["menu family"].append(timed(lambda c: menu_figures(c, list(plan.restaurants)), conn))
                parts["combo integrity"].append(timed(gates.integrity, conn))
                parts["orphan rates, exact row counts"].append(
                    timed(lambda c: (orphan_rate(c), catalog.row_counts(c, ["menuca_v3"])), conn)
                )
        for name, samples in parts.items():
            print(f"    {name:<30} median {median(samples):6.0f} ms")


if __name__ == "__main__":
    for scale in SCALES:
        bench(scale)
