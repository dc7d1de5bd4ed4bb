"""Child processes (pg_dump, pg_restore, psql) that die with the server and stop at safe points."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: a SIGKILLed server must not leave a pg_restore or psql finishing work behind its back."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class ChildResult:
    returncode: int
    stdout: str
    stderr: str


def run_child(
    cmd: list[str],
    *,
    env: dict[str, str],
    checkpoint: Callable[[], None] | None = None,
    on_stdout_line: Callable[[str], None] | None = None,
    on_stderr_line: Callable[[str], None] | None = None,
    timeout_s: float = 3600,
) -> ChildResult:
    """Run a client binary; `checkpoint` is polled while it runs and may raise to stop it (it is killed)."""
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_die_with_parent,
    )
    out: list[str] = []
    err: list[str] = []

    def pump(stream: object, sink: list[str], callback: Callable[[str], None] | None) -> None:
        for line in stream:  # type: ignore[attr-defined]
            sink.append(line)
            if callback is not None:
                with contextlib.suppress(Exception):
                    callback(line.rstrip("\n"))

    threads = [
        threading.Thread(target=pump, args=(proc.stdout, out, on_stdout_line), daemon=True),
        threading.Thread(target=pump, args=(proc.stderr, err, on_stderr_line), daemon=True),
    ]
    for thread in threads:
        thread.start()
    waited = 0.0
    try:
        while True:
            try:
                proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                waited += 0.2
                if checkpoint is not None:
                    checkpoint()
                if waited > timeout_s:
                    raise TimeoutError(f"{cmd[0]} did not finish within {timeout_s:.0f} s") from None
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        for thread in threads:
            thread.join(timeout=5)
    return ChildResult(proc.returncode, "".join(out), "".join(err))
