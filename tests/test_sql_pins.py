"""The SQL a run executes is the SQL its preflight pinned: a file changed mid-run fails the next step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from server import db


def test_a_sql_file_changed_after_preflight_fails_the_next_step_without_running_it(
    runbook: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    rb = runbook()
    assert rb.call("preflight")["status"] == "PASS"
    pinned = db.sql_checksums()
    assert "apply_indexes/targets.sql" in pinned
    monkeypatch.setattr(db, "sql_checksums", lambda: {**pinned, "apply_indexes/targets.sql": "0" * 64})
    result = rb.call("backup", "staging")
    assert result["status"] == "FAIL"
    failed = [c for c in result["checks"] if not c["passed"]]
    assert failed[0]["name"] == "SQL files unchanged since preflight pinned them"
    assert failed[0]["actual"] == ["apply_indexes/targets.sql"]
    assert not (rb.guard.settings.run_dir / "backups").exists() or not list(
        (rb.guard.settings.run_dir / "backups").glob("*.dump")
    )
    monkeypatch.setattr(db, "sql_checksums", lambda: pinned)
    assert rb.call("backup", "staging")["status"] == "PASS"
