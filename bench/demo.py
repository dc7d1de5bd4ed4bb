"""Issue 7 figures: the whole demo at scale 1 (seconds) and the tool calls its agent needed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    scale = os.environ.get("BENCH_SCALE", "1")
    run_dir = Path(tempfile.mkdtemp(prefix="menuca-bench-demo-")) / "run"
    begun = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "demo", "--scale", scale, "--run-dir", str(run_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - begun
    print(done.stdout)
    summary = re.search(r"(\d+) of 11 tickets COMPLETE in (\d+) s with (\d+) tool calls", done.stdout)
    log = (
        (run_dir / "EXECUTION_LOG.md").read_text(encoding="utf-8")
        if (run_dir / "EXECUTION_LOG.md").exists()
        else ""
    )
    print(f"demo at scale {scale}: exit {done.returncode}, {seconds:.0f} s wall clock (seed included)")
    if summary:
        print(f"  tickets COMPLETE: {summary.group(1)}; tool calls: {summary.group(3)}")
    print(f"  completion lines in EXECUTION_LOG.md: {log.count('STATUS: COMPLETE')}")
    speedups = re.findall(
        r"validate\s+\w+\s+PASS\s+[\d.]+\s+\d+/\d+ checks; menu speedup ([\d.]+)x", done.stdout
    )
    print(f"  menu query speedup measured by validate (staging, production): {', '.join(speedups)}")
    if done.returncode:
        print(done.stderr[-2000:])


if __name__ == "__main__":
    main()
