"""The runbook a human reads: tickets/NN_NAME.md, served as MCP resources."""

from __future__ import annotations

from server import resources
from server.runbook import BY_ID


def ticket_markdown(ticket_id: str) -> str:
    filename = BY_ID[ticket_id].filename
    try:
        return resources.resource("tickets", filename).read_text(encoding="utf-8")
    except FileNotFoundError:
        return f"(ticket file {filename} is missing from this installation)"
