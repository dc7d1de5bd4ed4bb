"""backup and rollback scope=full on a real PostgreSQL: a damaged archive is never accepted, and a full
restore brings back exactly the row counts and index list the backup recorded."""

from __future__ import annotations

import io
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server.journal import sidecar
from tools.lib import catalog


def _wait_for_dump(backups: Path, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(backups.glob("*.dump")) if backups.exists() else []
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError("no dump appeared")


def _signal_on_stderr(monkeypatch: pytest.MonkeyPatch, marker: str) -> threading.Event:
    """An event set when the in-process step writes `marker` to stderr (the test hook's PAUSED line)."""
    seen = threading.Event()
    inner = sys.stderr

    class Tee(io.TextIOBase):
        def write(self, text: str) -> int:
            if marker in text:
                seen.set()
            return inner.write(text)

        def flush(self) -> None:
            inner.flush()

    monkeypatch.setattr(sys, "stderr", Tee())
    return seen


def test_a_backup_truncated_after_the_dump_fails_verification_and_is_not_kept(
    runbook: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    rb = runbook()
    assert rb.call("preflight")["status"] == "PASS"
    monkeypatch.setenv("MENUCA_TEST_HOOKS", "1")
    monkeypatch.setenv("MENUCA_TEST_PAUSE", "backup:after_dump:2")
    backups = rb.guard.settings.run_dir / "backups"
    paused = _signal_on_stderr(monkeypatch, "PAUSED backup:after_dump")

    def damage() -> None:
        dump = _wait_for_dump(backups)
        # pg_dump creates the file at once and rewrites its TOC at the end: cut it only once the step
        # says the dump is complete (a fixed sleep lost that race on a loaded machine)
        assert paused.wait(timeout=60), "the step never paused after the dump"
        size = dump.stat().st_size
        with open(dump, "r+b") as handle:
            handle.truncate(size // 2)

    saboteur = threading.Thread(target=damage)
    saboteur.start()
    result = rb.call("backup", "staging")
    saboteur.join()
    assert result["status"] == "FAIL"
    assert result["verified"] is False
    failed = [c["name"] for c in result["checks"] if not c["passed"]]
    assert "full read of the archive (pg_restore to /dev/null)" in failed
    assert not list(backups.glob("*.dump")), "an unverified archive is not left where a restore could use it"
    assert rb.guard.status().model_dump()["tickets"][1]["status"] == "FAILED"
    assert rb.call("backup", "staging")["status"] == "PASS"  # without the saboteur it passes


def test_a_full_rollback_restores_the_exact_row_counts_and_index_list_of_the_backup(
    runbook: Callable[..., Any],
) -> None:
    rb = runbook()
    assert rb.call("preflight")["status"] == "PASS"
    backup = rb.call("backup", "staging")
    assert backup["status"] == "PASS"
    assert rb.call("apply_indexes", "staging")["status"] == "PASS"
    with rb.admin() as conn:
        conn.execute("DELETE FROM menuca_v3.promotional_coupons WHERE id % 2 = 0")
        conn.execute(
            "INSERT INTO menuca_v3.marketing_tags (name, slug) SELECT 'tag ' || g, 'tag-new-' || g FROM generate_series(1, 7) g"
        )
        changed = catalog.row_counts(conn)  # type: ignore[arg-type]
    assert changed != backup["row_counts"]

    plan = rb.call("rollback", "staging", scope="full", reason="restore", dry_run=True)
    assert set(plan["changed_tables"]) == {"menuca_v3.promotional_coupons", "menuca_v3.marketing_tags"}
    result = rb.call("rollback", "staging", scope="full", reason="restore")
    assert result["status"] == "PASS", [c for c in result["checks"] if not c["passed"]]
    with rb.admin() as conn:
        assert catalog.row_counts(conn) == backup["row_counts"]  # type: ignore[arg-type]
        indexes = {i["name"]: i["definition"] for i in catalog.indexes(conn)}  # type: ignore[arg-type]
    journaled = rb.guard.load_state().tickets["01"].record
    recorded = sidecar.inflate(rb.guard.settings.run_dir, journaled, journaled.get("sidecars"))  # large lists
    assert recorded["indexes"] and indexes == {i["name"]: i["definition"] for i in recorded["indexes"]}
    assert result["tickets_rolled_back"] == ["02"]


def test_a_full_rollback_is_blocked_by_objects_outside_that_depend_on_the_schemas(
    runbook: Callable[..., Any],
) -> None:
    rb = runbook()
    rb.call("preflight")
    rb.call("backup", "staging")
    with rb.admin() as conn:
        conn.execute(
            "CREATE TABLE public.orders (id bigint PRIMARY KEY, dish_id bigint REFERENCES menuca_v3.dishes (id))"
        )
        conn.execute("INSERT INTO public.orders SELECT 1, min(id) FROM menuca_v3.dishes")
    result = rb.call("rollback", "staging", scope="full", reason="restore")
    assert result["status"] == "FAIL"
    assert any("orders" in dep and "menuca_v3.dishes" in dep for dep in result["blocked_by_references"])
    with rb.admin() as conn:
        assert conn.execute("SELECT count(*) FROM public.orders").fetchone() == (1,)  # never cascaded
