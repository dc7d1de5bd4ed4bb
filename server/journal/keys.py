"""The journal key: 32 random bytes per run directory, kept outside it (mode 0600 in a 0700 directory),
so that whoever can write the run directory but cannot read the key can neither forge nor re-chain an
entry (SPEC.md §3, §7)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from server.errors import JournalError
from server.settings import default_key_file, key_file_problem

__all__ = ["create_key", "default_key_file", "journal_id", "key_file_problem", "load_key", "sign"]

KEY_BYTES = 32


def load_key(key_file: Path) -> bytes | None:
    """The key, or None when the file does not exist."""
    try:
        key = key_file.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise JournalError(f"the journal key file {key_file} cannot be read ({exc.strerror})") from exc
    if len(key) != KEY_BYTES:
        raise JournalError(f"the journal key file {key_file} does not hold a {KEY_BYTES}-byte key")
    return key


def create_key(key_file: Path) -> bytes:
    """A new key, written once (never over an existing file) with mode 0600 in 0700 directories."""
    try:
        key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key_file.parent.chmod(0o700)
    except OSError as exc:
        raise JournalError(
            f"cannot create the directory of the journal key file {key_file} ({exc.strerror})"
        ) from exc
    key = secrets.token_bytes(KEY_BYTES)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        existing = load_key(key_file)
        assert existing is not None
        return existing  # another process created it first: that one is the key
    except OSError as exc:
        raise JournalError(f"cannot create the journal key file {key_file} ({exc.strerror})") from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    return key


def sign(key: bytes, prev_hash: str, canonical: bytes) -> str:
    """An entry's hash: HMAC-SHA256 over the previous entry's hash and the canonical event."""
    return hmac.digest(key, prev_hash.encode() + b"\n" + canonical, "sha256").hex()


def journal_id(key: bytes) -> str:
    """A public name of the journal a key signs: its database anchors carry it, so anchors of another run
    directory's journal on the same database are told apart (and rows with no name are checked as ours)."""
    return hmac.new(key, b"menuca-migrate journal id", hashlib.sha256).hexdigest()[:32]
