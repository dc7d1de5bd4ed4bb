"""Timing the menu query family on restaurants chosen from the data (median of repeated runs)."""

from __future__ import annotations

import statistics
import time
from typing import Any

from psycopg import sql

from server import db
from server.db import Conn
from tools.records import QueryFamily, Timing

QUERIES = ("menu", "menu_with_modifiers", "combos")
RUNS = 9  # at least 7 (SPEC.md §6); odd so the median is a real run
SLOWER_FACTOR = 1.25
SLOWER_SLACK_MS = 1.0


def pick_restaurants(conn: Conn) -> list[int]:
    rows = db.query_all(conn, db.sql_file("common/pick_restaurants.sql"))
    return [int(r["restaurant_id"]) for r in rows]


def time_runs(conn: Conn, name: str, restaurants: list[int], runs: int = RUNS) -> dict[str, list[float]]:
    """Wall times (ms, client side, rows fetched) of `runs` executions per restaurant, after one warm-up
    run each."""
    query = db.sql_file(f"common/menu_queries/{name}.sql")
    found: dict[str, list[float]] = {}
    for restaurant in restaurants:
        params = {"restaurant_id": restaurant}
        db.query_all(conn, query, params)
        samples = []
        for _ in range(runs):
            begun = time.perf_counter()
            db.query_all(conn, query, params)
            samples.append((time.perf_counter() - begun) * 1000)
        found[str(restaurant)] = samples
    return found


def p95(samples: list[float]) -> float:
    """The 95th percentile (inclusive method: with few runs it lies between the two slowest)."""
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def time_query(conn: Conn, name: str, restaurants: list[int], runs: int = RUNS) -> Timing:
    """Median wall time per restaurant (and p95), after one warm-up run each."""
    found = time_runs(conn, name, restaurants, runs)
    per_restaurant = {r: round(statistics.median(s), 3) for r, s in found.items()}
    # the headline is the slowest pinned restaurant (the one with the most dishes, in practice)
    return Timing(
        median_ms=max(per_restaurant.values(), default=0.0),
        per_restaurant=per_restaurant,
        runs=runs,
        p95_ms=round(max((p95(s) for s in found.values()), default=0.0), 3),
    )


def measure_family(conn: Conn, restaurants: list[int], runs: int = RUNS) -> QueryFamily:
    """Every query of the family; `median_ms` is the largest of the pinned restaurants' medians."""
    return {name: time_query(conn, name, restaurants, runs) for name in QUERIES}


def measure_not_slower(
    conn: Conn, restaurants: list[int], before: QueryFamily, rounds: int = 3
) -> QueryFamily:
    """Time the family again after a change; when the menu query looks slower than `before`, measure
    again (up to `rounds` times) and keep each query's best median: a real regression survives every
    round, a busy machine's noise does not."""
    best = measure_family(conn, restaurants)
    for _ in range(rounds - 1):
        if not slower_restaurants(before["menu"], best["menu"]):
            break
        again = measure_family(conn, restaurants)
        for name, timing in again.items():
            merged = {
                r: min(ms, best[name]["per_restaurant"].get(r, ms))
                for r, ms in timing["per_restaurant"].items()
            }
            best[name] = Timing(
                per_restaurant=merged,
                median_ms=max(merged.values(), default=0.0),
                runs=timing["runs"],
                p95_ms=min(timing.get("p95_ms", 0.0), best[name].get("p95_ms", 0.0)),
            )
    return best


def slower_restaurants(before: Timing, after: Timing) -> list[str]:
    """The pinned restaurants whose median got slower by the rule of SPEC.md §6 (each judged on its own)."""
    b, a = before["per_restaurant"], after["per_restaurant"]
    return [f"restaurant {r}: {b[r]} → {a[r]} ms" for r in b if r in a and is_slower(b[r], a[r])]


def is_slower(before_ms: float, after_ms: float) -> bool:
    """The gate of SPEC.md §6: slower means after > 1.25 × before + 1 ms."""
    return after_ms > SLOWER_FACTOR * before_ms + SLOWER_SLACK_MS


def speedup(before_ms: float, after_ms: float) -> float:
    return round(before_ms / after_ms, 2) if after_ms > 0 else 0.0


def uses_index(conn: Conn, name: str, restaurant: int) -> bool:
    """Whether the query's plan reads its main table through an index (EXPLAIN, not executed)."""
    query = sql.SQL("EXPLAIN (FORMAT JSON) ") + db.sql_file(f"common/menu_queries/{name}.sql")
    row = db.query_one(conn, query, {"restaurant_id": restaurant})
    plan = row["QUERY PLAN"] if row else []

    def walk(node: dict[str, Any]) -> bool:
        if "Index" in str(node.get("Node Type", "")):
            return True
        return any(walk(child) for child in node.get("Plans", []))

    return bool(plan) and walk(plan[0]["Plan"])
