"""Drives the MCP Python SDK 2.3.0 client against a gateway endpoint, for the gateway's tests.

Usage: mcp_client.py URL TOKEN OPERATIONS_JSON

Connects with the SDK's default negotiation (server/discover, falling back to initialize), with
the capability as its bearer token and nothing else Mandate-specific, runs the operations in
order and prints one JSON report as its last line. Operations: {"op": "tools"}, {"op": "call",
"tool": NAME, "args": {...}}, {"op": "read", "uri": URI}, {"op": "prompts"}, {"op":
"resources"}. A form elicitation (the gateway asking for an approval) is printed as a line
{"elicitation": {...}}; the next line on standard input is the person's answer: the approval's
text, or an empty line to decline.
"""

import asyncio
import json
import sys

import mcp_types as types
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError


def dump(model):
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


async def ask_person(context, params):
    print(json.dumps({"elicitation": dump(params)}), flush=True)
    answer = (await asyncio.to_thread(sys.stdin.readline)).strip()
    if not answer:
        return types.ElicitResult(action="decline")
    return types.ElicitResult(action="accept", content={"approval": answer})


async def run(op, client):
    kind = op["op"]
    if kind == "tools":
        result = await client.list_tools(cache_mode="refresh")
        return {"tools": sorted(t.name for t in result.tools), "cacheScope": result.cache_scope}
    if kind == "resources":
        result = await client.list_resources(cache_mode="refresh")
        return {"resources": sorted(str(r.uri) for r in result.resources), "cacheScope": result.cache_scope}
    if kind == "prompts":
        result = await client.list_prompts(cache_mode="refresh")
        return {"prompts": sorted(p.name for p in result.prompts), "cacheScope": result.cache_scope}
    if kind == "call":
        result = await client.call_tool(op["tool"], op.get("args", {}))
        return {
            "isError": result.is_error,
            "text": " ".join(c.text for c in result.content if c.type == "text"),
            "structured": result.structured_content,
        }
    if kind == "read":
        result = await client.read_resource(op["uri"])
        return {"text": " ".join(getattr(c, "text", "") for c in result.contents)}
    raise ValueError(f"unknown operation {kind}")


async def main():
    url, token, operations = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    report = {"results": []}
    try:
        async with http, Client(streamable_http_client(url, http_client=http), elicitation_callback=ask_person) as client:
            discovered = client.session.discover_result
            report["protocolVersion"] = client.protocol_version
            report["supportedVersions"] = discovered.supported_versions if discovered else None
            report["capabilities"] = dump(client.server_capabilities)
            for op in operations:
                try:
                    report["results"].append(await run(op, client))
                except MCPError as e:
                    report["results"].append({"error": {"code": e.error.code, "message": e.error.message}})
    except MCPError as e:
        report["connectError"] = {"code": e.error.code, "message": e.error.message}
    except Exception as e:  # the transport's own failures, such as a 401 it cannot get past
        report["connectError"] = {"type": type(e).__name__, "message": str(e)}
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
