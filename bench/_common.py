"""Shared set-up of the benchmarks: a throwaway embedded PostgreSQL with a seeded staging/production pair."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from server.dev.embedded_pg import DATABASES, EmbeddedPostgres
from server.dev.seed import seed_database
from server.engine.guard import Guard
from server.engine.registry import make_guard, tool_args
from server.settings import Settings


@dataclass
class Pair:
    cluster: EmbeddedPostgres
    staging: str
    production: str
    run_dir: Path

    def guard(self, **settings: object) -> Guard:
        return make_guard(
            Settings(
                staging_dsn=self.staging,
                production_dsn=self.production,
                run_dir=self.run_dir,
                soak_hours=float(settings.get("soak_hours", 0)),  # type: ignore[arg-type]
                require_approval=bool(settings.get("require_approval", False)),
                allow_same_server=True,  # the pair lives on one embedded server
            )
        )


@contextmanager
def seeded_pair(scale: float, *, production: bool = True) -> Iterator[Pair]:
    """An embedded cluster whose two databases hold the dataset at `scale` (printed as it goes);
    production=False makes production a file-level copy of staging (faster at large scales)."""
    cluster = EmbeddedPostgres.create(databases=("menuca_staging",) if not production else DATABASES)
    run_dir = Path(tempfile.mkdtemp(prefix="menuca-bench-"))
    try:
        staging, prod = cluster.dsn("menuca_staging"), cluster.dsn("menuca_production")
        begun = time.monotonic()
        seed_database(staging, scale=scale)
        if production:
            seed_database(prod, scale=scale, production=True)
        else:
            with psycopg.connect(cluster.admin_dsn, autocommit=True) as conn:
                conn.execute("CREATE DATABASE menuca_production OWNER menuca TEMPLATE menuca_staging")
        print(f"  (seeded scale {scale:g} in {time.monotonic() - begun:.1f} s)", flush=True)
        yield Pair(cluster, staging, prod, run_dir)
    finally:
        cluster.stop()


def call(guard: Guard, tool: str, environment: str | None = None, **args: object) -> dict[str, Any]:
    """One call through the guard by name; its result as plain JSON."""
    result: dict[str, Any] = guard.call(tool_args(tool, environment, **args)).model_dump(mode="json")  # type: ignore[arg-type]
    return result


def percentile(samples: list[float], p: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else 0.0
