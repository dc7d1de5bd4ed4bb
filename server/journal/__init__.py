"""The append-only, hash-chained journal (journal.jsonl) and its anchors in EXECUTION_LOG.md (SPEC.md §7)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from server.errors import JournalError
from server.journal.template import LOG_HEADER as LOG_HEADER  # re-exported: the header lives there
from server.log import get_logger
from server.runbook import EventKind
from server.settings import scrub

JOURNAL = "journal.jsonl"
TORN = "journal.torn"
EXECUTION_LOG = "EXECUTION_LOG.md"
LOCK = ".journal.lock"
GENESIS = "0" * 64
ANCHOR = re.compile(r"^Journal head: seq (\d+), hash ([0-9a-f]{64})$")
COMPLETE_LINE = re.compile(r"^STATUS: COMPLETE — TICKET (\d\d) (\w+) (\w+) — ")

log = get_logger(__name__)


def utc_now(clock: Callable[[], datetime] | None = None) -> str:
    now = clock() if clock else datetime.now(UTC)
    return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical(event: dict[str, Any]) -> bytes:
    body = {k: v for k, v in event.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def event_hash(event: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


@dataclass
class JournalRead:
    events: list[dict[str, Any]] = field(default_factory=list)
    torn: str | None = None  # an incomplete last line (a crash mid-append), ignored by readers
    bad_line: int | None = None  # a complete line that is not JSON: tampering, not a crash


@dataclass
class VerifyReport:
    ok: bool
    entries: int
    problems: list[str]


class Journal:
    """One run directory's journal and execution log; every append is atomic under an exclusive lock."""

    def __init__(
        self, run_dir: Path, secrets: list[str] | None = None, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.run_dir = run_dir
        self.clock = clock
        self.path = run_dir / JOURNAL
        self.log_path = run_dir / EXECUTION_LOG
        self.secrets = secrets or []

    # -- reading -------------------------------------------------------------------------------------

    def read(self) -> JournalRead:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return JournalRead()
        except OSError as exc:
            raise JournalError(
                f"the run directory {self.run_dir} is not usable: cannot read {self.path} ({exc.strerror}); "
                "set MENUCA_RUN_DIR or --run-dir to a directory you can write"
            ) from exc
        return _parse(raw)

    def events(self) -> list[dict[str, Any]]:
        read = self.read()
        if read.torn is not None:
            log.warning(
                "journal has an incomplete last line (ignored)", path=str(self.path), chars=len(read.torn)
            )
        if read.bad_line is not None:
            raise JournalError(
                f"{self.path} line {read.bad_line} is not valid JSON: the journal was edited; run "
                "`menuca-migrate verify-log` and restore it before going on"
            )
        return read.events

    # -- appending -----------------------------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """The journal's exclusive lock (also serialises EXECUTION_LOG.md writes)."""
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.run_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise JournalError(
                f"the run directory {self.run_dir} is not writable ({exc.strerror}): set MENUCA_RUN_DIR "
                "or --run-dir to a directory you can write"
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def append(
        self,
        kind: EventKind,
        *,
        run_id: str | None,
        ticket: str | None = None,
        tool: str | None = None,
        environment: str | None = None,
        args: dict[str, Any] | None = None,
        outcome: str | None = None,
        details: dict[str, Any] | None = None,
        log_text: str | None = None,
        precondition: Callable[[list[dict[str, Any]]], object] | None = None,
    ) -> dict[str, Any]:
        """Append one event chained to the last complete entry; optionally a log block and its anchor.
        `precondition` sees the events under the lock and raises to stop the append."""
        with self.locked():
            read = self._repair_torn_locked()
            if read.bad_line is not None:
                raise JournalError(
                    f"{self.path} line {read.bad_line} is not valid JSON: refusing to chain to an edited "
                    "journal; run `menuca-migrate verify-log`"
                )
            if precondition is not None:
                precondition(read.events)
            event = self._write_locked(
                read,
                {
                    "event": str(kind),
                    "run_id": run_id,
                    "ticket": ticket,
                    "tool": tool,
                    "environment": environment,
                    "args": self._scrub(args or {}),
                    "outcome": outcome,
                    "details": self._scrub(details or {}),
                },
            )
            if log_text is not None:
                self._log_locked(log_text, event)
            return event

    def _repair_torn_locked(self) -> JournalRead:
        read = self.read()
        if read.torn is None:
            return read
        with open(self.run_dir / TORN, "a", encoding="utf-8") as torn:
            torn.write(f"{utc_now()} {read.torn}\n")
        raw = self.path.read_bytes()
        with open(self.path, "r+b") as handle:
            handle.truncate(raw.rfind(b"\n") + 1)
        self._write_locked(
            read,
            {
                "event": str(EventKind.JOURNAL_REPAIRED),
                "run_id": read.events[-1].get("run_id") if read.events else None,
                "ticket": None,
                "tool": None,
                "environment": None,
                "args": {},
                "outcome": "TORN_LINE_MOVED",
                "details": {"moved_to": TORN, "chars": len(read.torn)},
            },
        )
        return self.read()

    def _write_locked(self, read: JournalRead, body: dict[str, Any]) -> dict[str, Any]:
        last = read.events[-1] if read.events else None
        event = {
            "seq": (int(last["seq"]) + 1) if last else 1,
            "ts": utc_now(self.clock),
            **body,
            "prev_hash": last["hash"] if last else GENESIS,
        }
        event["hash"] = event_hash(event)
        line = json.dumps(event, ensure_ascii=False, default=str, separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        return event

    def _log_locked(self, text: str, event: dict[str, Any]) -> None:
        if not self.log_path.exists():
            self.log_path.write_text(LOG_HEADER, encoding="utf-8")
        block = scrub(text.rstrip("\n"), self.secrets)
        with open(self.log_path, "a", encoding="utf-8") as handle:
            handle.write(f"\n{block}\nJournal head: seq {event['seq']}, hash {event['hash']}\n")
            handle.flush()
            os.fsync(handle.fileno())

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return scrub(value, self.secrets)
        if isinstance(value, dict):
            return {k: self._scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._scrub(v) for v in value]
        return value

    # -- verification --------------------------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Check the chain, every anchor in EXECUTION_LOG.md, and the completion lines against it."""
        read = self.read()
        problems: list[str] = []
        if read.bad_line is not None:
            problems.append(f"line {read.bad_line} is not valid JSON (edited)")
        prev = GENESIS
        for index, event in enumerate(read.events, start=1):
            seq = event.get("seq")
            if seq != index:
                problems.append(
                    f"entry {index}: seq is {seq}, expected {index} (an entry was deleted or moved)"
                )
                break
            if event.get("prev_hash") != prev:
                problems.append(
                    f"entry seq {seq}: prev_hash does not chain to entry {index - 1} (reordered or removed)"
                )
                break
            if event_hash(event) != event.get("hash"):
                problems.append(f"entry seq {seq}: hash does not match its content (edited)")
                break
            prev = str(event["hash"])
        if read.torn is not None:
            problems.append(
                f"incomplete last line after seq {len(read.events)} ({len(read.torn)} characters)"
            )
        problems += self._verify_log(read.events)
        return VerifyReport(ok=not problems, entries=len(read.events), problems=problems)

    def _verify_log(self, events: list[dict[str, Any]]) -> list[str]:
        if not self.log_path.exists():
            return [f"{EXECUTION_LOG} is missing"] if events else []
        problems: list[str] = []
        by_seq = {int(e["seq"]): e for e in events if isinstance(e.get("seq"), int)}
        completions = 0
        for number, line in enumerate(self.log_path.read_text(encoding="utf-8").splitlines(), start=1):
            if COMPLETE_LINE.match(line):
                completions += 1
            anchor = ANCHOR.match(line)
            if not anchor:
                continue
            seq, digest = int(anchor.group(1)), anchor.group(2)
            if seq not in by_seq:
                problems.append(
                    f"{EXECUTION_LOG} line {number} anchors journal seq {seq}, which the journal does not "
                    "have (entries deleted)"
                )
            elif by_seq[seq].get("hash") != digest:
                problems.append(f"{EXECUTION_LOG} line {number}: journal seq {seq} does not match its anchor")
        passed = sum(1 for e in events if e.get("event") == EventKind.PASSED and e.get("tool") != "rollback")
        if completions != passed:
            problems.append(
                f"{EXECUTION_LOG} has {completions} completion lines but the journal records {passed} completions"
            )
        return problems


def _parse(raw: bytes) -> JournalRead:
    read = JournalRead()
    text = raw.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    elif lines:
        read.torn = lines.pop()  # no trailing newline: the last append did not finish
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            read.bad_line = read.bad_line or number
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            read.bad_line = read.bad_line or number
            continue
        if not isinstance(event, dict):
            read.bad_line = read.bad_line or number
            continue
        read.events.append(event)
    return read
