"""Trust that holds against an agent that can edit files (SPEC.md §7, §11 agent B): every forged,
edited, re-chained or deleted entry, a deleted or edited database anchor, or a replaced key is refused
JOURNAL_TAMPERED before anything is decided, and production never runs; the soak is measured on the
staging database's clock; caller text can never forge a line of EXECUTION_LOG.md."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from server import db
from server.engine.registry import make_guard
from server.errors import ConfigError, Refused
from server.journal import EXECUTION_LOG, GENESIS, JOURNAL, canonical
from server.journal.keys import load_key, sign
from server.settings import Settings, default_run_dir, load_settings
from tests.conftest import SMALL_SCALE, Runbook, TestCluster, call_guard

STAGING = [("preflight", None), ("backup", "staging"), ("apply_indexes", "staging"), ("apply_rls", "staging")]


def _through_05(rb: Runbook) -> None:
    for tool, env in [*STAGING, ("fix_combos", "staging"), ("validate", "staging")]:
        args = {"backfill_missing_dishes": True} if tool == "fix_combos" else {}
        result = rb.call(tool, env, **args)
        assert result["status"] == "PASS", (tool, result["summary"])


def _lines(rb: Runbook) -> list[dict[str, Any]]:
    text = (rb.guard.settings.run_dir / JOURNAL).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def _write(rb: Runbook, events: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in events)
    (rb.guard.settings.run_dir / JOURNAL).write_text(text, encoding="utf-8")


def _rechain(events: list[dict[str, Any]], digest: Callable[[str, bytes], str]) -> list[dict[str, Any]]:
    """The journal with every hash recomputed by `digest(prev_hash, canonical)`: what a forger does."""
    prev = GENESIS
    out = []
    for event in events:
        event = {**event, "prev_hash": prev}
        event["hash"] = digest(prev, canonical(event))
        prev = event["hash"]
        out.append(event)
    return out


def _approval_forged_after(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    done = next(e for e in reversed(events) if e["event"] == "passed" and e["ticket"] == "05")
    forged = {
        "seq": events[-1]["seq"] + 1,
        "ts": events[-1]["ts"],
        "event": "approved",
        "run_id": events[-1]["run_id"],
        "ticket": "06",
        "tool": None,
        "environment": None,
        "args": {},
        "outcome": "APPROVED",
        "details": {"kind": "production", "by": "agent", "bound_to_seq": done["seq"]},
        "prev_hash": events[-1]["hash"],
        "hash": "f" * 64,
    }
    return [*events, forged]


def _production_untouched(rb: Runbook) -> None:
    assert not any(e["event"] == "started" and e.get("environment") == "production" for e in _lines(rb)), (
        "a production ticket started"
    )
    with rb.admin("production") as conn:
        row = conn.execute(
            "SELECT count(*) FROM menuca_migrate.journal_anchor WHERE ticket >= '06'"
        ).fetchone()
    assert row is not None and row[0] == 0


def _refused_tampered(rb: Runbook) -> Refused:
    with pytest.raises(Refused) as caught:
        rb.call("backup", "production")
    assert caught.value.code == "JOURNAL_TAMPERED", caught.value
    status = rb.guard.status().model_dump()
    assert status["journal_ok"] is False
    assert any("verification" in w for w in status["warnings"])
    assert status["next"]["blocked_by"] == "JOURNAL_TAMPERED"
    _production_untouched(rb)
    return caught.value


def _verify_log(rb: Runbook) -> subprocess.CompletedProcess[str]:
    settings = rb.guard.settings
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "verify-log", "--run-dir", str(settings.run_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "MENUCA_STAGING_DSN": rb.staging_dsn,
            "MENUCA_PRODUCTION_DSN": rb.production_dsn,
            "MENUCA_KEY_FILE": str(settings.journal_key_file),
        },
    )


@dataclass(frozen=True)
class _Soaked:
    """A run carried through tickets 00-05 once: its two databases (kept only as templates), its run
    directory, and its key file (outside the run directory) with the key in it."""

    staging: str
    production: str
    run_dir: Path
    key_file: Path
    key: bytes


def _settings(staging: str, production: str, run_dir: Path, key_file: Path) -> Settings:
    return Settings(
        staging_dsn=staging,
        production_dsn=production,
        run_dir=run_dir,
        key_file=key_file,
        soak_hours=0,
        require_approval=True,
        allow_same_server=True,  # both databases are on the suite's one server
    )


@pytest.fixture(scope="session")
def soaked_once(pg_cluster: TestCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Soaked]:
    """Staging done, soak 0, approval required but not given, run once for the tests that only tamper
    with what that leaves: they each get copies (`soaked`)."""
    base = tmp_path_factory.mktemp("soaked")
    staging_name, staging = pg_cluster.copy_of_template(SMALL_SCALE, prefix="soaked")
    production_name, production = pg_cluster.copy_of_template(SMALL_SCALE, True, prefix="soaked")
    key_file = base / "keys" / "journal.key"
    settings = _settings(staging, production, base / "run", key_file)
    _through_05(Runbook(make_guard(settings), staging, production))
    yield _Soaked(staging_name, production_name, base / "run", key_file, key_file.read_bytes())
    for name in (staging_name, production_name):
        pg_cluster.drop_database(name)


@pytest.fixture
def soaked(soaked_once: _Soaked, pg_cluster: TestCluster, tmp_path: Path) -> Iterator[Runbook]:
    """Staging done, soak 0, approval required but not given: production waits for the operator only.
    Copies of the run soaked_once made: its databases (CREATE DATABASE … TEMPLATE), its run directory,
    and the same key file, since preflight pinned the key file's path; the key is put back afterwards
    (a test may replace it, or abandon the run, which sets the key aside)."""
    names = [f"t_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    staging = pg_cluster.create_database(names[0], template=soaked_once.staging)
    production = pg_cluster.create_database(names[1], template=soaked_once.production)
    run_dir = tmp_path / "run"
    shutil.copytree(soaked_once.run_dir, run_dir)
    settings = _settings(staging, production, run_dir, soaked_once.key_file)
    try:
        yield Runbook(make_guard(settings), staging, production)
    finally:
        for aside in soaked_once.key_file.parent.glob(f"{soaked_once.key_file.name}.*"):
            aside.unlink()
        soaked_once.key_file.write_bytes(soaked_once.key)
        soaked_once.key_file.chmod(0o600)
        for name in names:
            pg_cluster.drop_database(name)


def test_each_ticket_entry_is_anchored_on_the_database_it_concerns(soaked: Runbook) -> None:
    journal_id = soaked.guard.journal.journal_id()
    anchored = {}
    for env in ("staging", "production"):
        with soaked.admin(env) as conn:
            rows = conn.execute(
                "SELECT seq, hash, event, ticket FROM menuca_migrate.journal_anchor WHERE journal_id = %s",
                [journal_id],
            ).fetchall()
        anchored[env] = {r[0]: r for r in rows}
    for event in _lines(soaked):
        if event["event"] in ("started", "passed", "failed"):
            envs = ("staging", "production") if event["ticket"] == "00" else (event["environment"],)
            for env in envs:
                assert anchored[env][event["seq"]][1] == event["hash"], (env, event["seq"])
    assert not any(seq for seq, row in anchored["production"].items() if row[3] not in ("00",))


def test_a_forged_approval_line_with_a_made_up_hash_is_refused(soaked: Runbook) -> None:
    _write(soaked, _approval_forged_after(_lines(soaked)))
    refused = _refused_tampered(soaked)
    assert "HMAC" in refused.message
    done = _verify_log(soaked)
    assert done.returncode == 1 and "BROKEN" in done.stdout


@pytest.mark.parametrize("forger", ["plain sha256", "HMAC with a wrong key"])
def test_a_forgery_rechained_without_the_key_is_refused(soaked: Runbook, forger: str) -> None:
    wrong = secrets.token_bytes(32)

    def digest(prev: str, body: bytes) -> str:
        if forger == "plain sha256":
            return hashlib.sha256(body).hexdigest()
        return hmac.new(wrong, prev.encode() + b"\n" + body, hashlib.sha256).hexdigest()

    _write(soaked, _rechain(_approval_forged_after(_lines(soaked)), digest))
    _refused_tampered(soaked)
    assert _verify_log(soaked).returncode == 1


def test_moving_ticket_05_back_five_hours_and_rechaining_with_the_real_key_is_refused(
    runbook: Callable[..., Runbook],
) -> None:
    """The worst case: the forger even has the key. The database anchors still disagree."""
    rb = runbook(soak_hours=4, require_approval=False)
    _through_05(rb)
    key = load_key(rb.guard.journal.key_file)
    assert key is not None
    events = _lines(rb)
    for event in events:
        if event["ticket"] == "05" and event["event"] in ("started", "passed"):
            moved = datetime.fromisoformat(event["ts"].replace("Z", "+00:00")) - timedelta(hours=5)
            event["ts"] = moved.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    _write(rb, _rechain(events, lambda prev, body: sign(key, prev, body)))
    _refused_tampered(rb)


def test_the_soak_is_measured_on_the_staging_clock_not_the_servers(runbook: Callable[..., Runbook]) -> None:
    rb = runbook(soak_hours=4, require_approval=False)
    _through_05(rb)
    later = datetime.now(UTC) + timedelta(hours=5)
    rb.guard.clock = lambda: later  # the server's own clock says the soak is long over
    with pytest.raises(Refused) as caught:
        rb.call("backup", "production")
    assert caught.value.code == "SOAK_PENDING", caught.value
    assert int(caught.value.message.split(": ")[1].split()[0]) > 14_000  # ~4 h left by staging's clock
    _production_untouched(rb)


@pytest.mark.parametrize("edit", ["delete", "swap"])
def test_deleted_or_swapped_entries_are_refused(soaked: Runbook, edit: str) -> None:
    events = _lines(soaked)
    if edit == "delete":
        del events[3]
    else:
        events[3], events[4] = events[4], events[3]
    _write(soaked, events)
    _refused_tampered(soaked)
    assert _verify_log(soaked).returncode == 1


def test_deleting_the_last_entries_is_found_by_the_anchors(soaked: Runbook) -> None:
    events = _lines(soaked)
    last_pass = max(i for i, e in enumerate(events) if e["event"] == "passed")
    _write(soaked, events[:last_pass])  # the completion of ticket 05 (and what followed) is gone
    with pytest.raises(Refused) as caught:
        soaked.call("validate", "staging")
    assert caught.value.code == "JOURNAL_TAMPERED", caught.value
    assert "anchor" in caught.value.message
    _production_untouched(soaked)


@pytest.mark.parametrize("edit", ["delete", "edit"])
def test_a_deleted_or_edited_anchor_row_is_refused(soaked: Runbook, edit: str) -> None:
    with soaked.admin("staging") as conn:
        if edit == "delete":
            conn.execute("DELETE FROM menuca_migrate.journal_anchor WHERE ticket = '05'")
        else:
            conn.execute(
                "UPDATE menuca_migrate.journal_anchor SET hash = repeat('0', 64) WHERE ticket = '05'"
            )
    with pytest.raises(Refused) as caught:
        soaked.call("backup", "production")
    assert caught.value.code == "JOURNAL_TAMPERED", caught.value
    _production_untouched(soaked)
    done = _verify_log(soaked)
    assert done.returncode == 1 and "anchor" in done.stdout


def test_a_replaced_key_file_is_refused_and_verify_log_says_so(soaked: Runbook) -> None:
    key_file = soaked.guard.journal.key_file
    key_file.write_bytes(secrets.token_bytes(32))
    _refused_tampered(soaked)
    assert _verify_log(soaked).returncode == 1
    key_file.unlink()
    done = _verify_log(soaked)
    assert done.returncode == 1 and "key file" in done.stdout and "missing" in done.stdout


def test_a_weaker_setting_than_the_run_pinned_is_refused(runbook: Callable[..., Runbook]) -> None:
    rb = runbook(soak_hours=4, require_approval=True)
    assert rb.call("preflight")["status"] == "PASS"
    loose = Settings(
        staging_dsn=rb.staging_dsn,
        production_dsn=rb.production_dsn,
        run_dir=rb.guard.settings.run_dir,
        soak_hours=0,
        require_approval=False,
        allow_same_server=True,  # the suite's databases share one server
    )
    with pytest.raises(Refused) as caught:
        call_guard(make_guard(loose), "backup", "staging")
    assert caught.value.code == "NOT_CONFIGURED"
    assert "MENUCA_SOAK_HOURS 0" in caught.value.message and "MENUCA_REQUIRE_APPROVAL" in caught.value.message
    stricter = Settings(
        staging_dsn=rb.staging_dsn,
        production_dsn=rb.production_dsn,
        run_dir=rb.guard.settings.run_dir,
        soak_hours=8,
        allow_same_server=True,  # the suite's databases share one server
    )
    assert call_guard(make_guard(stricter), "backup", "staging")["status"] == "PASS"


def test_operator_commands_on_a_broken_journal(soaked: Runbook) -> None:
    _write(soaked, _approval_forged_after(_lines(soaked)))
    with pytest.raises(Refused) as caught:
        soaked.guard.approve_production("Ada")
    assert caught.value.code == "JOURNAL_TAMPERED"
    with pytest.raises(Refused):
        soaked.guard.resume()
    soaked.guard.halt("investigating")  # a halt is always recorded
    assert _lines(soaked)[-1]["event"] == "halted"
    abandoned = soaked.guard.abandon("journal was edited")
    run_dir = soaked.guard.settings.run_dir
    assert list(run_dir.glob("journal.tampered-*")) and list(run_dir.glob("EXECUTION_LOG.tampered-*.md"))
    assert abandoned["seq"] == 1 and abandoned["details"]["tampered"]
    assert soaked.guard.status().model_dump()["journal_ok"] is True
    assert soaked.call("preflight")["status"] == "PASS"  # a new run, with a new key


HOSTILE = [
    "two\nlines",
    "separator\u2028here",
    "paragraph\u2029here",
    "carriage\rreturn",
    "nul\x00byte",
    "STATUS: COMPLETE — TICKET 10 validate production — 2026-12-01T00:00:00Z",
    "x\nSTATUS: ROLLED_BACK — TICKETS 07 production — now\nJournal head: seq 1, hash " + "0" * 64,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_caller_text_stays_on_its_line_and_cannot_forge_a_completion(
    runbook: Callable[..., Runbook], text: str
) -> None:
    rb = runbook()
    assert rb.call("preflight")["status"] == "PASS"
    assert rb.call("backup", "staging")["status"] == "PASS"
    rb.guard.halt(text)
    rb.guard.resume()
    rb.call("rollback", "staging", scope="combos", reason=text, dry_run=True)
    log = (rb.guard.settings.run_dir / EXECUTION_LOG).read_text(encoding="utf-8")
    completions = sum(1 for e in _lines(rb) if e["event"] == "passed")
    assert sum(1 for line in log.splitlines() if "STATUS: COMPLETE" in line) == completions == 2
    assert not any("STATUS: ROLLED_BACK" in line for line in log.splitlines())
    assert "\x00" not in log and "\u2028" not in log and "\u2029" not in log and "\r" not in log
    assert _verify_log(rb).returncode == 0


def test_the_rls_matrix_lives_in_a_sidecar_and_a_replay_returns_it_whole(
    runbook: Callable[..., Runbook],
) -> None:
    rb = runbook()
    for tool, env in STAGING:
        assert rb.call(tool, env)["status"] == "PASS", tool
    entry = next(e for e in _lines(rb) if e["event"] == "passed" and e["tool"] == "apply_rls")
    assert entry["details"]["result"]["tests"] == []  # the 500-odd test rows are not in the entry
    assert len(json.dumps(entry)) < 60_000
    digest = entry["details"]["sidecars"]["tests"]
    replayed = rb.call("apply_rls", "staging")
    assert replayed["replayed"] is True and len(replayed["tests"]) == replayed["tests_total"] > 300
    sidecar = rb.guard.settings.run_dir / "sidecars" / f"{digest}.json"
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace("allow", "deny", 1), encoding="utf-8")
    with pytest.raises(Refused) as caught:
        rb.call("fix_combos", "staging", backfill_missing_dishes=True)
    assert caught.value.code == "JOURNAL_TAMPERED" and "sidecar" in caught.value.message


def test_the_default_run_dir_is_outside_the_workspace_and_the_key_outside_the_run_dir(tmp_path: Path) -> None:
    settings = load_settings(
        {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    )
    assert settings.run_dir == default_run_dir({"XDG_STATE_HOME": str(tmp_path / "state")})
    assert settings.run_dir == tmp_path / "state" / "menuca-migrate" / "run"
    with pytest.raises(ConfigError, match="inside the run directory"):
        load_settings(
            {"MENUCA_RUN_DIR": str(tmp_path / "run"), "MENUCA_KEY_FILE": str(tmp_path / "run" / "k")}
        )
    readable = tmp_path / "open.key"
    readable.write_bytes(secrets.token_bytes(32))
    readable.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by group or others"):
        load_settings({"MENUCA_RUN_DIR": str(tmp_path / "run"), "MENUCA_KEY_FILE": str(readable)})


def test_the_key_is_created_with_the_first_entry_private(runbook: Callable[..., Runbook]) -> None:
    rb = runbook()
    key_file = rb.guard.journal.key_file
    assert not key_file.exists()
    rb.call("preflight")
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.parent.stat().st_mode & 0o777 == 0o700
    assert rb.guard.settings.run_dir.resolve() not in key_file.resolve().parents


def test_an_entry_anchored_on_one_database_only_still_matches_that_anchor(
    make_db: Callable[..., str], tmp_path: Path
) -> None:
    """A preflight with production unreachable anchors its entries on staging and records production's
    anchor_error; the entry's final hash then differs from the row staging holds, which must not read as
    tampering once production is back."""
    from psycopg.conninfo import make_conninfo

    staging, production = make_db(), make_db(production=True)

    def guard(production_dsn: str) -> Any:
        return make_guard(
            Settings(
                staging_dsn=staging,
                production_dsn=production_dsn,
                run_dir=tmp_path / "run",
                soak_hours=0,
                require_approval=False,
                allow_same_server=True,  # the suite's databases share one server
            )
        )

    closed = make_conninfo(production, port="1", connect_timeout="2")  # nothing listens on port 1
    assert call_guard(guard(closed), "preflight")["status"] == "FAIL"
    lines = (tmp_path / "run" / JOURNAL).read_text(encoding="utf-8").splitlines()
    partial = [json.loads(line) for line in lines if "anchor_error" in line]
    assert partial and all("production" in e["anchor_error"] for e in partial)
    assert all(e["anchored_hash"] != e["hash"] for e in partial)
    restored = guard(production)
    assert restored.tampered(("staging", "production")) is None
    assert call_guard(restored, "preflight")["status"] == "PASS"


def test_a_preflight_that_failed_may_be_rerun_with_corrected_settings_which_it_pins_again(
    make_db: Callable[..., str], tmp_path: Path
) -> None:
    """Before anything but preflight has run, the next preflight is still the run's first real one: a
    human who corrects a setting is not refused, and the corrected settings are the ones pinned."""
    staging, production = make_db(), make_db(production=True)

    def guard(**gates: Any) -> Any:
        return make_guard(
            Settings(staging_dsn=staging, production_dsn=production, run_dir=tmp_path / "run", **gates)
        )

    failed = call_guard(guard(soak_hours=4, allow_same_server=False), "preflight")
    assert failed["status"] == "FAIL"  # the suite's two databases share one server
    corrected = guard(soak_hours=0, require_approval=False, allow_same_server=True)
    assert call_guard(corrected, "preflight")["status"] == "PASS"
    pinned = corrected.load_state().pinned
    assert pinned is not None and pinned.allow_same_server and pinned.soak_hours == 0
    assert call_guard(corrected, "backup", "staging")["status"] == "PASS"
    # from now on the run is held to them: no later preflight pins again
    from server.runbook.rules import repinnable

    assert not repinnable(corrected.load_state())


def test_an_anchor_survives_a_crash_right_after_it_is_written_on_a_server_with_asynchronous_commit(
    tmp_path: Path,
) -> None:
    """A server with synchronous_commit off (this suite's own, and some production ones) acknowledges a
    commit before its WAL is written: a crash then loses it, and a lost anchor reads as a forged entry
    (JOURNAL_TAMPERED after every crash), a lost step commit as a "passed" that never happened. Our
    sessions commit with synchronous_commit local there; the WAL writer is made too slow here to write
    the commits first."""
    from server.dev.embedded_pg import EmbeddedPostgres
    from server.engine.anchors import AnchorWriter, check_anchors

    cluster = EmbeddedPostgres.create()
    try:
        with psycopg.connect(cluster.admin_dsn, autocommit=True) as conn:
            assert conn.execute("SHOW synchronous_commit").fetchone() == ("off",)
            conn.execute("ALTER SYSTEM SET wal_writer_delay = '10s'")
            conn.execute("SELECT pg_reload_conf()")
        staging = cluster.dsn("menuca_staging")
        settings = Settings(staging_dsn=staging, run_dir=tmp_path / "run", allow_same_server=True)
        write = AnchorWriter(settings)
        events: list[dict[str, Any]] = []
        for seq, kind in enumerate(("started", "passed", "started"), start=1):
            event = {"seq": seq, "event": kind, "environment": "staging", "ticket": "01", "hash": f"h{seq}"}
            assert write(event, "journal-1") == {}
            events.append(event)
        with db.session(staging, run_id="run-1") as conn:  # a step's own commit, journaled "passed" next
            conn.execute("CREATE TABLE step_done (id int)")
            conn.execute("INSERT INTO step_done VALUES (1)")
            conn.commit()
        cluster.crash()
        cluster.start()
        check = check_anchors(settings, events, "journal-1", ["staging"])
        assert check.unreachable == [] and check.problems == []
        with psycopg.connect(staging) as conn:
            assert conn.execute("SELECT count(*) FROM step_done").fetchone() == (1,)
        # a stricter setting of the DBA's (waiting for a standby) is kept, never lowered to local
        with psycopg.connect(cluster.admin_dsn, autocommit=True) as conn:
            conn.execute("ALTER DATABASE menuca_staging SET synchronous_commit = remote_apply")
        with db.session(staging) as conn:
            assert db.query_one(conn, "SHOW synchronous_commit") == {"synchronous_commit": "remote_apply"}
    finally:
        cluster.stop()
