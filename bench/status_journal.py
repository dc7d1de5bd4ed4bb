"""Issue 12 figure: the `status` round trip over stdio with a journal of about 1,000 entries (a whole
runbook, then refused and replayed calls), since every call now verifies the whole keyed chain.
Run it on two commits to compare: `python bench/status_journal.py` (BENCH_SCALE, default 0.05)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import anyio
from _common import median, percentile, seeded_pair  # bench/ is on sys.path when a script runs

from server.dev.client import call_tool, connect, server_env
from server.journal import JOURNAL

ENTRIES = 1000
CALLS = 200
RUNBOOK = [
    ("preflight", {}),
    ("backup", {"environment": "staging"}),
    ("apply_indexes", {"environment": "staging"}),
    ("apply_rls", {"environment": "staging"}),
    ("fix_combos", {"environment": "staging", "backfill_missing_dishes": True}),
    ("validate", {"environment": "staging"}),
    ("backup", {"environment": "production"}),
    ("apply_indexes", {"environment": "production"}),
    ("apply_rls", {"environment": "production"}),
    ("fix_combos", {"environment": "production", "backfill_missing_dishes": True}),
    ("validate", {"environment": "production"}),
]


def _entries(run_dir: Path) -> int:
    path = run_dir / JOURNAL
    return path.read_text(encoding="utf-8").count("\n") if path.exists() else 0


async def run(staging: str, production: str, run_dir: Path) -> list[float]:
    env = server_env(
        staging_dsn=staging, production_dsn=production, run_dir=run_dir, soak_hours=0, require_approval=False
    )
    with open(os.devnull, "w", encoding="utf-8") as err:
        async with connect(env, errlog=err) as client:
            for tool, args in RUNBOOK:
                outcome = await call_tool(client, tool, args)
                assert outcome.status == "PASS", (tool, outcome.text[:300])
            while _entries(run_dir) < ENTRIES:  # replays (2 entries each) and refusals (2 entries each)
                await call_tool(client, "apply_rls", {"environment": "staging"})
                await call_tool(
                    client, "rollback", {"environment": "staging", "scope": "rls", "reason": "bench"}
                )
            print(f"  journal: {_entries(run_dir)} entries, {(run_dir / JOURNAL).stat().st_size:,} bytes")
            await call_tool(client, "status")  # warm-up
            samples = []
            for _ in range(CALLS):
                begun = time.perf_counter()
                await call_tool(client, "status")
                samples.append((time.perf_counter() - begun) * 1000)
    return samples


def main() -> None:
    scale = float(os.environ.get("BENCH_SCALE", "0.05"))
    print(f"menuca-migrate bench: status over stdio with a {ENTRIES}-entry journal (scale {scale:g})")
    with seeded_pair(scale) as pair:
        samples = anyio.run(run, pair.staging, pair.production, pair.run_dir / "status-journal")
    print(
        f"status over stdio: {CALLS} calls, p50 {median(samples):.1f} ms, p95 {percentile(samples, 95):.1f} ms, "
        f"max {max(samples):.1f} ms"
    )


if __name__ == "__main__":
    main()
