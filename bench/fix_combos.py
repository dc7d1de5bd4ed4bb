"""Issue 6 figures: the combo repair's duration at scale 1 and 10, with its before/after figures."""

from __future__ import annotations

import os

from _common import call, seeded_pair

SCALES = [float(s) for s in os.environ.get("BENCH_SCALES", "1,10").split(",")]


def main() -> None:
    print("menuca-migrate bench: fix_combos")
    for scale in SCALES:
        with seeded_pair(scale, production=False) as pair:
            guard = pair.guard()
            for tool in ("preflight", "backup", "apply_indexes", "apply_rls"):
                result = call(guard, tool, None if tool == "preflight" else "staging")
                assert result["status"] == "PASS", f"{tool}: {result['summary']}"
            without = call(guard, "fix_combos", "staging")
            repaired = call(guard, "fix_combos", "staging", backfill_missing_dishes=True)
            undone = call(guard, "rollback", "staging", scope="combos", reason="bench")
            before, after = repaired["orphan_rate_before"], repaired["orphan_rate_after"]
            cov = repaired["coverage"]
            print(f"scale {scale:g}:")
            print(
                f"  without backfill: {without['status']} in {without['duration_ms'] / 1000:.2f} s (rolled back)"
            )
            print(
                f"  with backfill:    {repaired['status']} in {repaired['duration_ms'] / 1000:.2f} s: "
                f"{repaired['items_inserted']:,} items, {repaired['dishes_backfilled']:,} dishes backfilled"
            )
            print(
                f"    orphan rate naive {before['naive']:.4f} → {after['naive']:.4f}, source-backed "
                f"{before['source_backed']:.4f} → {after['source_backed']:.4f} ({repaired['band']}); "
                f"{repaired['empty_shells']:,} empty shells never in the source"
            )
            print(
                f"    coverage: {cov['mapped_rows']:,} of {cov['source_rows']:,} source rows mapped; group missing "
                f"{cov['unmapped_group_missing']:,}, dish missing {cov['unmapped_dish_missing']:,}, ambiguous "
                f"{cov['unmapped_dish_ambiguous']:,} ({cov['dishes_ambiguous']:,} ids not guessed)"
            )
            print(f"  rollback scope=combos: {undone['status']} in {undone['duration_ms'] / 1000:.2f} s")


if __name__ == "__main__":
    main()
