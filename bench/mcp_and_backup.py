"""Issue 3 figures: the p50 round-trip of `status` over stdio, and backup time vs a raw pg_dump at scale 1."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import anyio
from _common import call, median, percentile, seeded_pair  # bench/ is on sys.path when a script runs

from server import db
from server.dev.client import call_tool, connect, server_env
from server.pgbin import find_client

CALLS = 200


async def status_round_trips(staging: str, production: str, run_dir: Path) -> list[float]:
    env = server_env(staging_dsn=staging, production_dsn=production, run_dir=run_dir)
    samples = []
    with open(os.devnull, "w", encoding="utf-8") as err:
        async with connect(env, errlog=err) as client:
            await call_tool(client, "status")  # warm-up
            for _ in range(CALLS):
                begun = time.perf_counter()
                await call_tool(client, "status")
                samples.append((time.perf_counter() - begun) * 1000)
    return samples


def main() -> None:
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    print(f"menuca-migrate bench: status round-trip over stdio and backup vs pg_dump (scale {scale:g})")
    with seeded_pair(scale) as pair:
        samples = anyio.run(status_round_trips, pair.staging, pair.production, pair.run_dir / "status-run")
        print(
            f"status over stdio: {CALLS} calls, p50 {median(samples):.1f} ms, p95 {percentile(samples, 95):.1f} ms, "
            f"max {max(samples):.1f} ms"
        )

        guard = pair.guard()
        assert call(guard, "preflight", None)["status"] == "PASS"
        result = call(guard, "backup", "staging")
        assert result["status"] == "PASS", result["summary"]
        tool_s = result["duration_ms"] / 1000

        conninfo, env = db.client_invocation(pair.staging, "bench")
        out = pair.run_dir / "raw.dump"
        pg_dump = find_client("pg_dump")
        begun = time.monotonic()
        subprocess.run(
            [
                str(pg_dump),
                "-Fc",
                "-n",
                "menuca_v3",
                "-n",
                "staging",
                f"--file={out}",
                f"--dbname={conninfo}",
            ],
            env=env,
            check=True,
        )
        raw_s = time.monotonic() - begun
        print(
            f"backup tool (dump + sha256 + full read + scratch restore + counts): {tool_s:.2f} s; "
            f"raw pg_dump -Fc: {raw_s:.2f} s; ratio {tool_s / raw_s:.1f}x; archive {result['bytes']:,} bytes"
        )


if __name__ == "__main__":
    main()
