"""Long calls (SPEC.md §14): the demo's agent at scale 10, once with a call budget and once without.
Prints, per step, the calls it took and the longest any call held the client (goal: budget + 1 s),
and the steps' total time against the run with no budget (goal: within 5 %).

BENCH_SCALE (default 10) and BENCH_BUDGET_S (default 45, the server's default) set the run."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from server.dev.demo import DemoReport, Screen, run_demo

NO_BUDGET_S = 3600.0  # the largest budget the server accepts; no step here comes near it, so every call holds the client


def one_run(scale: float, budget_s: float) -> DemoReport:
    run_dir = Path(tempfile.mkdtemp(prefix="menuca-bench-long-")) / "run"
    return run_demo(scale, run_dir, keep=False, screen=Screen(io.StringIO()), call_budget_s=budget_s)


def main() -> None:
    scale = float(os.environ.get("BENCH_SCALE", "10"))
    budget = float(os.environ.get("BENCH_BUDGET_S", "45"))
    print(
        f"long calls: the demo's agent at scale {scale:g}, budget {budget:g} s, then with no budget",
        flush=True,
    )
    budgeted = one_run(scale, budget)
    unbounded = one_run(scale, NO_BUDGET_S)
    print()
    print(
        f"{'ticket':<7}{'tool':<15}{'environment':<13}{'calls':>6}{'longest hold':>14}{'step s':>9}{'no budget s':>13}"
    )
    plain = {(r.ticket, r.tool): r for r in unbounded.rows}
    for row in budgeted.rows:
        other = plain.get((row.ticket, row.tool))
        print(
            f"{row.ticket:<7}{row.tool:<15}{row.environment:<13}{row.calls:>6}{row.longest_hold_s:>13.1f}s"
            f"{row.seconds:>9.1f}{(other.seconds if other else float('nan')):>13.1f}"
        )
    longest = max((r.longest_hold_s for r in budgeted.rows), default=0.0)
    steps_b = sum(r.seconds for r in budgeted.rows)
    steps_u = sum(r.seconds for r in unbounded.rows)
    print()
    print(
        f"longest hold of any call: {longest:.1f} s (goal <= {budget + 1:g} s: "
        f"{'met' if longest <= budget + 1 else 'NOT met'})"
    )
    print(
        f"steps' total: {steps_b:.1f} s with the budget, {steps_u:.1f} s without "
        f"({(steps_b / steps_u - 1) * 100 if steps_u else 0:+.1f} %; goal within 5 %)"
    )
    print(
        f"tool calls: {budgeted.calls} with the budget, {unbounded.calls} without; "
        f"completions {budgeted.completed} / {unbounded.completed}; "
        f"journals {'verified' if budgeted.verified and unbounded.verified else 'BROKEN'}"
    )


if __name__ == "__main__":
    main()
