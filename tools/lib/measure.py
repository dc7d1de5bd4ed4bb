"""Timing the menu query family on restaurants chosen from the data (median of repeated runs)."""

from __future__ import annotations

import statistics
import time
from typing import Any

from psycopg import sql
from psycopg.rows import tuple_row
from psycopg.types.string import TextLoader

from server import db
from server.db import Conn
from tools.records import QueryFamily, Timing

QUERIES = ("menu", "menu_with_modifiers", "combos")
COMBO_QUERY = "combos"  # timed on restaurants that have combo groups (pick_combo_restaurants)
RUNS = 9  # at least 7 (SPEC.md §6); odd so the median is a real run
SLOWER_FACTOR = 1.25
SLOWER_SLACK_MS = 1.0
AS_TEXT = ("json", "jsonb", "numeric")  # fetched as the database sends them, not decoded (see _fetch)


def pick_restaurants(conn: Conn) -> list[int]:
    rows = db.query_all(conn, db.sql_file("common/pick_restaurants.sql"))
    return [int(r["restaurant_id"]) for r in rows]


def pick_combo_restaurants(conn: Conn) -> list[int]:
    rows = db.query_all(conn, db.sql_file("common/pick_combo_restaurants.sql"))
    return [int(r["restaurant_id"]) for r in rows]


def restaurants_for(name: str, restaurants: list[int], combo_restaurants: list[int] | None) -> list[int]:
    """The restaurants a query of the family is timed on (the combo query: those with combo groups,
    when they are known; an older baseline has none and keeps the menu's)."""
    return combo_restaurants if name == COMBO_QUERY and combo_restaurants else restaurants


def _fetch(conn: Conn, query: sql.SQL, params: dict[str, int]) -> None:
    """Run the query and fetch every row as text: the time is the database's and the wire's, not the
    time this process takes to turn JSONB and numerics into Python objects (two thirds of the total
    at scale 1, and what made the figures swing with the machine's load)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        for type_name in AS_TEXT:
            cur.adapters.register_loader(type_name, TextLoader)
        cur.execute(query, params)
        cur.fetchall()


def time_runs(conn: Conn, name: str, restaurants: list[int], runs: int = RUNS) -> dict[str, list[float]]:
    """Wall times (ms, client side, every row fetched) of `runs` executions per restaurant, after one
    warm-up run each."""
    query = db.sql_file(f"common/menu_queries/{name}.sql")
    found: dict[str, list[float]] = {}
    for restaurant in restaurants:
        params = {"restaurant_id": restaurant}
        _fetch(conn, query, params)
        samples = []
        for _ in range(runs):
            begun = time.perf_counter()
            _fetch(conn, query, params)
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


def measure_family(
    conn: Conn, restaurants: list[int], runs: int = RUNS, combo_restaurants: list[int] | None = None
) -> QueryFamily:
    """Every query of the family; `median_ms` is the largest of the pinned restaurants' medians."""
    return {
        name: time_query(conn, name, restaurants_for(name, restaurants, combo_restaurants), runs)
        for name in QUERIES
    }


# Before each extra round of measure_not_slower: two at once, then waits for a busy moment (another
# process's burst, a checkpoint) to pass; the waits are only taken while the rule itself says slower.
RETRY_PAUSES_S = (0.0, 0.0, 0.5, 1.0, 2.0)


def measure_not_slower(
    conn: Conn,
    restaurants: list[int],
    before: QueryFamily,
    rounds: int = 1 + len(RETRY_PAUSES_S),
    combo_restaurants: list[int] | None = None,
) -> QueryFamily:
    """Time the family again after a change; when a query of the family looks slower than `before`,
    measure again (up to `rounds` times, the later ones after a pause) and keep each restaurant's best
    median: a real regression survives every round, a busy machine's noise does not."""
    best = measure_family(conn, restaurants, combo_restaurants=combo_restaurants)
    for pause in RETRY_PAUSES_S[: rounds - 1]:
        if not _looks_slower(before, best, strict=pause > 0):
            break
        time.sleep(pause)
        again = measure_family(conn, restaurants, combo_restaurants=combo_restaurants)
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


def _looks_slower(before: QueryFamily, now: QueryFamily, *, strict: bool) -> bool:
    """Any query slower than before at all (strict: slower by the rule, on some pinned restaurant)."""
    if strict:
        return any(slower_restaurants(before[name], now[name]) for name in QUERIES if name in before)
    return any(name in before and now[name]["median_ms"] > before[name]["median_ms"] for name in QUERIES)


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
    return bool(plan_indexes(conn, name, restaurant))


def plan_indexes(conn: Conn, name: str, restaurant: int) -> list[str]:
    """The indexes the query's plan reads, in plan order (EXPLAIN, not executed)."""
    query = sql.SQL("EXPLAIN (FORMAT JSON) ") + db.sql_file(f"common/menu_queries/{name}.sql")
    row = db.query_one(conn, query, {"restaurant_id": restaurant})
    plan = row["QUERY PLAN"] if row else []
    found: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        index = node.get("Index Name")
        if index and index not in found:
            found.append(str(index))
        for child in node.get("Plans", []):
            walk(child)

    if plan:
        walk(plan[0]["Plan"])
    return found


def slower_warning(
    name: str, before_ms: float, after_ms: float, indexes: list[str], since: str
) -> str | None:
    """The warning a check carries when a query of the family got slower (speedup below 1), with the
    indexes its plan now reads; None when it did not."""
    if after_ms <= before_ms or after_ms <= 0:
        return None
    within = (
        ""
        if is_slower(before_ms, after_ms)
        else f" (within the gate's margin of {SLOWER_FACTOR:g} x + {SLOWER_SLACK_MS:g} ms: it may be timing noise)"
    )
    reads = f"its plan now reads {', '.join(indexes)}" if indexes else "its plan now reads no index"
    return (
        f"the {name} query got slower {since}: {before_ms} → {after_ms} ms (speedup "
        f"{speedup(before_ms, after_ms)}); {reads}{within}."
    )
