"""The progress file of the run dir (SPEC.md §14): how far the running step has got, written by the
process doing the work and read by `status` in any process. It is not journaled (it changes many
times a second) and it says nothing the rules decide on; it is removed when the step ends."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from tools.results import Progress

PROGRESS_FILE = "progress.json"
MIN_INTERVAL_S = 0.25


@dataclass
class Running:
    """What the progress file says: which step, since when, how far."""

    run_id: str
    ticket: str
    tool: str
    environment: str
    pid: int
    started_at: str
    progress: Progress

    def describe(self) -> str:
        shown = f"ticket {self.ticket} ({self.tool} on {self.environment}) is running since {self.started_at}"
        done = self.progress
        if done.total:
            shown += f", {done.done:g} of {done.total:g}"
        return shown + (f": {done.message}" if done.message else "")


class ProgressFile:
    """One step's progress file (written at most every MIN_INTERVAL_S, and at the end of each phase)."""

    def __init__(self, run_dir: Path, running: Running) -> None:
        self.path = run_dir / PROGRESS_FILE
        self.running = running
        self._last = 0.0

    def update(self, done: float, total: float | None, message: str | None) -> None:
        self.running.progress = Progress(done=done, total=total, message=message)
        now = time.monotonic()
        if now - self._last < MIN_INTERVAL_S and not (total and done >= total):
            return
        self._last = now
        data = {**self.running.__dict__, "progress": self.running.progress.model_dump()}
        partial = self.path.with_suffix(".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        partial.replace(self.path)  # readers never see half a file

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def read(run_dir: Path) -> Running | None:
    """The progress file, or None when there is none (or it cannot be read: it is only advisory)."""
    try:
        data = json.loads((run_dir / PROGRESS_FILE).read_text(encoding="utf-8"))
        return Running(**{**data, "progress": Progress.model_validate(data["progress"])})
    except (OSError, ValueError, TypeError, KeyError):
        return None
