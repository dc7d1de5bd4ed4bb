"""Restoring a pg_dump archive into a server older than the client tools: pg_restore 17+ writes a
setting PostgreSQL 15 and 16 reject (transaction_timeout), so its script is adapted to the target."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from server.proc import ChildResult, run_child

# (the first major that knows the setting, the exact line pg_restore writes in its fixed preamble)
NEWER_SETTINGS = ((17, "SET transaction_timeout = 0;"),)


def adapt_script(script: Path, server_major: int) -> list[str]:
    """Remove from a pg_restore script the preamble lines a server of this major would reject (never
    a line of COPY data); returns the lines removed."""
    rejected = {line for major, line in NEWER_SETTINGS if server_major < major}
    if not rejected:
        return []
    kept: list[str] = []
    removed: list[str] = []
    in_copy = False
    with open(script, encoding="utf-8") as handle:
        for line in handle:
            bare = line.rstrip("\n")
            if in_copy:
                in_copy = bare != "\\."
            elif bare.startswith("COPY ") and bare.endswith(" FROM stdin;"):
                in_copy = True
            elif bare in rejected:
                removed.append(bare)
                continue
            kept.append(line)
    if removed:
        fd = os.open(script, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(kept)
    return removed


def restore_into(
    pg_restore: Path,
    psql: Path,
    archive: Path,
    conninfo: str,
    env: dict[str, str],
    server_major: int,
    checkpoint: Callable[[], None] | None = None,
) -> ChildResult:
    """`pg_restore --exit-on-error --no-owner --no-privileges` of the archive into the database at
    conninfo, through a script adapted to the server's major (written beside the archive, 0600, removed
    after). Owners, grants and other roles' default privileges are not what a verification restore
    proves (row counts are), and replaying them needs memberships the role may lack: Supabase's
    supabase_admin defaults fail with `must be member of role "supabase_admin"`."""
    script = archive.with_name(f"{archive.stem}.scratch-{secrets.token_hex(4)}.sql")
    try:
        made = run_child(
            [
                str(pg_restore),
                "--exit-on-error",
                "--no-owner",
                "--no-privileges",
                f"--file={script}",
                str(archive),
            ],
            env=env,
            checkpoint=checkpoint,
        )
        if made.returncode != 0:
            return made
        os.chmod(script, 0o600)
        adapt_script(script, server_major)
        return run_child(
            [
                str(psql),
                "-X",
                "-q",
                "--no-password",
                "-v",
                "ON_ERROR_STOP=1",
                "-f",
                str(script),
                f"--dbname={conninfo}",
            ],
            env=env,
            checkpoint=checkpoint,
        )
    finally:
        script.unlink(missing_ok=True)
