"""The streamable HTTP transport as an operator starts it: refused without a token, bound to loopback
by default, 401 for every request without the right bearer token, a full MCP session with it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2  # the HTTP client the MCP SDK itself uses (a dependency of mcp)
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.crash import wait_until

TOKEN = "test-token-" + "0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(port: int, run_dir: Path, token: str | None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENUCA_")}
    env["MENUCA_RUN_DIR"] = str(run_dir)
    if token is not None:
        env["MENUCA_HTTP_TOKEN"] = token
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--transport", "http", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _listeners(port: int) -> list[str]:
    """Local addresses (hex, as /proc/net/tcp* shows them) listening on this port."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text(encoding="utf-8").splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


@pytest.fixture(scope="module")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """One server for the module (started as an operator would); its stderr never shows the token."""
    port = _free_port()
    proc = _serve(port, tmp_path_factory.mktemp("http-run"), TOKEN)
    try:
        wait_until(lambda: _listeners(port) or proc.poll() is not None, 20, f"the server to listen on {port}")
        assert proc.poll() is None, proc.communicate()[1]
        yield port, proc
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=10)
    assert TOKEN not in stderr


def _post(port: int, headers: dict[str, str]) -> int:
    body = b'{"jsonrpc":"2.0","id":1,"method":"ping"}'
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/mcp",
        data=body,
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            **headers,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - same fixed URL
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_http_transport_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    proc = _serve(_free_port(), tmp_path, None)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "MENUCA_HTTP_TOKEN" in stderr


def test_the_http_transport_listens_on_loopback_only_by_default(http_server: tuple[int, Any]) -> None:
    port, _ = http_server
    assert _listeners(port) == ["0100007F"]  # 127.0.0.1, nothing on other addresses or IPv6


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": TOKEN}, {"X-Token": TOKEN}],
    ids=["no token", "wrong token", "no Bearer scheme", "other header"],
)
def test_a_request_without_the_right_bearer_token_gets_401(
    http_server: tuple[int, Any], headers: dict[str, str]
) -> None:
    port, _ = http_server
    assert _post(port, headers) == 401


@pytest.mark.anyio
async def test_an_mcp_client_with_the_token_lists_the_tools_and_calls_status(
    http_server: tuple[int, Any],
) -> None:
    port, _ = http_server
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    async with (
        http,
        Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)) as client,
    ):
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert {"status", "preflight", "backup", "rollback"} <= names
        status = await client.call_tool("status", {})
        assert not status.is_error
        assert isinstance(status.structured_content, dict)
        assert status.structured_content["run_id"] is None
