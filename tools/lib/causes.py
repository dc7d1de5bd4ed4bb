"""Why a step stopped, named from the error itself (its SQLSTATE, or the text a child process wrote), with
what to do about it: a statement timeout is not a bad policy, a lock is not a schema problem."""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from typing import Literal

import psycopg

from server.errors import NotConfigured

Kind = Literal[
    "timeout",
    "lock",
    "deadlock",
    "cancelled",
    "permission",
    "read_only",
    "connection",
    "resources",
    "schema",
    "policy",
    "data",
    "unexpected",
]
# Causes that lie in the database's surroundings (settings, other sessions, the server), not in what
# the step or its SQL files do: advice about policies or mappings would be wrong for these.
ENVIRONMENTAL: frozenset[Kind] = frozenset(
    {"timeout", "lock", "deadlock", "cancelled", "permission", "read_only", "connection", "resources"}
)


@dataclass(frozen=True)
class Cause:
    """What stopped a step: its kind, the database's own words, what that means, and what to do."""

    kind: Kind
    detail: str  # SQLSTATE and primary message, or the child's error line
    explanation: str
    fix: str

    @property
    def environmental(self) -> bool:
        return self.kind in ENVIRONMENTAL

    def sentence(self, then: str) -> str:
        """One sentence for a summary: what happened, the database's words, what to do, then `then`."""
        return f"{self.explanation} ({self.detail}): {self.fix}; then {then}"


_TIMEOUT_FIX = (
    "statement_timeout comes from the DSN's options, the role or the database (ALTER ROLE/DATABASE … SET "
    "statement_timeout): remove it or raise it for the server's sessions (for example options=-c "
    "statement_timeout=0)"
)
_LOCK_FIX = (
    "find the session holding the lock (pg_stat_activity, pg_locks) and let it finish or end it; if "
    "lock_timeout comes from the DSN's options, the role or the database, raise it"
)
_READ_ONLY_FIX = (
    "point the DSN at the writable primary, or turn default_transaction_read_only off (remove it from the "
    "DSN's options; ALTER ROLE/DATABASE … SET default_transaction_read_only = off)"
)
_CONNECTION_FIX = (
    "check that the server is up and reachable (pg_isready); the server rolled back any open transaction "
    "(a COMMIT in flight may or may not have happened: the tools re-check the database's real state)"
)
_SCHEMA_FIX = (
    "the database's schema no longer matches what the tools use (renamed or dropped after preflight): "
    "restore it, or roll back"
)


def _permission_fix(message: str) -> str:
    if match := re.search(r"permission denied for database (\S+)", message):
        return (
            f"a superuser or the owner of database {match.group(1)} must run GRANT CREATE ON DATABASE "
            f"{match.group(1)} TO the DSN's role (the server keeps its bookkeeping in schema menuca_migrate)"
        )
    if match := re.search(r"permission denied for schema (\S+)", message):
        return f"grant the DSN's role USAGE and CREATE on schema {match.group(1)}"
    if "permission denied to create database" in message:
        return "give the DSN's role CREATEDB (ALTER ROLE … CREATEDB), which the scratch-restore check needs"
    if "must be owner" in message:
        return "run the server as the role that owns the menuca_v3 objects (or make it their owner)"
    if "must be member of role" in message:
        return "grant the DSN's role membership in the role the message names"
    return "grant the DSN's role the privilege the message names"


def _from_sqlstate(sqlstate: str, message: str) -> tuple[Kind, str, str]:
    if sqlstate == "57014":
        if "statement timeout" in message:
            return "timeout", "a statement ran longer than statement_timeout and was cancelled", _TIMEOUT_FIX
        if "lock timeout" in message:
            return "lock", "a lock was not granted within lock_timeout", _LOCK_FIX
        return (
            "cancelled",
            "another session cancelled the statement (pg_cancel_backend)",
            "find out who cancelled it and why (the DBA may want the server's work stopped)",
        )
    if sqlstate == "25P03":
        return (
            "timeout",
            "the session stayed idle in a transaction longer than idle_in_transaction_session_timeout",
            "remove or raise idle_in_transaction_session_timeout for the server's role or database",
        )
    if sqlstate == "55P03":
        return "lock", "another session held a lock longer than lock_timeout allowed", _LOCK_FIX
    if sqlstate in ("40P01", "40001"):
        return (
            "deadlock",
            "the step's transaction collided with another session's (deadlock or serialization failure)",
            "it was rolled back; find the other session's work in pg_stat_activity",
        )
    if sqlstate == "42501" and "row-level security" in message:  # the same SQLSTATE, but a policy's doing
        return "policy", "a row-level security policy refused the statement", "look at that table's policies"
    if sqlstate == "42501":
        return "permission", "the DSN's role lacks a privilege", _permission_fix(message)
    if sqlstate in ("25006", "25P04") or "read-only transaction" in message:
        return "read_only", "the database accepts no writes (read-only)", _READ_ONLY_FIX
    if sqlstate.startswith("08") or sqlstate in ("57P01", "57P02", "57P03", "57P05"):
        return (
            "connection",
            "the connection to the database was lost (the server stopped, restarted or ended the session)",
            _CONNECTION_FIX,
        )
    if sqlstate.startswith("53"):
        return (
            "resources",
            "the database server ran out of a resource (disk, memory or connections)",
            "free the resource the message names on the database server",
        )
    if sqlstate in ("42P01", "42703", "42883", "3F000", "42704"):
        return "schema", "an object the step uses does not exist", _SCHEMA_FIX
    if sqlstate.startswith("22") or sqlstate.startswith("23"):
        return (
            "data",
            "the data violates a type or a constraint the step relies on",
            "look at the message: fix the data (or roll back)",
        )
    if sqlstate.startswith("58") or sqlstate == "XX000":
        return (
            "resources",
            "the database server reported an internal or I/O error",
            "have a DBA look at the server's log",
        )
    return "unexpected", "the database refused a statement", "look at the message"


_TEXT_PATTERNS: tuple[tuple[str, str], ...] = (
    ("statement timeout", "57014"),
    ("lock timeout", "55P03"),
    ("could not obtain lock", "55P03"),
    ("deadlock detected", "40P01"),
    ("read-only transaction", "25006"),
    ("permission denied", "42501"),
    ("must be owner", "42501"),
    ("must be member of role", "42501"),
    ("server closed the connection", "08006"),
    ("terminating connection", "57P01"),
    ("could not connect", "08006"),
    ("connection refused", "08006"),
    ("connection to server", "08006"),
    ("no space left on device", "53100"),
    ("out of memory", "53200"),
    ("does not exist", "42P01"),
)


def cause_of_text(text: str) -> Cause:
    """The cause of a child process's failure (pg_dump, pg_restore, psql), from the lines it wrote."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()] or lines
    detail = errors[-1][:300] if errors else "no message"
    lowered = text.lower()
    for pattern, sqlstate in _TEXT_PATTERNS:
        if pattern in lowered:
            kind, explanation, fix = _from_sqlstate(sqlstate, lowered)
            return Cause(kind, detail, explanation, fix)
    return Cause("unexpected", detail, "the client program failed", "look at its message")


def cause_of(exc: BaseException) -> Cause:
    """The cause of an exception a step raised."""
    if isinstance(exc, psycopg.Error):
        message = (exc.diag.message_primary if exc.diag else None) or _first_line(exc)
        sqlstate = exc.sqlstate or ""
        if not sqlstate and isinstance(exc, psycopg.OperationalError):
            sqlstate = "08006"  # libpq lost the connection: no SQLSTATE came back
        kind, explanation, fix = _from_sqlstate(sqlstate, message)
        return Cause(kind, f"{exc.sqlstate or 'no SQLSTATE'} {message}".strip(), explanation, fix)
    if isinstance(exc, NotConfigured):
        return Cause(
            "connection",
            _first_line(exc),
            "the database could not be reached",
            "check the DSN and that the server is up",
        )
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return Cause(
                "resources",
                _first_line(exc),
                "the disk of the run directory is full",
                "free space there (backups need room for a dump)",
            )
        return Cause(
            "unexpected",
            _first_line(exc),
            "a file could not be read or written",
            "check the run directory and the paths named",
        )
    if isinstance(exc, TimeoutError):
        return Cause(
            "timeout",
            _first_line(exc),
            "a client program took longer than its time limit",
            "look at what it waited for (locks, a slow disk)",
        )
    return Cause(
        "unexpected",
        f"{type(exc).__name__}: {_first_line(exc)}",
        "the step stopped with an unexpected error",
        "look at the server's log (stderr) for the traceback",
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
