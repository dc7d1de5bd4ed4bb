"""`menuca-migrate watch`: sample both databases' health into the journal every interval, during the soak
and the production watch (SPEC.md §12), with a live display of the window's progress and the latest
figures; it stops by itself when the watch window ends. Nothing it finds rolls anything back."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from server.engine import health
from server.engine.guard import Guard
from server.journal import EXECUTION_LOG
from server.runbook import ENVIRONMENTS, Env

BAR = 30
REFRESH_S = 1.0


class Display:
    """A block of lines redrawn in place on a terminal; elsewhere, one line per change."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = bool(getattr(out, "isatty", lambda: False)())
        self.drawn = 0

    def show(self, lines: list[str]) -> None:
        if not self.tty:
            return
        if self.drawn:
            self.out.write(f"\x1b[{self.drawn}F\x1b[J")
        self.out.write("\n".join(line[:160] for line in lines) + "\n")
        self.out.flush()
        self.drawn = len(lines)

    def say(self, line: str) -> None:
        """A line kept above the live block (or printed as it is when not a terminal)."""
        if self.tty and self.drawn:
            self.out.write(f"\x1b[{self.drawn}F\x1b[J")
            self.drawn = 0
        print(line, file=self.out, flush=True)


def _bar(done: float, total: float) -> str:
    filled = int(BAR * min(max(done / total, 0.0), 1.0)) if total > 0 else BAR
    return f"[{'#' * filled}{'-' * (BAR - filled)}]"


def _clock(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def describe(entry: health.Entry) -> str:
    """One line of an entry's latest figures."""
    s = entry.sample
    parts = [f"{s.environment} seq {entry.seq} at {s.taken_at[11:19]}"]
    if entry.window is not None:
        w = entry.window
        rate = f"{w.error_rate:.2%}" if w.error_rate is not None else f"n/a ({w.transactions} tx)"
        parts.append(f"error rate {rate}, deadlocks {w.deadlocks}")
    menu = s.menu.get("menu")
    if menu is not None:
        parts.append(f"menu p50 {menu.p50_ms:.2f} ms p95 {menu.p95_ms:.2f} ms")
    if s.activity is not None:
        parts.append(
            f"{s.activity.active} active, {s.activity.idle_in_transaction} idle in tx, "
            f"{s.activity.lock_waits} lock waits"
        )
    tripped = [t.trigger for t in entry.tripped]
    if entry.window is None:
        parts.append("recorded (no window of this database is open)")
    else:
        parts.append(
            ("TRIPPED: " + ", ".join(tripped)) if tripped else f"healthy over {entry.window.hours:.2f} h"
        )
    return " · ".join(parts)


def run_watch(
    guard: Guard,
    interval_min: float,
    out: TextIO = sys.stdout,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Sample until the watch window ends: exit 0 when nothing tripped over the watch, 2 when a trigger
    did (its ROLLBACK RECOMMENDED line is in the log), 1 when there is nothing to watch."""
    display = Display(out)
    problem = guard.tampered(ENVIRONMENTS)
    if problem is not None:
        print(
            f"menuca-migrate watch: refused: the journal failed its verification ({problem}); run "
            "`menuca-migrate verify-log`",
            file=sys.stderr,
        )
        return 1
    phase = health.watch_phase(guard)
    if phase.phase in ("none", "ended"):
        print(f"menuca-migrate watch: {phase.message}", file=sys.stderr)
        return 1 if phase.phase == "none" else _verdict(guard, display)
    state = guard.load_state()
    display.say(
        f"watching run {state.run_id} every {interval_min:g} min (Ctrl-C stops watching; it changes nothing "
        f"else); figures go to the journal and {guard.settings.run_dir / EXECUTION_LOG}"
    )
    latest: dict[Env, str] = {}
    interval_s = interval_min * 60
    while True:
        state = guard.load_state()
        phase = health.watch_phase(guard, state)
        if phase.phase == "none":
            display.say(f"stopped: {phase.message}")
            return 1
        final = phase.phase == "ended"
        for env in ENVIRONMENTS:
            if health.busy(state, env):
                latest[env] = f"{env}: a ticket is running on it; not sampled this time"
                continue
            try:
                entry = health.record_sample(guard, env, "watch", state=state)
            except health.SampleFailed as exc:
                latest[env] = f"{env}: NOT SAMPLED: {exc}"
                display.say(latest[env])
                continue
            latest[env] = describe(entry)
            display.say(latest[env])
            for trigger in entry.tripped:
                if entry.window is not None and entry.window.kind == "watch":
                    display.say(
                        f"ROLLBACK RECOMMENDED: {trigger.trigger} — {trigger.figure} — {trigger.points_to}"
                    )
        if final:
            return _verdict(guard, display)
        began = time.monotonic()
        wait = interval_s if phase.seconds_left is None else min(interval_s, max(phase.seconds_left, 0.0))
        while (elapsed := time.monotonic() - began) < wait:
            left = (phase.seconds_left - elapsed) if phase.seconds_left is not None else None
            header = phase.message
            if left is not None and phase.window_s:
                header += f"  {_bar(phase.window_s - left, phase.window_s)} {_clock(left)} left"
            display.show([header, *latest.values(), f"next sample in {_clock(wait - elapsed)}"])
            sleep(min(REFRESH_S, wait - elapsed))


def _verdict(guard: Guard, display: Display) -> int:
    status = guard.status()
    watch = status.watch
    if watch is None:
        display.say("the watch has not started (ticket 10 is not COMPLETE)")
        return 1
    if watch.healthy:
        display.say(
            f"the production watch ended: healthy over {watch.window_hours:g} h ({watch.samples} samples)"
        )
        return 0
    display.say(
        "the production watch ended UNHEALTHY: "
        + "; ".join(f"{t.trigger} {t.figure} → {t.points_to}" for t in watch.triggers)
        + f" (see ROLLBACK RECOMMENDED in {EXECUTION_LOG})"
    )
    return 2
