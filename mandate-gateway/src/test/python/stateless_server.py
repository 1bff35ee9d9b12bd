"""A stateless MCP 2026-07-28 server for the gateway's tests (Python SDK 2.3.0).

Tools that read paths, send messages and move money, each answering what it was asked, so a test
can see exactly which calls reached the server. Its lists advertise a public cache scope, which
the gateway must turn private. Usage: stateless_server.py PORT
"""

import sys


def called(line: str) -> None:
    """Logs each call that reaches the server, so a test can tell which ones did."""
    print(f"CALLED {line}", file=sys.stderr, flush=True)

from mcp.server.caching import CacheHint
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError

server = MCPServer(
    "bank-and-files",
    cache_hints={
        "tools/list": CacheHint(ttl_ms=60_000, scope="public"),
        "resources/list": CacheHint(ttl_ms=60_000, scope="public"),
        "prompts/list": CacheHint(ttl_ms=60_000, scope="public"),
    },
)


@server.tool()
def read_file(path: str) -> str:
    """Reads a file. A path ending in /missing.txt fails as a tool error naming it, one ending in
    /broken.txt as a protocol error naming it (as servers word their errors with host paths)."""
    called(f"read_file {path}")
    if path.endswith("/missing.txt"):
        raise ToolError(f"ENOENT: no such file or directory, open '{path}'")
    if path.endswith("/broken.txt"):
        raise MCPError(-32603, f"cannot read {path}", {"path": path})
    return f"contents of {path}"


@server.tool()
def send_message(to: str, text: str) -> str:
    """Sends a message."""
    called(f"send_message {to}")
    return f"sent to {to}: {text}"


@server.tool()
def transfer(to_account: str, amount: int) -> str:
    """Moves money."""
    called(f"transfer {amount} {to_account}")
    return f"moved {amount} to {to_account}"


@server.prompt()
def summarize(topic: str) -> str:
    """Summarizes a topic."""
    return f"Summarize {topic}."


@server.resource("note://public/readme")
def public_readme() -> str:
    return "public readme"


@server.resource("note://private/diary")
def private_diary() -> str:
    return "private diary"


if __name__ == "__main__":
    server.run(
        "streamable-http",
        host="127.0.0.1",
        port=int(sys.argv[1]),
        stateless_http=True,
        json_response=True,
    )
