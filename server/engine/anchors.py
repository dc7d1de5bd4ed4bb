"""The journal's database anchors (SPEC.md §7): written in the same append as the entry they anchor,
checked at each call against the local journal, and read for the soak clock on the database's own
clock. Whoever can edit the run directory but not the databases (or the other way round) cannot make
the two agree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psycopg

from server import db
from server.errors import NotConfigured
from server.journal import anchor_envs
from server.runbook import ENVIRONMENTS, Env
from server.settings import Settings, scrub
from tools.lib.identity import DatabaseIdentity, identity_of

Event = dict[str, object]


def _distinct(settings: Settings, environments: Iterable[str]) -> list[tuple[Env, str]]:
    """(environment, dsn) once per DSN: when staging and production are one database (refused anyway)
    rows are written once."""
    seen: set[str] = set()
    found: list[tuple[Env, str]] = []
    for env in ENVIRONMENTS:
        if env not in environments:
            continue
        dsn = settings.dsn(env)
        if dsn and dsn not in seen:
            seen.add(dsn)
            found.append((env, dsn))
    return found


class AnchorWriter:
    """The journal's anchor hook: one row per database the entry concerns; returns the causes of rows
    that could not be written (the entry then records them as `anchor_error`)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, event: Event, journal_id: str) -> dict[str, str]:
        failed: dict[str, str] = {}
        envs = anchor_envs(event)
        written: dict[DatabaseIdentity, Env] = {}
        for env, dsn in _distinct(self.settings, envs):
            try:
                with db.session(dsn, run_id=str(event.get("run_id") or "") or None, autocommit=True) as conn:
                    if len(envs) > 1:  # preflight's entries: two DSNs may name one database (its FAIL)
                        identity = identity_of(conn)
                        if identity in written:
                            failed[env] = _same_database(written[identity])
                            continue
                        written[identity] = env
                    _insert(conn, event, journal_id)
            except (NotConfigured, psycopg.Error) as exc:
                failed[env] = scrub(_cause(exc), self.settings.secrets())
        for env, dsn in self._duplicates(envs):  # one DSN for both: its row is the other's
            failed[env] = _same_database(next(e for e in ENVIRONMENTS if self.settings.dsn(e) == dsn))
        for env in ENVIRONMENTS:  # a database without a DSN cannot be anchored in either
            if env in envs and not self.settings.dsn(env) and env not in failed:
                failed[env] = "no DSN configured"
        return failed

    def _duplicates(self, envs: Iterable[str]) -> list[tuple[Env, str]]:
        kept = {env for env, _ in _distinct(self.settings, envs)}
        return [
            (env, dsn)
            for env in ENVIRONMENTS
            if env in envs and env not in kept and (dsn := self.settings.dsn(env))
        ]


def _same_database(anchored_in: Env) -> str:
    """The anchor_error of an environment whose DSN named the database just anchored for another: its
    row is that one, so a later, corrected DSN is not expected to hold it."""
    return f"the same database as {anchored_in} (a configuration preflight fails): anchored there only"


def _insert(conn: db.Conn, event: Event, journal_id: str) -> None:
    params = {
        "journal_id": journal_id,
        "run_id": event.get("run_id"),
        "seq": event["seq"],
        "hash": event["hash"],
        "event": event["event"],
        "ticket": event.get("ticket"),
    }
    try:
        db.query_all(conn, db.sql_file("journal/insert_anchor.sql"), params)
    except psycopg.errors.UndefinedTable:
        conn.execute(db.sql_file("journal/anchor_table.sql"))
        db.query_all(conn, db.sql_file("journal/insert_anchor.sql"), params)


def _cause(exc: BaseException) -> str:
    if isinstance(exc, psycopg.Error) and exc.diag.message_primary:
        return f"{exc.sqlstate} {exc.diag.message_primary}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass
class AnchorCheck:
    """What the anchors of some databases say about a journal: problems are tampering."""

    problems: list[str]
    unreachable: list[str]


def check_anchors(
    settings: Settings, events: list[Event], journal_id: str | None, environments: Iterable[str]
) -> AnchorCheck:
    """On each database: every anchor row of this journal is an entry of the local journal with the same
    hash, and every local entry meant for that database (without an anchor_error for it) has its row."""
    check = AnchorCheck(problems=[], unreachable=[])
    if journal_id is None:
        return check
    by_seq = {int(str(e["seq"])): e for e in events}
    for env, dsn in _distinct(settings, environments):
        try:
            with db.session(dsn, autocommit=True) as conn:
                present = db.query_one(conn, db.sql_file("journal/anchor_table_exists.sql"))
                rows = (
                    db.query_all(conn, db.sql_file("journal/anchors.sql"), {"journal_id": journal_id})
                    if present and present["present"]
                    else []
                )
        except (NotConfigured, psycopg.Error) as exc:
            check.unreachable.append(f"{env}: {scrub(_cause(exc), settings.secrets())}")
            continue
        anchored = {int(r["seq"]): r for r in rows}
        for seq, row in sorted(anchored.items()):
            entry = by_seq.get(seq)
            if entry is None:
                check.problems.append(
                    f"the {env} database anchors journal seq {seq} ({row['event']}), which the journal does not "
                    "have (entries deleted)"
                )
            elif entry.get("anchored_hash", entry.get("hash")) != row["hash"]:
                check.problems.append(
                    f"journal seq {seq} does not match its anchor on the {env} database (edited or re-chained)"
                )
        for seq, entry in sorted(by_seq.items()):
            errors = entry.get("anchor_error")
            if (
                env in anchor_envs(entry)
                and seq not in anchored
                and not (isinstance(errors, dict) and env in errors)
            ):
                check.problems.append(
                    f"journal seq {seq} ({entry.get('event')}) has no anchor on the {env} database (the anchor "
                    "was deleted, or the entry was forged)"
                )
    return check


def anchor_age_s(settings: Settings, environment: Env, journal_id: str | None, seq: int) -> float | None:
    """Seconds since entry `seq` was anchored on that database, by the database's clock (None: no anchor)."""
    dsn = settings.dsn(environment)
    if journal_id is None or not dsn:
        return None
    try:
        with db.session(dsn, autocommit=True) as conn:
            present = db.query_one(conn, db.sql_file("journal/anchor_table_exists.sql"))
            if not present or not present["present"]:
                return None
            row = db.query_one(
                conn, db.sql_file("journal/anchor_age.sql"), {"journal_id": journal_id, "seq": seq}
            )
    except (NotConfigured, psycopg.Error):
        return None
    return float(row["age_s"]) if row else None
