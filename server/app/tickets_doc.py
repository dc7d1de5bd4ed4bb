"""The runbook a human reads: tickets/NN_NAME.md, served as MCP resources."""

from __future__ import annotations

from pathlib import Path

from server.runbook import BY_ID

TICKETS_DIR = Path(__file__).resolve().parents[2] / "tickets"


def ticket_markdown(ticket_id: str) -> str:
    path = TICKETS_DIR / BY_ID[ticket_id].filename
    if not path.exists():
        return f"(ticket file {path.name} is missing from this installation)"
    return path.read_text(encoding="utf-8")
