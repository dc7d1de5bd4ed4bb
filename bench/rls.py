"""Issue 5 figures: the RLS overhead on the menu query (a tenant's own menu, and the public's, with RLS
against the same role without it and the owner, who bypasses RLS), and the longest time a concurrent
reader waited while apply_rls ran against a steady read load (max and p99, in ms)."""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

from _common import call, median, percentile, seeded_pair  # bench/ is on sys.path when a script runs

from server import db
from tools.lib import measure

RUNS = 9  # per restaurant and round; the median is kept
ROUNDS = 5  # identities interleaved within a round; the best round is kept (the machine may be shared)
IDENTITIES = {
    "owner (bypasses RLS)": (None, False),
    "authenticated, tenant claim": ("authenticated", True),
    "anon, no claims": ("anon", False),
}


def menu_ms(conn: db.Conn, restaurants: list[int], role: str | None, tenant: bool) -> float:
    """Sum over the pinned restaurants of the menu query's median time, as `role` (None: the owner)
    with a tenant claim for the restaurant being read (or no claims)."""
    total = 0.0
    for restaurant in restaurants:
        if role is not None:
            claims: dict[str, Any] = {"sub": "00000000-0000-4000-8000-000000000001", "role": role}
            if tenant:
                claims["app_metadata"] = {"restaurant_id": restaurant}
            db.query_all(
                conn,
                db.sql_file("apply_rls/tests/become.sql"),
                {"role": role, "claims": json.dumps(claims)},
            )
        total += measure.time_query(conn, "menu", [restaurant], RUNS)["median_ms"]
        conn.rollback()  # ends the transaction-local role and claims
    return total


def profile(dsn: str, restaurants: list[int]) -> dict[str, float]:
    rounds: dict[str, list[float]] = {who: [] for who in IDENTITIES}
    with db.session(dsn) as conn:
        for _ in range(ROUNDS):
            for who, (role, tenant) in IDENTITIES.items():
                rounds[who].append(menu_ms(conn, restaurants, role, tenant))
    return {who: round(min(samples), 3) for who, samples in rounds.items()}


class Reader(threading.Thread):
    """A steady read load: the public menu query as anon, back to back, each read timed."""

    def __init__(self, dsn: str, restaurant: int) -> None:
        super().__init__(daemon=True)
        self.dsn, self.restaurant = dsn, restaurant
        self.samples: list[tuple[float, float]] = []  # (start, ms)
        self.stop = threading.Event()

    def run(self) -> None:
        query = db.sql_file("common/menu_queries/menu.sql")
        with db.session(self.dsn, autocommit=True) as conn:
            db.query_all(conn, "SELECT set_config('role', 'anon', false)")
            while not self.stop.is_set():
                begun = time.perf_counter()
                db.query_all(conn, query, {"restaurant_id": self.restaurant})
                self.samples.append((begun, (time.perf_counter() - begun) * 1000))


def main() -> None:
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    print(
        f"menuca-migrate bench: RLS overhead on the menu query and reader waits during apply_rls (scale {scale:g})"
    )
    with seeded_pair(scale, production=True) as pair:
        guard = pair.guard()
        for tool, env in (("preflight", None), ("backup", "staging"), ("apply_indexes", "staging")):
            for _ in range(3):  # apply_indexes' timing gate can trip on a busy machine: its re-run is allowed
                result: dict[str, Any] = call(guard, tool, env)  # type: ignore[arg-type]
                if result["status"] == "PASS":
                    break
                print(f"  ({tool} {env}: {result['summary']} Retrying.)")
            assert result["status"] == "PASS", (tool, result["summary"])
        with db.session(pair.staging) as conn:
            restaurants = measure.pick_restaurants(conn)
        print(f"  pinned restaurants (most active dishes, median): {restaurants}")
        before = profile(pair.staging, restaurants)

        reader = Reader(pair.staging, restaurants[0])
        reader.start()
        time.sleep(2.0)  # a steady load before the step
        started = time.perf_counter()
        result = call(guard, "apply_rls", "staging")
        ended = time.perf_counter()
        time.sleep(1.0)
        reader.stop.set()
        reader.join()
        assert result["status"] == "PASS", result["summary"]
        after = profile(pair.staging, restaurants)

    steady = [ms for t, ms in reader.samples if t < started]
    during = [ms for t, ms in reader.samples if started <= t <= ended]
    print(
        f"  apply_rls: {result['duration_ms']} ms, {result['tests_passed']}/{result['tests_total']} RLS tests"
    )
    print(f"menu query, sum of the pinned restaurants' medians, best of {ROUNDS} interleaved rounds (ms):")
    print(f"  {'':32} {'before apply_rls':>17} {'after':>9} {'change':>9}")
    for who in before:
        overhead = (after[who] - before[who]) / before[who] * 100 if before[who] else 0.0
        print(f"  {who:32} {before[who]:17.3f} {after[who]:9.3f} {overhead:8.1f}%")
    owner, tenant = after["owner (bypasses RLS)"], after["authenticated, tenant claim"]
    anon = after["anon, no claims"]
    print(
        f"  with RLS, against the owner (no RLS): tenant {(tenant - owner) / owner * 100:+.1f}%, anon {(anon - owner) / owner * 100:+.1f}%"
    )
    print("concurrent reader (anon, menu query in a loop):")
    print(
        f"  steady before: {len(steady)} reads, p50 {median(steady):.2f} ms, p99 {percentile(steady, 99):.2f} ms, "
        f"max {max(steady, default=0):.2f} ms"
    )
    print(
        f"  during apply_rls: {len(during)} reads, p50 {median(during):.2f} ms, p99 {percentile(during, 99):.2f} ms, "
        f"max wait {max(during, default=0):.2f} ms"
    )


if __name__ == "__main__":
    main()
