"""Drives the MCP Python SDK 2.3.0 client's own OAuth flow against a gateway endpoint.

Usage: mcp_oauth_client.py URL REDIRECT_PORT OPERATIONS_JSON

The client knows nothing of Mandate: the SDK's OAuthClientProvider discovers the authorization
server from the gateway's 401 (RFC 9728 resource metadata), reads its metadata (RFC 8414),
registers itself (RFC 7591), and sends the person to the authorization URL with PKCE (S256), a
state and the resource indicator (RFC 8707). The "browser" is the test: the authorization URL is
printed as a line {"authorize": URL}; the test signs in, consents and follows the redirect to this
client's loopback callback (http://127.0.0.1:REDIRECT_PORT/callback), whose code, state and iss
(RFC 9207, checked by the SDK) are handed back to the SDK, which exchanges the code and retries.
Then the operations run as in mcp_client.py, plus {"op": "expire"}, which marks the access token
expired so that the next request makes the SDK refresh it, and {"op": "reconnect"}, which opens a
new session with the same provider (the gateway binds a bearer capability's session to it). The
last line is one JSON report, with the tokens the
SDK holds (for the test to inspect) under "oauth".
"""

import asyncio
import json
import sys
from urllib.parse import parse_qs, urlparse

from mcp.client import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata
from mcp.shared.exceptions import MCPError

from mcp_client import run


class MemoryStorage:
    """The SDK's TokenStorage, in memory; counts the token sets it was given."""

    def __init__(self):
        self.tokens = None
        self.client_info = None
        self.saved = 0

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens
        self.saved += 1

    async def get_client_info(self):
        return self.client_info

    async def set_client_info(self, client_info):
        self.client_info = client_info


class LoopbackCallback:
    """The redirect URI's listener: one request to /callback, whose query it keeps."""

    def __init__(self, port):
        self.port = port
        self.arrived = asyncio.get_running_loop().create_future()

    async def start(self):
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", self.port)

    async def handle(self, reader, writer):
        line = (await reader.readline()).decode("latin-1")
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        target = line.split(" ")[1] if line.count(" ") >= 2 else "/"
        query = {k: v[0] for k, v in parse_qs(urlparse(target).query).items()}
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                     b"Connection: close\r\n\r\ndone\n")
        await writer.drain()
        writer.close()
        if urlparse(target).path == "/callback" and not self.arrived.done():
            self.arrived.set_result(query)

    async def result(self):
        query = await self.arrived
        if "error" in query:
            raise RuntimeError(f"authorization refused: {query.get('error')}: {query.get('error_description')}")
        return AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))


def leaf(e):
    """The first exception inside task groups: the one that says what went wrong."""
    while isinstance(e, BaseExceptionGroup) and e.exceptions:
        e = e.exceptions[0]
    return e


async def show_authorization_url(url):
    print(json.dumps({"authorize": url}), flush=True)


async def main():
    url, port, operations = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    callback = LoopbackCallback(port)
    await callback.start()
    storage = MemoryStorage()
    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name="Python SDK test client",
            redirect_uris=[f"http://127.0.0.1:{port}/callback"],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=show_authorization_url,
        callback_handler=callback.result,
    )
    http = create_mcp_http_client(auth=provider)
    report = {"results": []}
    # One session per run of operations between {"op": "reconnect"}s, all on the same provider.
    sessions = [[]]
    for op in operations:
        if op["op"] == "reconnect":
            sessions.append([])
        else:
            sessions[-1].append(op)
    try:
        async with http:
            for i, session in enumerate(sessions):
                if i > 0:
                    report["results"].append({"reconnected": True})
                async with Client(streamable_http_client(url, http_client=http)) as client:
                    report["protocolVersion"] = client.protocol_version
                    for op in session:
                        if op["op"] == "expire":
                            provider.context.token_expiry_time = 1  # long past: refresh first
                            report["results"].append({"expired": True})
                            continue
                        try:
                            report["results"].append(await run(op, client))
                        except MCPError as e:
                            report["results"].append({"error": {"code": e.error.code, "message": e.error.message}})
    except MCPError as e:
        report["connectError"] = {"code": e.error.code, "message": e.error.message}
    except Exception as e:  # the OAuth flow's own failures (a refused consent, a mixed-up issuer)
        cause = leaf(e)
        report["connectError"] = {"type": type(cause).__name__, "message": str(cause)}
    finally:
        callback.server.close()
    tokens = storage.tokens
    report["oauth"] = {
        "clientId": storage.client_info.client_id if storage.client_info else None,
        "tokenSets": storage.saved,
        "tokenType": tokens.token_type if tokens else None,
        "expiresIn": tokens.expires_in if tokens else None,
        "accessToken": tokens.access_token if tokens else None,
        "refreshToken": tokens.refresh_token if tokens else None,
    }
    print(json.dumps(report), flush=True)


asyncio.run(main())
