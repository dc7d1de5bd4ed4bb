"""EXECUTION_LOG.md for humans: one block per ticket call, refusal or operator action, each followed by
the journal head it was written at (SPEC.md §7); and the check of those lines against the journal."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

from server.journal.common import EXECUTION_LOG, utc_now
from server.runbook import EventKind

HEAD = re.compile(r"^Journal head: seq (\d+), hash ([0-9a-f]{64})$")
COMPLETE_LINE = re.compile(r"^STATUS: COMPLETE — TICKET (\d\d) (\w+) (\w+) — ")
# Characters that could end a line, hide or reorder what it says: control characters, line and
# paragraph separators, and format characters (bidi marks and overrides, zero-width characters).
_ESCAPED_CATEGORIES = {"Cc", "Zl", "Zp", "Cf"}


def escape(text: str) -> str:
    """Text that came from a caller, safe on one line (SPEC.md §7): each such character shown as \\uXXXX,
    and `STATUS:` written `STATUS\\:` so that only a real completion or rollback line contains it."""
    shown = "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch) in _ESCAPED_CATEGORIES else ch for ch in text
    )
    return shown.replace("STATUS:", "STATUS\\:")


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = escape(text).replace("|", "\\|")
    return text if len(text) <= 160 else text[:157] + "..."


def head_line(seq: int, digest: str) -> str:
    return f"Journal head: seq {seq}, hash {digest}"


def _title(ticket: str | None, tool: str, environment: str | None) -> str:
    prefix = (
        f"TICKET {ticket}" if ticket and tool != "rollback" else "ROLLBACK" if tool == "rollback" else "CALL"
    )
    return f"## {prefix} — {tool} — {environment or 'both'}"


def ticket_block(
    *,
    ticket: str | None,
    tool: str,
    environment: str | None,
    run_id: str,
    args: dict[str, Any],
    result: dict[str, Any],
    started_at: str,
    actions: list[str],
    decision: str,
    completion: bool,
    rolled_back: list[str] | None = None,
) -> str:
    finished = utc_now()
    lines = [
        _title(ticket, tool, environment),
        f"Time: {started_at} → {finished} ({result.get('duration_ms', 0)} ms)",
        f"Run: {run_id}",
        f"Arguments: {_value(args)}",
        "Actions and outputs:",
    ]
    lines += [f"- {_value(action)}" for action in actions] or ["- (none)"]
    lines.append(f"- summary: {escape(str(result.get('summary', '')))}")
    checks = result.get("checks") or []
    if checks:
        lines += [
            "Validation (expected vs actual):",
            "",
            "| check | expected | actual | result |",
            "| --- | --- | --- | --- |",
        ]
        for check in checks:
            verdict = ("PASS" if check.get("passed") else "FAIL") + (
                " (warning)" if check.get("warning") else ""
            )
            lines.append(
                f"| {_value(check.get('name'))} | {_value(check.get('expected'))} | "
                f"{_value(check.get('actual'))} | {verdict} |"
            )
        lines.append("")
        warnings = [check for check in checks if check.get("warning")]
        if warnings:
            lines.append("Warnings:")
            lines += [
                f"- WARNING {_value(c.get('name'))}: {' '.join(str(c.get('warning')).split())}"
                for c in warnings
            ]
            lines.append("")
    nxt = result.get("next")
    after = (
        f" Next: {nxt['tool']} ({nxt['environment']}, ticket {nxt['ticket']})."
        if nxt
        else " The run is complete."
    )
    lines.append(f"Decision: {decision}.{after}")
    if completion and ticket:
        lines.append(f"STATUS: COMPLETE — TICKET {ticket} {tool} {environment or 'both'} — {finished}")
    if rolled_back:
        lines.append(f"STATUS: ROLLED_BACK — TICKETS {' '.join(rolled_back)} {environment} — {finished}")
    return "\n".join(lines)


def refusal_block(
    *, tool: str, environment: str | None, run_id: str | None, args: dict[str, Any], text: str
) -> str:
    return "\n".join(
        [
            f"## REFUSED — {tool} — {environment or 'both'}",
            f"Time: {utc_now()}",
            f"Run: {run_id or '(none)'}",
            f"Arguments: {_value(args)}",
            f"Decision: {escape(text)}",
        ]
    )


def started_block(
    *, ticket: str | None, tool: str, environment: str | None, run_id: str, note: str = ""
) -> str:
    return "\n".join(
        [
            f"## STARTED — {tool} — {environment or 'both'}" + (f" (ticket {ticket})" if ticket else ""),
            f"Time: {utc_now()}",
            f"Run: {run_id}" + (f"\n{note}" if note else ""),
        ]
    )


def running_block(
    *,
    ticket: str | None,
    tool: str,
    environment: str | None,
    run_id: str | None,
    args: dict[str, Any],
    text: str,
) -> str:
    """A caller answered RUNNING (SPEC.md §14): the work goes on; never a completion line."""
    return "\n".join(
        [
            f"## RUNNING — {tool} — {environment or 'both'}" + (f" (ticket {ticket})" if ticket else ""),
            f"Time: {utc_now()}",
            f"Run: {run_id or '(none)'}",
            f"Arguments: {_value(args)}",
            f"Decision: {escape(text)}",
        ]
    )


def operator_block(
    *, action: str, run_id: str | None, by: str | None = None, reason: str | None = None
) -> str:
    lines = [f"## OPERATOR — {action}", f"Time: {utc_now()}", f"Run: {run_id or '(none)'}"]
    if by:
        lines.append(f"By: {escape(by)}")
    if reason:
        lines.append(f"Reason: {_value(reason)}")
    return "\n".join(lines)


def verify_log(log_path: Path, events: list[dict[str, Any]]) -> list[str]:
    """Every journal-head line names an entry the journal has, with its hash; and the log holds exactly
    as many completion lines as the journal records completions."""
    if not log_path.exists():
        return [f"{EXECUTION_LOG} is missing"] if events else []
    problems: list[str] = []
    by_seq = {int(e["seq"]): e for e in events if isinstance(e.get("seq"), int)}
    completions = 0
    for number, line in enumerate(log_path.read_text(encoding="utf-8").splitlines(), start=1):
        if COMPLETE_LINE.match(line):
            completions += 1
        head = HEAD.match(line)
        if not head:
            continue
        seq, digest = int(head.group(1)), head.group(2)
        if seq not in by_seq:
            problems.append(
                f"{EXECUTION_LOG} line {number} names journal seq {seq} as its head, which the journal does not "
                "have (entries deleted)"
            )
        elif by_seq[seq].get("hash") != digest:
            problems.append(f"{EXECUTION_LOG} line {number}: journal seq {seq} does not match its head line")
    passed = sum(1 for e in events if e.get("event") == EventKind.PASSED and e.get("tool") != "rollback")
    if completions != passed:
        problems.append(
            f"{EXECUTION_LOG} has {completions} completion lines but the journal records {passed} completions"
        )
    return problems
