"""Issue 4 figures: (a) the menu query family before/after apply_indexes at scale 1 and 10, as the tool
measures it; (b) the write stall an order-and-dish write load sees while the indexes are built with
CREATE INDEX CONCURRENTLY (the tool) versus plain CREATE INDEX, on scale-10 data."""

from __future__ import annotations

import os
import re
import threading
import time
from typing import Any

import psycopg
from _common import Pair, call, percentile, seeded_pair

from tools.apply_indexes import targets

SCALES = [float(s) for s in os.environ.get("BENCH_SCALES", "1,10").split(",")]
WRITE_SCALE = float(os.environ.get("BENCH_WRITE_SCALE", "10"))


def prepare(pair: Pair) -> Any:
    guard = pair.guard()
    for tool, env in (("preflight", None), ("backup", "staging")):
        result = call(guard, tool, env)
        assert result["status"] == "PASS", result["summary"]
    return guard


def family(scale: float) -> None:
    with seeded_pair(scale, production=False) as pair:
        guard = prepare(pair)
        result = call(guard, "apply_indexes", "staging")
        print(f"scale {scale:g}: {result['summary']}")
        total_b = total_a = 0.0
        for q in result["queries"]:
            total_b += q["before_ms"]
            total_a += q["after_ms"]
            print(
                f"  {q['name']:<22} {q['before_ms']:>10.3f} ms → {q['after_ms']:>9.3f} ms  "
                f"speedup {q['speedup']:>7.2f}x  restaurants {q.get('restaurants')}  plan reads "
                f"{', '.join(q.get('indexes_used') or []) or 'no index'}"
                + ("  SLOWER" if q["speedup"] < 1 else "")
            )
        for warning in [c["warning"] for c in result["checks"] if c.get("warning")]:
            print(f"  warning: {warning}")
        print(
            f"  family total           {total_b:>10.3f} ms → {total_a:>9.3f} ms  speedup {total_b / total_a:>7.2f}x"
        )


class Writer(threading.Thread):
    """Inserts a dish and an order line for it, one autocommit statement pair at a time, timing each."""

    def __init__(self, dsn: str) -> None:
        super().__init__(daemon=True)
        self.dsn = dsn
        self.stop = threading.Event()
        self.samples: list[tuple[float, float]] = []  # (start, latency ms)

    def run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True, application_name="bench-writer") as conn:
            restaurant = conn.execute("SELECT min(restaurant_id) FROM menuca_v3.dishes").fetchone()[0]  # type: ignore[index]
            while not self.stop.is_set():
                begun = time.monotonic()
                with conn.transaction():
                    dish = conn.execute(
                        "INSERT INTO menuca_v3.dishes (restaurant_id, name, base_price, is_active) "
                        "VALUES (%s, 'bench dish', 9.99, true) RETURNING id",
                        [restaurant],
                    ).fetchone()[0]  # type: ignore[index]
                    conn.execute("INSERT INTO public.bench_orders (dish_id, quantity) VALUES (%s, 2)", [dish])
                self.samples.append((begun, (time.monotonic() - begun) * 1000))
                time.sleep(0.005)


def stall_during(pair: Pair, build: Any) -> tuple[float, float, int, float]:
    writer = Writer(pair.staging)
    writer.start()
    time.sleep(1)
    begun = time.monotonic()
    build()
    ended = time.monotonic()
    time.sleep(0.5)
    writer.stop.set()
    writer.join()
    during = [ms for start, ms in writer.samples if begun <= start <= ended]
    return max(during, default=0.0), percentile(during, 99), len(during), ended - begun


def write_stall() -> None:
    with seeded_pair(WRITE_SCALE, production=False) as pair:
        with psycopg.connect(pair.staging, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE public.bench_orders (id bigserial PRIMARY KEY, dish_id bigint "
                "REFERENCES menuca_v3.dishes (id), quantity int, created_at timestamptz DEFAULT now())"
            )
        guard = prepare(pair)

        def concurrent() -> None:
            result = call(guard, "apply_indexes", "staging")
            assert result["status"] == "PASS", result["summary"]

        cic = stall_during(pair, concurrent)
        undo = call(guard, "rollback", "staging", scope="indexes", reason="bench: now plain CREATE INDEX")
        assert undo["status"] == "PASS", undo["summary"]

        built = [d for d in guard.load_state().records.get("02", [{}])[-1].get("built", [])]
        statements = [
            re.sub(r"CONCURRENTLY (IF NOT EXISTS )?", "", t.statement)
            for t in targets()[0]
            if t.name in built
        ]

        def plain() -> None:
            with psycopg.connect(pair.staging, autocommit=True) as conn:
                for statement in statements:
                    conn.execute(statement)  # type: ignore[arg-type]

        blocking = stall_during(pair, plain)
        print(f"write load during the builds at scale {WRITE_SCALE:g} ({len(statements)} indexes):")
        for label, (worst, p99, n, seconds) in (
            ("CREATE INDEX CONCURRENTLY (tool)", cic),
            ("plain CREATE INDEX", blocking),
        ):
            print(f"  {label:<34} max {worst:8.1f} ms  p99 {p99:8.1f} ms  ({n} writes in {seconds:.1f} s)")
        print(
            f"  max stall ratio plain/concurrent: {blocking[0] / cic[0]:.1f}x; target: no write > 250 ms "
            f"during the concurrent build -> {'met' if cic[0] <= 250 else 'NOT met'}"
        )


def main() -> None:
    print("menuca-migrate bench: apply_indexes")
    for scale in SCALES:
        family(scale)
    if os.environ.get("BENCH_WRITE_STALL", "1") != "0":
        write_stall()


if __name__ == "__main__":
    main()
