"""Names and encodings shared by the journal and the execution log."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

JOURNAL = "journal.jsonl"
TORN = "journal.torn"
EXECUTION_LOG = "EXECUTION_LOG.md"
LOCK = ".journal.lock"
GENESIS = "0" * 64

from server.journal.template import LOG_HEADER as LOG_HEADER  # noqa: E402 - re-exported: the header lives there


def utc_now(clock: Callable[[], datetime] | None = None) -> str:
    now = clock() if clock else datetime.now(UTC)
    return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical(event: dict[str, Any]) -> bytes:
    """The bytes an entry's HMAC covers: every field but the hash, keys sorted, compact, with line and
    paragraph separators escaped (so that one entry is one line for any reader). The journal writes
    each entry as exactly these bytes followed by its hash, so verification needs no re-encoding."""
    body = {k: v for k, v in event.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


HASH_SUFFIX = len(',"hash":""}') + 64


def entry_line(body: bytes, digest: str) -> bytes:
    """One journal line: the canonical body with its hash as the last field."""
    return body[:-1] + b',"hash":"' + digest.encode() + b'"}\n'


def signed_part(line: bytes) -> bytes | None:
    """The canonical body a journal line's hash covers (None: the line is not in the written form)."""
    if len(line) <= HASH_SUFFIX or not line.endswith(b'"}') or line[-HASH_SUFFIX:-66] != b',"hash":"':
        return None
    return line[:-HASH_SUFFIX] + b"}"
