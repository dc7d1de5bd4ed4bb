"""The hash-chained journal and its anchors in EXECUTION_LOG.md: tampering is found and named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from server.journal import EXECUTION_LOG, JOURNAL, LOG_HEADER, TORN, Journal
from server.runbook import EventKind, fold

REPO_LOG = Path(__file__).resolve().parent.parent / EXECUTION_LOG


def _journal_with_entries(run_dir: Path, n: int = 5) -> Journal:
    journal = Journal(run_dir)
    for i in range(n):
        journal.append(
            EventKind.RECEIVED,
            run_id="run-test",
            tool="status",
            args={"i": i},
            log_text=f"## CALL — status — both\nentry {i}",
        )
    return journal


def _lines(run_dir: Path) -> list[str]:
    return (run_dir / JOURNAL).read_text(encoding="utf-8").splitlines(keepends=True)


def test_an_untouched_journal_verifies(tmp_path: Path) -> None:
    report = _journal_with_entries(tmp_path).verify()
    assert report.ok, report.problems
    assert report.entries == 5


def test_editing_one_entry_is_found_and_named(tmp_path: Path) -> None:
    journal = _journal_with_entries(tmp_path)
    lines = _lines(tmp_path)
    event = json.loads(lines[2])
    event["args"] = {"i": 99}
    lines[2] = json.dumps(event, separators=(",", ":")) + "\n"
    (tmp_path / JOURNAL).write_text("".join(lines), encoding="utf-8")
    report = journal.verify()
    assert not report.ok
    assert any("seq 3" in p and "edited" in p for p in report.problems), report.problems


def test_deleting_a_middle_entry_is_found(tmp_path: Path) -> None:
    journal = _journal_with_entries(tmp_path)
    lines = _lines(tmp_path)
    del lines[1]
    (tmp_path / JOURNAL).write_text("".join(lines), encoding="utf-8")
    report = journal.verify()
    assert not report.ok
    assert any("entry 2" in p for p in report.problems), report.problems


def test_swapping_two_entries_is_found(tmp_path: Path) -> None:
    journal = _journal_with_entries(tmp_path)
    lines = _lines(tmp_path)
    lines[1], lines[2] = lines[2], lines[1]
    (tmp_path / JOURNAL).write_text("".join(lines), encoding="utf-8")
    assert not journal.verify().ok


def test_deleting_the_last_entries_is_found_through_the_log_anchor(tmp_path: Path) -> None:
    journal = _journal_with_entries(tmp_path)
    lines = _lines(tmp_path)
    (tmp_path / JOURNAL).write_text("".join(lines[:-2]), encoding="utf-8")
    report = journal.verify()
    assert not report.ok
    assert any("seq 5" in p and "deleted" in p for p in report.problems), report.problems


def test_a_torn_last_line_is_ignored_by_readers_named_by_verify_and_moved_by_the_next_append(
    tmp_path: Path,
) -> None:
    journal = _journal_with_entries(tmp_path, 3)
    with open(tmp_path / JOURNAL, "a", encoding="utf-8") as handle:
        handle.write('{"seq":4,"ts":"2026-')
    assert len(journal.events()) == 3
    report = journal.verify()
    assert not report.ok
    assert any("incomplete last line" in p for p in report.problems)

    journal.append(EventKind.RECEIVED, run_id="run-test", tool="status", log_text="## after the tear")
    events = journal.events()
    assert [e["event"] for e in events[-2:]] == [EventKind.JOURNAL_REPAIRED, EventKind.RECEIVED]
    assert '{"seq":4,"ts":"2026-' in (tmp_path / TORN).read_text(encoding="utf-8")
    assert journal.verify().ok


def test_a_forged_completion_line_in_the_log_is_found(tmp_path: Path) -> None:
    journal = _journal_with_entries(tmp_path, 2)
    with open(tmp_path / EXECUTION_LOG, "a", encoding="utf-8") as handle:
        handle.write("STATUS: COMPLETE — TICKET 02 apply_indexes staging — 2026-11-24T00:00:00Z\n")
    report = journal.verify()
    assert not report.ok
    assert any("completion lines" in p for p in report.problems)


def test_secrets_are_scrubbed_from_events_and_log(tmp_path: Path) -> None:
    journal = Journal(tmp_path, secrets=["s3cr3t-pw"])
    journal.append(
        EventKind.RECEIVED,
        run_id=None,
        tool="backup",
        args={"note": "postgresql://u:s3cr3t-pw@h/db"},
        details={"error": "password s3cr3t-pw rejected"},
        log_text="failed for postgresql://u:s3cr3t-pw@h/db",
    )
    assert "s3cr3t-pw" not in (tmp_path / JOURNAL).read_text(encoding="utf-8")
    assert "s3cr3t-pw" not in (tmp_path / EXECUTION_LOG).read_text(encoding="utf-8")


def test_the_state_is_derived_from_the_journal_alone(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append(EventKind.HALTED, run_id=None, details={"reason": "lunch"})
    assert fold(Journal(tmp_path).events()).halted
    journal.append(EventKind.RESUMED, run_id=None)
    assert not fold(Journal(tmp_path).events()).halted


def test_verify_log_command_exits_1_naming_the_first_bad_entry(tmp_path: Path) -> None:
    _journal_with_entries(tmp_path)
    lines = _lines(tmp_path)
    lines[3] = lines[3].replace('"i":3', '"i":4')
    (tmp_path / JOURNAL).write_text("".join(lines), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "verify-log", "--run-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "seq 4" in done.stdout


def test_the_repository_log_holds_only_the_template_header() -> None:
    text = REPO_LOG.read_text(encoding="utf-8")
    assert text == LOG_HEADER
    assert "STATUS: COMPLETE" not in text


@pytest.mark.parametrize("mode", [0o500])
def test_an_unwritable_run_directory_is_a_clear_error(tmp_path: Path, mode: int) -> None:
    import os

    from server.errors import JournalError

    if os.geteuid() == 0:
        target = Path("/proc/menuca-not-writable")  # root ignores directory modes; /proc refuses everyone
    else:
        target = tmp_path / "ro"
        target.mkdir(mode=mode)
    with pytest.raises(JournalError, match="not writable"):
        Journal(target).append(EventKind.HALTED, run_id=None)


def test_a_sidecar_edited_after_it_was_verified_is_found_even_with_the_same_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verification keeps the stat of a sidecar it hashed (it runs at every call); a later edit of the same
    size still changes the file's times, so it is hashed again and found. A file changed within the last
    2 s is never kept (its time may not have ticked since)."""
    import time

    from server.journal import sidecar

    digest = sidecar._write(tmp_path, b'{"tests":["allow"]}')
    event = {"seq": 1, "details": {"sidecars": {"tests": digest}}}
    assert sidecar.problem(tmp_path, event) is None
    path = tmp_path / "sidecars" / f"{digest}.json"
    assert path not in sidecar._HASHED._known  # just written: racy, not kept
    monkeypatch.setattr(sidecar._Hashed, "RACY_NS", 0)
    assert sidecar.problem(tmp_path, event) is None
    assert path in sidecar._HASHED._known  # kept: the next check only stats it
    time.sleep(0.02)  # a file-time tick later
    path.chmod(0o600)
    path.write_bytes(b'{"tests":["deny!"]}')  # the same size
    assert "does not match its sha256" in str(sidecar.problem(tmp_path, event))
    path.unlink()
    assert "is missing" in str(sidecar.problem(tmp_path, event))
