"""What a failed, killed or abandoned backup verification or full restore may leave behind (a
`menuca_verify_*` scratch database full of personal data, an unverified dump, a restore script), named
so that the run and environment that made it can find and remove it: the next call of that ticket, a
rollback and `abandon` all do (SPEC.md §6)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from server import db
from server.runbook import Env

SCRATCH_PREFIX = "menuca_verify_"
_MAX_IDENTIFIER = 63
_TOKEN_HEX = 8
DROP_ATTEMPTS = 3
DROP_RETRY_S = 1.0


@dataclass
class Cleanup:
    """What was removed, and what could not be (with why and what to do)."""

    removed: list[str] = field(default_factory=list)
    not_removed: list[str] = field(default_factory=list)

    def extend(self, other: Cleanup) -> None:
        self.removed += other.removed
        self.not_removed += other.not_removed

    def sentence(self) -> str:
        """One sentence for a summary ("" when there was nothing to remove)."""
        parts = []
        if self.removed:
            parts.append(f"removed what interrupted work had left: {'; '.join(self.removed)}")
        if self.not_removed:
            parts.append(f"could NOT remove: {'; '.join(self.not_removed)}")
        text = "; ".join(parts)
        return f"{text[0].upper()}{text[1:]}." if text else ""


def scratch_prefix(run_id: str, environment: Env) -> str:
    """menuca_verify_<run>_<environment>_: every scratch database of that run and environment."""
    run = re.sub(r"[^a-z0-9]+", "_", run_id.lower()).strip("_")
    room = _MAX_IDENTIFIER - len(SCRATCH_PREFIX) - len(environment) - 2 - _TOKEN_HEX
    return f"{SCRATCH_PREFIX}{run[-room:]}_{environment}_"


def scratch_name(run_id: str, environment: Env) -> str:
    return scratch_prefix(run_id, environment) + secrets.token_hex(_TOKEN_HEX // 2)


def create_scratch(conn: db.Conn, name: str) -> None:
    db.query_all(conn, db.sql_file("backup/create_scratch.sql").format(name=sql.Identifier(name)))


def drop_scratch(conn: db.Conn, name: str) -> str | None:
    """Drop one scratch database; None when it is gone, else why it could not be dropped. FORCE ends
    the sessions left on it, but may not end another role's (an autovacuum worker the restore woke):
    then it is dropped without FORCE, which ends autovacuum itself. Either waits at most 5 s for
    sessions to exit; on a loaded server a restore's backend can take longer, so "being accessed by
    other users" is tried again, DROP_ATTEMPTS times in all."""
    force = db.sql_file("backup/drop_scratch.sql").format(name=sql.Identifier(name))
    plain = db.sql_file("backup/drop_scratch_plain.sql").format(name=sql.Identifier(name))
    statement, in_use = force, "in use"
    for _ in range(DROP_ATTEMPTS + 1):  # + 1: the switch to a drop without FORCE
        try:
            db.query_all(conn, statement)
            return None
        except psycopg.errors.InsufficientPrivilege as exc:
            if statement is plain:
                return exc.diag.message_primary or type(exc).__name__
            statement = plain
            continue  # at once, without FORCE
        except psycopg.errors.ObjectInUse as exc:
            in_use = exc.diag.message_primary or type(exc).__name__
        except psycopg.Error as exc:
            return exc.diag.message_primary or type(exc).__name__
        time.sleep(DROP_RETRY_S)
    return f"{in_use} ({DROP_ATTEMPTS} attempts)"


def remove_scratch_databases(conn: db.Conn, run_id: str, environment: Env) -> Cleanup:
    """Drop every scratch database this run made on this environment's server (autocommit session)."""
    done = Cleanup()
    rows = db.query_all(
        conn, db.sql_file("backup/scratch_databases.sql"), {"prefix": scratch_prefix(run_id, environment)}
    )
    for row in rows:
        name = str(row["name"])
        problem = drop_scratch(conn, name) if row["droppable"] else "the role does not own it"
        if problem is None:
            done.removed.append(f"scratch database {name}")
        else:
            done.not_removed.append(f"scratch database {name} ({problem}): a DBA must DROP DATABASE {name}")
    return done


def remove_unverified_files(backups: Path, run_id: str, environment: Env, keep: Iterable[str]) -> Cleanup:
    """Remove this run's files of that environment that are not a verified backup: archives of attempts
    that never finished verifying (they hold personal data) and full-restore scripts."""
    done = Cleanup()
    kept = set(keep)
    if not backups.is_dir():
        return done
    for leftover in sorted(backups.glob(f"{environment}-{run_id}-*")):
        if str(leftover) in kept:
            continue
        try:
            leftover.unlink()
            kind = "restore script" if leftover.name.endswith(".sql") else "unverified dump"
            done.removed.append(f"{kind} {leftover.name}")
        except FileNotFoundError:
            continue
        except OSError as exc:
            done.not_removed.append(f"{leftover} ({exc.strerror}): remove it by hand")
    return done


def remove_leftovers(
    conn: db.Conn | None, backups: Path, run_id: str, environment: Env, keep: Iterable[str]
) -> Cleanup:
    """Both kinds for one run and environment; conn None (the database unreachable) reports the scratch
    databases as not checked."""
    done = remove_unverified_files(backups, run_id, environment, keep)
    if conn is None:
        done.not_removed.append(
            f"scratch databases {scratch_prefix(run_id, environment)}* on {environment} (the database was "
            "unreachable): the next backup or rollback call removes them, or a DBA drops them"
        )
        return done
    try:
        done.extend(remove_scratch_databases(conn, run_id, environment))
    except psycopg.Error as exc:
        done.not_removed.append(
            f"scratch databases {scratch_prefix(run_id, environment)}* on {environment} "
            f"({exc.diag.message_primary or type(exc).__name__})"
        )
    return done
