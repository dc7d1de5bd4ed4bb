"""Long calls (SPEC.md §14): a ticket call runs in a worker thread of the server process, and its
caller waits at most the call budget; when the work goes on past it, the caller is answered RUNNING
and the work keeps its locks until it ends. The same call again, on this process, attaches to the
work; the first such call after it ended gets its recorded result. MCP clients give up on long calls
(Claude Desktop after about 60 s), and a give-up must not cancel the database work."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from server.engine.guard import CallHooks
from server.engine.runtime import ProgressFn, StepRuntime
from tools.results import Progress, TicketResult

Work = Callable[[CallHooks], TicketResult]


@dataclass
class Job:
    """One call's work: its thread, the progress it last reported, and how it ended."""

    key: Hashable
    done: threading.Event = field(default_factory=threading.Event)
    result: TicketResult | None = None
    error: BaseException | None = None
    progress: Progress = field(default_factory=lambda: Progress(done=0))
    answered_running: bool = False  # a caller was told RUNNING: the next matching call gets the result
    _runtime: StepRuntime | None = None
    _listener: ProgressFn | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def listen(self, listener: ProgressFn | None) -> None:
        """Progress goes to the caller waiting now (none once it was answered)."""
        with self._lock:
            self._listener = listener
        if listener is not None and self.progress.total is not None:
            listener(self.progress.done, self.progress.total, self.progress.message)

    def report(self, done: float, total: float | None, message: str | None) -> None:
        self.progress = Progress(done=done, total=total, message=message)
        with self._lock:
            listener = self._listener
        if listener is not None:
            listener(done, total, message)

    def wait(self, budget_s: float) -> bool:
        """True when the work ended within the budget."""
        return self.done.wait(timeout=budget_s)

    def cancel(self) -> None:
        """The waiting caller cancelled: stop the work at its next safe point."""
        runtime = self._runtime
        if runtime is not None:
            runtime.cancel()

    def outcome(self) -> TicketResult:
        """The ended work's result; raises what the call raised (a refusal, say)."""
        if self.error is not None:
            raise self.error
        assert self.result is not None  # done is only set once one of them is
        return self.result


class Jobs:
    """The ticket calls of this server process, by (run dir, tool, environment, arguments)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[Hashable, Job] = {}

    def attach_or_start(self, key: Hashable, work: Work) -> tuple[Job, bool]:
        """The job of this call: the one already running (or ended, its result not yet picked up), or a
        new one started now; and whether it had ended before this call came (its result is a replay)."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                return job, job.done.is_set()
            job = Job(key=key)
            self._jobs[key] = job
        thread = threading.Thread(
            target=self._run, args=(job, work), name=f"menuca-call-{key!r}", daemon=True
        )
        thread.start()
        return job, False

    def _run(self, job: Job, work: Work) -> None:
        def on_runtime(runtime: StepRuntime) -> None:
            job._runtime = runtime

        try:
            job.result = work(CallHooks(on_progress=job.report, on_runtime=on_runtime))
        except BaseException as exc:  # noqa: BLE001 - handed to whichever caller picks the job up
            job.error = exc
        finally:
            job.done.set()
            with self._lock:
                if not job.answered_running:  # its caller is still there to take it: forget it
                    self._jobs.pop(job.key, None)

    def picked_up(self, job: Job) -> None:
        """A caller got the ended job's result: the next call is a new call."""
        with self._lock:
            if self._jobs.get(job.key) is job:
                self._jobs.pop(job.key)

    def answered_running(self, job: Job) -> None:
        """Its caller was answered RUNNING: keep the job for the next matching call, even once it ends."""
        with self._lock:
            job.answered_running = True
            if job.done.is_set() and job.key not in self._jobs:
                self._jobs[job.key] = job  # it ended between the budget and this answer

    def running(self) -> list[Job]:
        with self._lock:
            return [job for job in self._jobs.values() if not job.done.is_set()]


JOBS = Jobs()


def wait_briefly(job: Job, budget_s: float, poll_s: float = 0.05) -> bool:
    """Wait for the job in short slices (so a cancelled waiter is seen promptly); True when it ended."""
    deadline = time.monotonic() + budget_s
    while (left := deadline - time.monotonic()) > 0:
        if job.wait(min(left, poll_s)):
            return True
    return job.done.is_set()
