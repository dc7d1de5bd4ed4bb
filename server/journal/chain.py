"""The append-only journal (journal.jsonl): every entry chained to the one before by an HMAC keyed with
the run directory's key, written under an exclusive lock together with its EXECUTION_LOG.md block and,
for the entries that move the run, its database anchors (SPEC.md §7)."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from server.errors import JournalError
from server.journal import execlog, keys, sidecar
from server.journal.common import (
    EXECUTION_LOG,
    GENESIS,
    JOURNAL,
    LOCK,
    LOG_HEADER,
    TORN,
    canonical,
    entry_line,
    signed_part,
    utc_now,
)
from server.log import get_logger
from server.runbook import ENVIRONMENTS, EventKind
from server.settings import scrub

log = get_logger(__name__)

Event = dict[str, Any]
# The entries that move the run are also anchored in the database they concern, and so are the health
# samples (the soak and the watch are measured on the sampled database's clock) and sign-offs.
ANCHORED_KINDS = frozenset(
    {
        EventKind.STARTED,
        EventKind.PASSED,
        EventKind.FAILED,
        EventKind.ROLLED_BACK,
        EventKind.APPROVED,
        EventKind.HEALTH,
        EventKind.SIGNED_OFF,
    }
)
# (event, journal id) -> {database: why its anchor could not be written}; empty when all were written
AnchorWriter = Callable[[Event, str], dict[str, str]]


def anchor_envs(event: Event) -> tuple[str, ...]:
    """The databases an entry is anchored in: its environment's, or both (ticket 00, approvals)."""
    if event.get("event") not in ANCHORED_KINDS:
        return ()
    environment = event.get("environment")
    if environment in ENVIRONMENTS and event.get("event") != EventKind.APPROVED:
        return (str(environment),)
    return ENVIRONMENTS


@dataclass
class JournalRead:
    events: list[Event] = field(default_factory=list)
    lines: list[bytes] = field(default_factory=list)  # each event's line as written (for its HMAC)
    torn: str | None = None  # an incomplete last line (a crash mid-append), ignored by readers
    bad_line: int | None = None  # a complete line that is not JSON: tampering, not a crash


@dataclass
class VerifyReport:
    """The journal's verification: `tampering` first problem first; a torn last line is a crash, not
    tampering (readers ignore it, the next append moves it aside), but verify-log names it too."""

    entries: int
    tampering: list[str]
    torn: str | None = None

    @property
    def problems(self) -> list[str]:
        torn = (
            [f"incomplete last line after seq {self.entries} ({len(self.torn)} characters)"]
            if self.torn
            else []
        )
        return self.tampering + torn

    @property
    def ok(self) -> bool:
        return not self.problems


class Journal:
    """One run directory's journal and execution log."""

    def __init__(
        self,
        run_dir: Path,
        secrets: list[str] | None = None,
        clock: Callable[[], datetime] | None = None,
        key_file: Path | None = None,
        anchor: AnchorWriter | None = None,
    ) -> None:
        self.run_dir = run_dir
        self.clock = clock
        self.path = run_dir / JOURNAL
        self.log_path = run_dir / EXECUTION_LOG
        self.secrets = secrets or []
        self.key_file = key_file or keys.default_key_file(run_dir)
        self.anchor = anchor

    # -- reading -------------------------------------------------------------------------------------

    def read(self) -> JournalRead:
        """The whole journal as it is on disk now (read in full at every call)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return JournalRead()
        except OSError as exc:
            raise JournalError(
                f"the run directory {self.run_dir} is not usable: cannot read {self.path} ({exc.strerror}); "
                "set MENUCA_RUN_DIR or --run-dir to a directory you can write"
            ) from exc
        return _PARSED.parse(self.path, raw)

    def events(self) -> list[Event]:
        """The complete entries (what the run state is folded from); verify() says whether to trust them."""
        read = self.read()
        if read.torn is not None:
            log.warning(
                "journal has an incomplete last line (ignored)", path=str(self.path), chars=len(read.torn)
            )
        return read.events

    def key(self) -> bytes | None:
        return keys.load_key(self.key_file)

    def journal_id(self) -> str | None:
        key = self.key()
        return keys.journal_id(key) if key is not None else None

    # -- appending -----------------------------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """The journal's exclusive lock (also serialises EXECUTION_LOG.md writes)."""
        try:
            self.run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # private: it holds personal data
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
        precondition: Callable[[list[Event]], object] | None = None,
    ) -> Event:
        """Append one event chained to the last complete entry, with its anchors and log block.
        `precondition` sees the events under the lock and raises to stop the append."""
        with self.locked():
            read = self._repair_torn_locked()
            if read.bad_line is not None:
                raise JournalError(
                    f"{self.path} line {read.bad_line} is not valid JSON: refusing to chain to an edited "
                    "journal; the operator must run `menuca-migrate verify-log`"
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

    def _signing_key(self, read: JournalRead) -> bytes:
        key = self.key()
        if key is not None:
            return key
        if read.events:
            raise JournalError(
                f"the journal key file {self.key_file} is missing, so no entry can be added to "
                f"{self.path}: the operator must restore it (or run `menuca-migrate verify-log`)"
            )
        return keys.create_key(self.key_file)  # the run directory's first entry creates its key

    def _repair_torn_locked(self) -> JournalRead:
        read = self.read()
        if read.torn is None:
            return read
        with _private_append(self.run_dir / TORN) as torn:
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

    def _write_locked(self, read: JournalRead, body: Event) -> Event:
        key = self._signing_key(read)
        last = read.events[-1] if read.events else None
        event: Event = {
            "seq": (int(last["seq"]) + 1) if last else 1,
            "ts": utc_now(self.clock),
            **sidecar.store(self.run_dir, body),
            "prev_hash": last["hash"] if last else GENESIS,
        }
        signed = canonical(event)
        event["hash"] = keys.sign(key, event["prev_hash"], signed)
        if self.anchor is not None and anchor_envs(event):
            failed = self.anchor(event, keys.journal_id(key))
            if failed:  # recorded in the entry itself: such an entry is exempt from the anchor check
                event["anchor_error"] = failed
                # the rows written for the other databases hold the hash signed before this: the entry
                # keeps it, signed with the rest, for the anchor check to compare with
                event["anchored_hash"] = event.pop("hash")
                signed = canonical(event)
                event["hash"] = keys.sign(key, event["prev_hash"], signed)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, entry_line(signed, event["hash"]))
            os.fsync(fd)
        finally:
            os.close(fd)
        return event

    def _log_locked(self, text: str, event: Event) -> None:
        new = not self.log_path.exists()
        block = scrub(text.rstrip("\n"), self.secrets)
        with _private_append(self.log_path) as handle:
            if new:
                handle.write(LOG_HEADER)
            handle.write(f"\n{block}\n{execlog.head_line(event['seq'], event['hash'])}\n")
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

    def verify(self, read: JournalRead | None = None, *, with_log: bool = True) -> VerifyReport:
        """The keyed chain and the sidecar files entries refer to (and, for `verify-log`, the journal-head
        and completion lines of EXECUTION_LOG.md), of `read` or of the journal as it is now. The database
        anchors are the engine's to check."""
        read = read or self.read()
        report = VerifyReport(entries=len(read.events), tampering=[], torn=read.torn)
        if read.bad_line is not None:
            report.tampering.append(f"journal.jsonl line {read.bad_line} is not valid JSON (edited)")
        key = self.key() if read.events else None
        if read.events and key is None:
            report.tampering.append(
                f"the journal key file {self.key_file} is missing: the journal cannot be verified (restore the "
                "key file; without it no entry can be trusted)"
            )
            return report
        start, prev, referring = _VERIFIED.resume(self.path, read, key)
        pairs = zip(read.events[start:], read.lines[start:], strict=True)
        for index, (event, line) in enumerate(pairs, start=start + 1):  # a verified prefix is skipped
            seq = event.get("seq")
            problem = None
            signed = signed_part(line)
            if seq != index:
                problem = f"entry {index}: seq is {seq}, expected {index} (an entry was deleted or moved)"
            elif event.get("prev_hash") != prev:
                problem = (
                    f"entry seq {seq}: prev_hash does not chain to entry {index - 1} (reordered or removed)"
                )
            elif key is not None and (signed is None or keys.sign(key, prev, signed) != event.get("hash")):
                problem = (
                    f"entry seq {seq}: its HMAC does not match its content (edited, forged or re-chained)"
                )
            if problem:
                report.tampering.append(problem)
                break
            prev = str(event["hash"])
        else:
            referring += [i for i in range(start, len(read.events)) if sidecar.references(read.events[i])]
            _VERIFIED.remember(self.path, read, key, prev, referring)
        for index in referring if not report.tampering else ():  # sidecar files: checked every time
            event = read.events[index]
            if (missing := sidecar.problem(self.run_dir, event)) is not None:
                report.tampering.append(f"entry seq {event.get('seq')}: {missing}")
                break
        if with_log:
            report.tampering += execlog.verify_log(self.log_path, read.events)
        return report


class _Parsed:
    """The last parse of each journal, reused only for a file that still begins with exactly the same
    bytes (a memcmp, not a guess): the journal is still read in full at every call, and only what was
    appended since is parsed again. Nothing of the run state is kept: it is folded at every call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[Path, tuple[bytes, JournalRead]] = {}

    def parse(self, path: Path, raw: bytes) -> JournalRead:
        with self._lock:
            known = self._last.get(path)
        if known is not None and known[1].bad_line is None and known[1].torn is None:
            old_raw, old = known
            if raw.startswith(old_raw):
                tail = _parse(raw[len(old_raw) :])
                read = JournalRead(
                    events=old.events + tail.events,
                    lines=old.lines + tail.lines,
                    torn=tail.torn,
                    bad_line=tail.bad_line + len(old.lines) if tail.bad_line else None,
                )
                self._keep(path, raw, read)
                return JournalRead(list(read.events), list(read.lines), read.torn, read.bad_line)
        read = _parse(raw)
        self._keep(path, raw, read)
        return JournalRead(list(read.events), list(read.lines), read.torn, read.bad_line)

    def _keep(self, path: Path, raw: bytes, read: JournalRead) -> None:
        with self._lock:
            self._last[path] = (raw, read)


class _Verified:
    """How far each journal's chain was verified with which key: (key, entries, their lines, head hash,
    the indexes of the entries that refer to sidecars). A later verification skips the entries whose lines
    are the very same objects of the same parse prefix (so byte-identical to what was verified) under the
    same key, and verifies the rest; the sidecar files themselves are checked at every verification
    (stat, and hashed again when it differs: sidecar._Hashed)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[Path, tuple[bytes, int, list[bytes], str, list[int]]] = {}

    def resume(self, path: Path, read: JournalRead, key: bytes | None) -> tuple[int, str, list[int]]:
        with self._lock:
            known = self._last.get(path)
        if known is None or key is None or known[0] != key or len(read.lines) < known[1]:
            return 0, GENESIS, []
        _, count, lines, head, referring = known
        if any(a is not b and a != b for a, b in zip(read.lines[:count], lines, strict=True)):
            return 0, GENESIS, []
        return count, head, list(referring)

    def remember(
        self, path: Path, read: JournalRead, key: bytes | None, head: str, referring: list[int]
    ) -> None:
        if key is not None:
            with self._lock:
                self._last[path] = (key, len(read.lines), list(read.lines), head, list(referring))


_PARSED = _Parsed()
_VERIFIED = _Verified()


def _private_append(path: Path) -> TextIO:
    """A text file opened for appending, created 0600 (the run directory's files are its owner's only)."""
    return open(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "a", encoding="utf-8")


def _parse(raw: bytes) -> JournalRead:
    read = JournalRead()
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        read.torn = lines.pop().decode(
            "utf-8", errors="replace"
        )  # no newline: the last append did not finish
    try:  # the common case, in one pass of the C decoder: every line is an object
        parsed = json.loads(b"[" + b",".join(lines) + b"]") if lines else []
    except (json.JSONDecodeError, UnicodeDecodeError):
        parsed = None
    if parsed is not None and len(parsed) == len(lines) and all(isinstance(e, dict) for e in parsed):
        read.events, read.lines = parsed, lines
        return read
    for number, line in enumerate(lines, start=1):
        try:
            event = json.loads(line) if line.strip() else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            event = None
        if not isinstance(event, dict):
            read.bad_line = read.bad_line or number
            continue
        read.events.append(event)
        read.lines.append(line)
    return read
