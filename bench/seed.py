"""Seed timing: seconds and rows per second at scale 1 and 10, on a throwaway embedded PostgreSQL."""

from __future__ import annotations

import argparse
import os
import platform

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from server.dev.embedded_pg import EmbeddedPostgres
from server.dev.seed import seed_database


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1,10", help="comma-separated scales (default 1,10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs per scale; the best is reported too")
    parser.add_argument(
        "--dsn",
        help="seed databases of this server instead of an embedded one (each run creates and drops "
        "a database; the role needs CREATEDB)",
    )
    args = parser.parse_args()
    scales = [float(s) for s in args.scales.split(",")]

    print(
        f"# menuca-migrate seed benchmark — {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    cluster = None if args.dsn else EmbeddedPostgres.create(databases=())
    try:
        base = args.dsn or (cluster.dsn("postgres") if cluster else "")
        print(f"{'scale':>6} {'run':>4} {'rows':>12} {'seconds':>9} {'rows/s':>10}")
        for scale in scales:
            best: float | None = None
            for run in range(1, args.repeat + 1):
                dbname = f"bench_seed_{str(scale).replace('.', '_')}_{run}"
                _create_database(base, dbname)
                try:
                    report = seed_database(make_conninfo(base, dbname=dbname), scale=scale, seed=args.seed)
                finally:
                    _drop_database(base, dbname)
                best = report.seconds if best is None else min(best, report.seconds)
                print(
                    f"{scale:>6g} {run:>4} {report.total_rows:>12,} {report.seconds:>9.2f} "
                    f"{report.total_rows / report.seconds:>10,.0f}",
                    flush=True,
                )
            if args.repeat > 1 and best is not None:
                print(f"{scale:>6g} best {'':>12} {best:>9.2f}")
    finally:
        if cluster is not None:
            cluster.stop()
    return 0


def _create_database(dsn: str, dbname: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(dbname)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))


def _drop_database(dsn: str, dbname: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))


if __name__ == "__main__":
    raise SystemExit(main())
