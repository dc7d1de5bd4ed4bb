"""Sidecar files: a large value of a journaled result (the RLS test matrix, about 100 KB) is kept beside
the journal in a file named by its sha256, which the entry records and verification checks, so that
entries stay lean and reading the whole journal at every call stays cheap."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

SIDECAR_DIR = "sidecars"
MAX_INLINE = 16 * 1024


def _encode(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _path(run_dir: Path, digest: str) -> Path:
    return run_dir / SIDECAR_DIR / f"{digest}.json"


def store(run_dir: Path, body: dict[str, Any]) -> dict[str, Any]:
    """The entry body with each large list of details.result moved to a sidecar (left as [] in place)."""
    details = body.get("details")
    result = details.get("result") if isinstance(details, dict) else None
    if not isinstance(result, dict):
        return body
    refs: dict[str, str] = {}
    for name, value in result.items():
        if not isinstance(value, list):
            continue
        data = _encode(value)
        if len(data) <= MAX_INLINE:
            continue
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
        refs[name] = digest
    if not refs:
        return body
    lean = {**result, **{name: [] for name in refs}}
    assert isinstance(details, dict)  # result was found inside it
    return {**body, "details": {**details, "result": lean, "sidecars": refs}}


def problem(run_dir: Path, event: dict[str, Any]) -> str | None:
    """Why a sidecar the entry refers to cannot be trusted (None: all are there, as recorded)."""
    details = event.get("details")
    refs = details.get("sidecars") if isinstance(details, dict) else None
    for name, digest in (refs or {}).items():
        path = _path(run_dir, str(digest))
        try:
            data = path.read_bytes()
        except OSError:
            return f"its sidecar file {path.name} ({name}) is missing"
        if hashlib.sha256(data).hexdigest() != digest:
            return f"its sidecar file {path.name} ({name}) does not match its sha256 (edited)"
    return None


def inflate(run_dir: Path, result: dict[str, Any], refs: dict[str, str] | None) -> dict[str, Any]:
    """A journaled result with its sidecar values back in place (verified by sha256 first)."""
    if not refs:
        return result
    full = dict(result)
    for name, digest in refs.items():
        data = _path(run_dir, digest).read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise ValueError(f"sidecar {digest} does not match its sha256")
        full[name] = json.loads(data)
    return full
