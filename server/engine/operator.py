"""The operator's actions (CLI only; no MCP tool reaches these): approvals, sign-offs, halt, resume, abandon.
Whether an action may be taken is the runbook's to say; this module journals it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from server import db
from server.engine.evidence import Evidence, production_evidence, rollback_evidence
from server.errors import NotConfigured, Refused
from server.journal import JOURNAL, execlog
from server.runbook import (
    BACKUP_TICKET,
    ENVIRONMENTS,
    SOAK_AFTER,
    SOAK_TICKET,
    Env,
    EventKind,
    RefusalCode,
    Refuse,
    RunState,
    abandon_refusal,
    fold,
    production_approval_binding,
    rollback_approval_refusal,
    sign_off_refusal,
)
from tools.lib.leftovers import Cleanup, remove_leftovers

if TYPE_CHECKING:
    from server.engine.guard import Guard

Entry = dict[str, object]


def _raise(refusal: Refuse) -> NoReturn:
    raise Refused(str(refusal.code), refusal.message)


def _require_intact(guard: Guard, environments: tuple[Env, ...], action: str) -> None:
    """An operator action that lifts a gate is never taken on a journal that failed its verification."""
    problem = guard.tampered(environments)
    if problem is not None:
        raise Refused(
            str(RefusalCode.JOURNAL_TAMPERED),
            f"{action} is refused: the journal failed its verification ({problem}). Run `menuca-migrate "
            "verify-log`, then restore the journal or `menuca-migrate abandon --reason TEXT`.",
        )


def production_binding(guard: Guard) -> RunState:
    """The run state, when `approve production` may be given now (else Refused, exit 1)."""
    _require_intact(guard, ENVIRONMENTS, "approve production")
    state = guard.load_state()
    binding = production_approval_binding(state)
    if isinstance(binding, Refuse):
        _raise(binding)
    return state


def approve_production(
    guard: Guard, by: str, *, interactive: bool = False, evidence: Evidence | None = None
) -> Entry:
    """Record the approval of production with the evidence the operator was shown (computed now when
    not given) and whether it was confirmed on a terminal."""

    def bound_seq(state: RunState) -> int:
        binding = production_approval_binding(state)
        if isinstance(binding, Refuse):
            _raise(binding)
        return binding

    _require_intact(guard, ENVIRONMENTS, "approve production")
    state = guard.load_state()
    seq = bound_seq(state)
    shown = evidence or production_evidence(guard, state, interactive=interactive)

    def still_bound(events: list[dict[str, object]]) -> None:
        if bound_seq(fold(events)) != seq:
            raise Refused(
                str(RefusalCode.OUT_OF_ORDER),
                "the run moved while the approval was being written: run status and try again.",
            )

    return guard.journal.append(
        EventKind.APPROVED,
        run_id=state.run_id,
        ticket=SOAK_TICKET,
        outcome="APPROVED",
        details={
            "kind": "production",
            "by": by,
            "bound_to_seq": seq,
            "interactive": interactive,
            "evidence_sha256": shown.sha256,
            "evidence": shown.text,
        },
        log_text=execlog.operator_block(action="approve production", run_id=state.run_id, by=by)
        + f"\nBound to: the completion of ticket {SOAK_AFTER} (journal seq {seq})"
        + _confirmation(interactive, shown),
        precondition=still_bound,
    )


def rollback_binding(guard: Guard) -> RunState:
    """The run state, when `approve rollback` may be given now (else Refused, exit 1)."""
    _require_intact(guard, ENVIRONMENTS, "approve rollback")
    state = guard.load_state()
    refusal = rollback_approval_refusal(state)
    if refusal is not None:
        _raise(refusal)
    return state


def approve_rollback(
    guard: Guard, by: str, *, interactive: bool = False, evidence: Evidence | None = None
) -> Entry:
    state = rollback_binding(guard)
    shown = evidence or rollback_evidence(guard, state, interactive=interactive)
    return guard.journal.append(
        EventKind.APPROVED,
        run_id=state.run_id,
        ticket=SOAK_TICKET,
        outcome="APPROVED",
        details={
            "kind": "rollback",
            "by": by,
            "bound_to_seq": state.head_seq,
            "interactive": interactive,
            "evidence_sha256": shown.sha256,
            "evidence": shown.text,
        },
        log_text=execlog.operator_block(
            action="approve rollback (one full production restore)", run_id=state.run_id, by=by
        )
        + _confirmation(interactive, shown),
    )


def sign_off(guard: Guard, by: str, role: str, note: str | None) -> Entry:
    """A sign-off on the completed run (SPEC.md §4): after ticket 10, never on a broken journal."""
    _require_intact(guard, ENVIRONMENTS, "sign-off")
    state = guard.load_state()
    refusal = sign_off_refusal(state)
    if refusal is not None:
        _raise(refusal)
    block = (
        execlog.operator_block(action="sign-off", run_id=state.run_id, by=by)
        + f"\nRole: {execlog.escape(role)}"
    )
    return guard.journal.append(
        EventKind.SIGNED_OFF,
        run_id=state.run_id,
        outcome="SIGNED_OFF",
        details={"by": by, "role": role, "note": note},
        log_text=block + (f"\nNote: {execlog.escape(note)}" if note else ""),
    )


def _confirmation(interactive: bool, evidence: Evidence) -> str:
    how = (
        "confirmed on a terminal (the production database name was typed)"
        if interactive
        else "approved without a terminal (--yes)"
    )
    quoted = "\n".join(f"> {line}" if line else ">" for line in evidence.text.rstrip("\n").splitlines())
    return f"\nConfirmation: {how}\nEvidence sha256: {evidence.sha256}\nEvidence shown to the operator:\n{quoted}"


def halt(guard: Guard, reason: str) -> Entry:
    state = guard.load_state()
    return guard.journal.append(
        EventKind.HALTED,
        run_id=state.run_id,
        outcome="HALTED",
        details={"reason": reason},
        log_text=execlog.operator_block(action="halt", run_id=state.run_id, reason=reason),
    )


def resume(guard: Guard) -> Entry:
    _require_intact(guard, (), "resume")
    state = guard.load_state()
    return guard.journal.append(
        EventKind.RESUMED,
        run_id=state.run_id,
        outcome="RESUMED",
        log_text=execlog.operator_block(action="resume", run_id=state.run_id),
    )


def abandon(guard: Guard, reason: str) -> Entry:
    problem = guard.tampered()
    if problem is not None:
        return _abandon_tampered(guard, reason, problem)
    state = guard.load_state()
    refusal = abandon_refusal(state)
    if refusal is not None:
        _raise(refusal)
    assert state.run_id is not None  # abandon_refusal refuses when there is no run
    cleanup = _remove_run_leftovers(guard, state)
    block = execlog.operator_block(action="abandon", run_id=state.run_id, reason=reason)
    block += "".join(f"\nRemoved: {item}" for item in cleanup.removed)
    block += "".join(f"\nNOT removed: {item}" for item in cleanup.not_removed)
    return guard.journal.append(
        EventKind.ABANDONED,
        run_id=state.run_id,
        outcome="ABANDONED",
        details={"reason": reason, "removed": cleanup.removed, "not_removed": cleanup.not_removed},
        log_text=block,
    )


def _abandon_tampered(guard: Guard, reason: str, problem: str) -> Entry:
    """The way out of JOURNAL_TAMPERED: the journal, its log and its key move aside (kept for whoever
    investigates); a new journal, with a new key, records that; the next preflight starts a new run."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    journal = guard.journal
    state = guard.load_state()
    old_run = state.run_id
    # the run's copies of the data go whatever the journal says: they are named by its run id
    cleanup = _remove_run_leftovers(guard, state) if old_run else Cleanup()
    with journal.locked():
        moved = {
            "journal": _move_aside(
                journal.path, journal.run_dir / f"{JOURNAL.removesuffix('.jsonl')}.tampered-{stamp}"
            ),
            "log": _move_aside(journal.log_path, journal.run_dir / f"EXECUTION_LOG.tampered-{stamp}.md"),
            "key": _move_aside(
                journal.key_file, journal.key_file.with_name(f"{journal.key_file.name}.tampered-{stamp}")
            ),
        }
    return journal.append(
        EventKind.ABANDONED,
        run_id=old_run,
        outcome="ABANDONED",
        details={
            "reason": reason,
            "tampered": problem,
            "moved_aside": moved,
            "removed": cleanup.removed,
            "not_removed": cleanup.not_removed,
        },
        log_text=execlog.operator_block(
            action="abandon (journal failed its verification)", run_id=old_run, reason=reason
        )
        + f"\nThe journal failed its verification: {execlog.escape(problem)}"
        + f"\nMoved aside: {', '.join(f'{k} to {v}' for k, v in moved.items() if v)}; a new journal and key start here."
        + "".join(f"\nRemoved: {item}" for item in cleanup.removed)
        + "".join(f"\nNOT removed: {item}" for item in cleanup.not_removed),
    )


def _move_aside(path: Path, to: Path) -> str | None:
    try:
        path.replace(to)
    except FileNotFoundError:
        return None
    return str(to)


def _remove_run_leftovers(guard: Guard, state: RunState) -> Cleanup:
    """What the run's unfinished work left (scratch databases, unverified dumps, restore scripts) on
    both environments: an abandoned run leaves no copy of the data behind but its verified backups."""
    assert state.run_id is not None
    keep = [
        str(record["path"])
        for ticket in BACKUP_TICKET.values()
        for record in state.records.get(ticket, [])
        if record.get("verified") and record.get("path")
    ]
    backups = guard.settings.run_dir / "backups"
    cleanup = Cleanup()
    for env in ENVIRONMENTS:
        dsn = guard.settings.dsn(env)
        try:
            if not dsn:
                raise NotConfigured(f"MENUCA_{env.upper()}_DSN is not set")
            with db.session(dsn, run_id=state.run_id, autocommit=True) as conn:
                cleanup.extend(remove_leftovers(conn, backups, state.run_id, env, keep))
        except NotConfigured:
            cleanup.extend(remove_leftovers(None, backups, state.run_id, env, keep))
    return cleanup
