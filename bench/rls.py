"""Issue 5 figures: the RLS overhead on the menu query (a tenant's own menu, and the public's, with RLS
against the same role without it and the owner, who bypasses RLS), and the longest time a concurrent
reader waited while apply_rls ran against a steady read load (max and p99, in ms).

The overhead against the owner is also measured paired (issue 18): one session per identity, each
running the query once per round in a shuffled order, so that a busy machine slows all of them alike;
the same measurement before apply_rls (no RLS yet) shows the noise floor."""

from __future__ import annotations

import contextlib
import json
import os
import random
import threading
import time
from typing import Any

from _common import call, median, percentile, seeded_pair  # bench/ is on sys.path when a script runs

from server import db
from tools.lib import measure

RUNS = int(os.environ.get("BENCH_RUNS", "9"))  # per restaurant and round; the median is kept
# identities interleaved within a round; the best round is kept (the machine may be shared: more
# rounds make the best one likelier to be a quiet one)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
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


PAIRS = int(os.environ.get("BENCH_PAIRS", "150"))  # rounds of the paired measurement, per restaurant


def _become(conn: db.Conn, role: str, restaurant: int, tenant: bool) -> None:
    """The role and JWT claims of a request, for the rest of the session's open transaction."""
    claims: dict[str, Any] = {"sub": "00000000-0000-4000-8000-000000000001", "role": role}
    if tenant:
        claims["app_metadata"] = {"restaurant_id": restaurant}
    db.query_all(
        conn, db.sql_file("apply_rls/tests/become.sql"), {"role": role, "claims": json.dumps(claims)}
    )


def paired(dsn: str, restaurants: list[int]) -> dict[str, float]:
    """Sum over the pinned restaurants of each identity's median menu query time, measured in PAIRS
    rounds in which every identity's own session runs the query once, in a shuffled order."""
    query = db.sql_file("common/menu_queries/menu.sql")
    shuffle = random.Random(18)
    totals = dict.fromkeys(IDENTITIES, 0.0)
    for restaurant in restaurants:
        params = {"restaurant_id": restaurant}
        with contextlib.ExitStack() as stack:
            sessions: dict[str, db.Conn] = {}
            for who, (role, tenant) in IDENTITIES.items():
                conn = stack.enter_context(db.session(dsn))
                if role is not None:
                    _become(conn, role, restaurant, tenant)
                db.query_all(conn, query, params)  # warm-up
                sessions[who] = conn
            samples: dict[str, list[float]] = {who: [] for who in sessions}
            order = list(sessions)
            for _ in range(PAIRS):
                shuffle.shuffle(order)
                for who in order:
                    begun = time.perf_counter()
                    db.query_all(sessions[who], query, params)
                    samples[who].append((time.perf_counter() - begun) * 1000)
            for conn in sessions.values():
                conn.rollback()
        for who, values in samples.items():
            totals[who] += median(values)
    return {who: round(total, 3) for who, total in totals.items()}


def against_owner(figures: dict[str, float], who: str) -> float:
    owner = figures["owner (bypasses RLS)"]
    return (figures[who] - owner) / owner * 100 if owner else 0.0


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
        paired_before = paired(pair.staging, restaurants)

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
        paired_after = paired(pair.staging, restaurants)

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
    for label, figures in (("without RLS yet (the noise floor)", before), ("with RLS", after)):
        owner, tenant = figures["owner (bypasses RLS)"], figures["authenticated, tenant claim"]
        anon = figures["anon, no claims"]
        print(
            f"  {label}, against the owner: tenant {(tenant - owner) / owner * 100:+.1f}%, "
            f"anon {(anon - owner) / owner * 100:+.1f}%"
        )
    print(
        f"paired: each identity's own session, {PAIRS} shuffled rounds per restaurant, sum of the medians (ms):"
    )
    print(f"  {'':32} {'before apply_rls':>17} {'after':>9}")
    for who in paired_before:
        print(f"  {who:32} {paired_before[who]:17.3f} {paired_after[who]:9.3f}")
    for label, figures in (("without RLS yet (the noise floor)", paired_before), ("with RLS", paired_after)):
        print(
            f"  paired, {label}, against the owner: tenant "
            f"{against_owner(figures, 'authenticated, tenant claim'):+.1f}%, anon {against_owner(figures, 'anon, no claims'):+.1f}%"
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
