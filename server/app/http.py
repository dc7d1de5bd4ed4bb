"""Streamable HTTP transport on loopback, every request authenticated by the operator's bearer token."""

from __future__ import annotations

import hmac
import json
from typing import Any

import uvicorn
from mcp.server import MCPServer

from server.errors import ConfigError

Scope = dict[str, Any]


class BearerAuth:
    """ASGI middleware: a request without `Authorization: Bearer <MENUCA_HTTP_TOKEN>` gets 401."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                body = json.dumps(
                    {"error": "unauthorized", "message": "send Authorization: Bearer <MENUCA_HTTP_TOKEN>"}
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def serve_http(mcp: MCPServer, *, host: str, port: int, token: str | None) -> None:
    if not token:
        raise ConfigError(
            "the HTTP transport needs MENUCA_HTTP_TOKEN (a bearer token every request must send)"
        )
    if len(token) < 16:
        raise ConfigError("MENUCA_HTTP_TOKEN is too short: use at least 16 random characters")
    app = BearerAuth(mcp.streamable_http_app(host=host), token)
    uvicorn.run(app, host=host, port=port, log_level="warning")
