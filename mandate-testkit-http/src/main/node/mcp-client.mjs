// A small MCP client on the TypeScript SDK, driven by the gateway's Java tests.
//
//   node mcp-client.mjs <endpoint-url> <bearer-token> '<operations as JSON>'
//   node mcp-client.mjs --stdio '<command and its arguments as a JSON array>' '<operations>'
//
// The second form starts the command as an MCP server over stdio (such as `mandate proxy`),
// passing it this process's environment; its stderr goes to this process's stderr.
//
// Operations: {"op":"listTools"}, {"op":"callTool","name":"echo","arguments":{...}},
// {"op":"callToolWithProgress",...} (value gets "progressEvents": how many progress notifications
// arrived), {"op":"readResource","uri":"..."}, {"op":"getPrompt","name":"...","arguments":{...}}.
// The client offers sampling and answers every sampling/createMessage with "sampled by the test".
// Prints one JSON line: {"connected":true,"protocolVersion":..,"results":[{"ok":true,"value":..}
// or {"ok":false,"code":..,"message":".."}, ...]}, or {"connected":false,"message":".."}.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const argv = process.argv.slice(2);
let transport;
let operationsJson;
if (argv[0] === "--stdio") {
  const [command, ...args] = JSON.parse(argv[1]);
  transport = new StdioClientTransport({ command, args, env: process.env, stderr: "inherit" });
  operationsJson = argv[2];
} else {
  const [url, token] = argv;
  operationsJson = argv[2];
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
}
const operations = JSON.parse(operationsJson ?? "[]");
const client = new Client(
  { name: "mandate-gateway-test", version: "1.0.0" },
  { capabilities: { sampling: {} } },
);
client.setRequestHandler(CreateMessageRequestSchema, async () => ({
  model: "test-model",
  role: "assistant",
  content: { type: "text", text: "sampled by the test" },
}));

function failure(e) {
  return { ok: false, code: e?.code ?? null, message: String(e?.message ?? e) };
}

try {
  await client.connect(transport);
} catch (e) {
  console.log(JSON.stringify({ connected: false, ...failure(e) }));
  process.exit(0);
}

const results = [];
for (const op of operations) {
  try {
    let value;
    switch (op.op) {
      case "listTools":
        value = await client.listTools();
        break;
      case "callTool":
        value = await client.callTool({ name: op.name, arguments: op.arguments ?? {} });
        break;
      case "callToolWithProgress": {
        let progressEvents = 0;
        value = await client.callTool({ name: op.name, arguments: op.arguments ?? {} }, undefined, {
          onprogress: () => {
            progressEvents++;
          },
        });
        value = { ...value, progressEvents };
        break;
      }
      case "readResource":
        value = await client.readResource({ uri: op.uri });
        break;
      case "getPrompt":
        value = await client.getPrompt({ name: op.name, arguments: op.arguments ?? {} });
        break;
      default:
        throw new Error(`unknown operation ${op.op}`);
    }
    results.push({ ok: true, value });
  } catch (e) {
    results.push(failure(e));
  }
}
console.log(
  JSON.stringify({
    connected: true,
    protocolVersion: transport.protocolVersion ?? null,
    sessionId: transport.sessionId ?? null,
    results,
  }),
);
await transport.terminateSession().catch(() => {});
await client.close();
