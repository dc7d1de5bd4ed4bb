"""Sidecar files: a large list of a journaled result or record (the RLS test matrix, the policies a
step left) is kept beside the journal in a file named by its sha256, which the entry records and
verification checks, so that entries stay lean and reading the whole journal stays cheap."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

SIDECAR_DIR = "sidecars"
MAX_INLINE = 16 * 1024


def _encode(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _path(run_dir: Path, digest: str) -> Path:
    return run_dir / SIDECAR_DIR / f"{digest}.json"


def _write(run_dir: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    path = _path(run_dir, digest)
    if not path.exists():
        path.parent.mkdir(mode=0o700, exist_ok=True)
        partial = path.with_suffix(".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
    return digest


def _lean(run_dir: Path, value: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The mapping with each large list moved to a sidecar (left as [] in place), and the references."""
    refs: dict[str, str] = {}
    for name, item in value.items():
        if isinstance(item, list) and len(data := _encode(item)) > MAX_INLINE:
            refs[name] = _write(run_dir, data)
    return {**value, **{name: [] for name in refs}}, refs


def store(run_dir: Path, body: dict[str, Any]) -> dict[str, Any]:
    """The entry body with the large lists of details.result (refs in details.sidecars) and of
    details.record (refs in the record's own `sidecars`) moved to sidecar files."""
    details = body.get("details")
    if not isinstance(details, dict):
        return body
    lean = dict(details)
    if isinstance(details.get("result"), dict):
        lean["result"], refs = _lean(run_dir, details["result"])
        if refs:
            lean["sidecars"] = refs
    if isinstance(details.get("record"), dict):
        record, refs = _lean(run_dir, details["record"])
        lean["record"] = {**record, "sidecars": refs} if refs else record
    return {**body, "details": lean}


def references(event: dict[str, Any]) -> dict[str, str]:
    """Every sidecar an entry refers to, by the value it holds (result.<name>, record.<name>)."""
    details = event.get("details")
    if not isinstance(details, dict):
        return {}
    record = details.get("record")
    found = {f"result.{k}": str(v) for k, v in (details.get("sidecars") or {}).items()}
    if isinstance(record, dict):
        found |= {f"record.{k}": str(v) for k, v in (record.get("sidecars") or {}).items()}
    return found


def problem(run_dir: Path, event: dict[str, Any]) -> str | None:
    """Why a sidecar the entry refers to cannot be trusted (None: all are there, as recorded)."""
    for name, digest in references(event).items():
        path = _path(run_dir, str(digest))
        try:
            matches = _HASHED.matches(path, str(digest))
        except OSError:
            return f"its sidecar file {path.name} ({name}) is missing"
        if not matches:
            return f"its sidecar file {path.name} ({name}) does not match its sha256 (edited)"
    return None


class _Hashed:
    """The files whose sha256 was found equal to their name, by what stat says of them then: device,
    inode, size, and the modification and change times in nanoseconds. Any write or rename changes one
    of these, and a process cannot set the change time back (only the clock can), so a file that stats
    the same still holds the bytes that were hashed; any other is read and hashed again. File times
    tick coarsely (a few ms), so a file changed in the last RACY_NS is not kept: a write within the same
    tick as the one hashed would stat the same (git's "racy" index entries)."""

    RACY_NS = 2_000_000_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[Path, tuple[int, int, int, int, int]] = {}

    def matches(self, path: Path, digest: str) -> bool:
        st = os.stat(path)
        seen = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        with self._lock:
            if self._known.get(path) == seen:
                return True
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            return False
        after = os.stat(path)  # unchanged while it was read: what was hashed is what stat describes
        settled = time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > self.RACY_NS
        if (
            settled
            and (after.st_dev, after.st_ino, after.st_size, after.st_mtime_ns, after.st_ctime_ns) == seen
        ):
            with self._lock:
                self._known[path] = seen
        return True


_HASHED = _Hashed()


def inflate(run_dir: Path, result: dict[str, Any], refs: dict[str, str] | None) -> dict[str, Any]:
    """A journaled result (or record) with its sidecar values back in place (verified by sha256 first)."""
    if not refs:
        return result
    full = {k: v for k, v in result.items() if k != "sidecars"}  # no result or record field has that name
    for name, digest in refs.items():
        data = _path(run_dir, digest).read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise ValueError(f"sidecar {digest} does not match its sha256")
        full[name] = json.loads(data)
    return full
