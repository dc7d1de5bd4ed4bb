"""What a full restore replays: the backup's objects inside the schemas, never the schemas themselves
nor the default privileges in them, which other roles may own (Supabase's supabase_admin)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server import db
from server.proc import ChildResult, run_child

SQL_FILES = ("rollback/default_privileges.sql",)

# TOC lines of `pg_restore --list`: "<dump id>; <catalog oid> <object oid> <desc> <schema> <tag> <owner>".
# The schema entries (they are kept, so other roles' default privileges in them survive) and every
# DEFAULT ACL entry (kept as they are: replaying another role's needs membership in that role).
KEPT_AS_THEY_ARE = re.compile(r"^\s*\d+;\s+\d+\s+\d+\s+(SCHEMA|DEFAULT ACL)\s")


def without_schema_entries(toc: str) -> tuple[str, list[str]]:
    """The TOC with the schema and default-privilege entries commented out, and those entries."""
    kept: list[str] = []
    lines = []
    for line in toc.splitlines():
        if KEPT_AS_THEY_ARE.match(line):
            kept.append(line.split(";", 1)[1].strip())
            line = ";" + line
        lines.append(line)
    return "\n".join(lines) + "\n", kept


def write_script(
    pg_restore: Path,
    archive: Path,
    script: Path,
    env: dict[str, str],
    checkpoint: Callable[[], None] | None,
) -> tuple[ChildResult, list[str]]:
    """Turn the archive into one SQL script (no owners) of everything but the schema-level entries."""
    listed = run_child([str(pg_restore), "--list", str(archive)], env=env, checkpoint=checkpoint)
    if listed.returncode != 0:
        return listed, []
    toc, skipped = without_schema_entries(listed.stdout)
    toc_file = script.with_suffix(".toc")
    fd = os.open(toc_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(toc)
    try:
        made = run_child(
            [
                str(pg_restore),
                "--no-owner",
                "--exit-on-error",
                f"--use-list={toc_file}",
                f"--file={script}",
                str(archive),
            ],
            env=env,
            checkpoint=checkpoint,
        )
    finally:
        toc_file.unlink(missing_ok=True)
    return made, skipped


def default_privileges(conn: db.Conn, schemas: list[str]) -> list[dict[str, Any]]:
    """Every role's default privileges in the schemas, in a stable order (a restore keeps them)."""
    return db.query_all(conn, db.sql_file("rollback/default_privileges.sql"), {"schemas": schemas})
