"""The MCP adapter: the server with its tools, resources and prompt; nothing here decides anything
(the guard does)."""

from __future__ import annotations

from mcp.server import MCPServer

from server.app.resources import add_resources
from server.app.tools import add_tools
from server.engine import registry
from server.engine.guard import Guard
from server.settings import Settings

INSTRUCTIONS = """\
This server runs the MenuCA V3 schema-optimisation runbook: 11 tickets, staging (00-05) then
production (06-10). Call `status` first. Then call the tool that every result's `next` names, with
its environment, one at a time; the server refuses anything out of order and says what to do
instead. A FAIL result stops the run until that ticket passes or is rolled back: read its checks
and summary. Production waits for a soak window and a human approval you cannot give yourself."""


def build_server(settings: Settings) -> MCPServer:
    mcp = MCPServer(name="menuca-migrate", instructions=INSTRUCTIONS, version="0.1.0")

    def guard() -> Guard:
        return registry.make_guard(settings)

    add_tools(mcp, settings)
    add_resources(mcp, settings, guard)
    return mcp
