"""EXECUTION_LOG.md blocks for humans: one per ticket call, refusal or operator action (SPEC.md §7)."""

from __future__ import annotations

import json
from typing import Any

from server.journal import utc_now


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 160 else text[:157] + "..."


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
    lines.append(f"- summary: {result.get('summary', '')}")
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
            f"Decision: {text}",
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


def operator_block(
    *, action: str, run_id: str | None, by: str | None = None, reason: str | None = None
) -> str:
    lines = [f"## OPERATOR — {action}", f"Time: {utc_now()}", f"Run: {run_id or '(none)'}"]
    if by:
        lines.append(f"By: {by}")
    if reason:
        lines.append(f"Reason: {_value(reason)}")
    return "\n".join(lines)
