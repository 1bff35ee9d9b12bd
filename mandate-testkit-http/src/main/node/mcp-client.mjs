// A small MCP client on the TypeScript SDK, driven by the gateway's Java tests.
//
//   node mcp-client.mjs <endpoint-url> <bearer-token> '<operations as JSON>'
//   node mcp-client.mjs --stdio '<command and its arguments as a JSON array>' '<operations>'
//
//   node mcp-client.mjs --oauth '<options as JSON>' <endpoint-url> '<operations>'
//
// The second form starts the command as an MCP server over stdio (such as `mandate proxy`),
// passing it this process's environment; its stderr goes to this process's stderr.
//
// The third runs the SDK's own OAuth flow (its OAuthClientProvider and auth()): discovery from the
// 401 (RFC 9728), the authorization server's metadata (RFC 8414), a client ID metadata document
// (options.clientMetadataUrl, https) or else dynamic registration (RFC 7591), PKCE, state and the
// resource indicator (RFC 8707). The test is the person's browser: the authorization URL is printed
// as a line {"authorize": URL}; the test signs in, consents and follows the redirect to this
// client's loopback callback, http://127.0.0.1:<options.redirectPort>/callback, which checks the
// state and the issuer (RFC 9207: the SDK leaves both to the application) and completes the flow
// with transport.finishAuth(code). The report then carries "oauth" (the client id and the tokens
// the SDK holds, for the test to inspect); the operation {"op":"expireAccessToken"} spoils the
// access token so that the next request makes the SDK refresh it, and {"op":"reconnect"} opens a
// new session with the same provider (a bearer capability's session ends with it: the gateway binds
// a session to the token that opened it, or to its holder key).
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
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";

/** An OAuthClientProvider kept in memory, whose "browser" is the test driving this process. */
class TestOAuthProvider {
  constructor(options) {
    this.options = options;
    this.redirect = `http://127.0.0.1:${options.redirectPort}/callback`;
    this.client = undefined;
    this.saved = undefined;
    this.tokenSets = 0;
  }
  get redirectUrl() {
    return this.redirect;
  }
  get clientMetadataUrl() {
    return this.options.clientMetadataUrl;
  }
  get clientMetadata() {
    return {
      client_name: this.options.clientName ?? "TypeScript SDK test client",
      redirect_uris: [this.redirect],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  state() {
    this.expectedState = randomBytes(24).toString("base64url");
    return this.expectedState;
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens) {
    this.saved = tokens;
    this.tokenSets++;
  }
  redirectToAuthorization(url) {
    console.log(JSON.stringify({ authorize: url.href }));
  }
  saveCodeVerifier(verifier) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  saveDiscoveryState(state) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
}

/** The redirect URI's listener: resolves with the query of the first request to /callback. */
function loopbackCallback(port) {
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const url = new URL(req.url, `http://127.0.0.1:${port}`);
      res.writeHead(200, { "Content-Type": "text/plain" }).end("done\n");
      if (url.pathname === "/callback") {
        server.close();
        resolve(Object.fromEntries(url.searchParams));
      }
    });
    server.on("error", reject);
    server.listen(port, "127.0.0.1");
  });
}

function newClient() {
  const client = new Client(
    { name: "mandate-gateway-test", version: "1.0.0" },
    { capabilities: { sampling: {} } },
  );
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    model: "test-model",
    role: "assistant",
    content: { type: "text", text: "sampled by the test" },
  }));
  return client;
}

function failure(e) {
  return { ok: false, code: e?.code ?? null, message: String(e?.message ?? e) };
}

const argv = process.argv.slice(2);
let transport;
let operationsJson;
let provider;
let client = newClient();
try {
  if (argv[0] === "--stdio") {
    const [command, ...args] = JSON.parse(argv[1]);
    transport = new StdioClientTransport({ command, args, env: process.env, stderr: "inherit" });
    operationsJson = argv[2];
    await client.connect(transport);
  } else if (argv[0] === "--oauth") {
    const url = new URL(argv[2]);
    operationsJson = argv[3];
    provider = new TestOAuthProvider(JSON.parse(argv[1]));
    const callback = loopbackCallback(provider.options.redirectPort);
    transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
    try {
      await client.connect(transport);
    } catch (e) {
      if (!(e instanceof UnauthorizedError)) {
        throw e;
      }
      const answer = await callback;
      if (answer.error) {
        throw new Error(`authorization refused: ${answer.error}: ${answer.error_description}`);
      }
      if (answer.state !== provider.expectedState) {
        throw new Error("the authorization response's state is not the one sent");
      }
      const issuer = provider.discovery?.authorizationServerMetadata?.issuer;
      if (!issuer || answer.iss !== issuer) {
        throw new Error(`the authorization response's iss ${answer.iss} is not ${issuer}`);
      }
      await transport.finishAuth(answer.code);
      client = newClient();
      transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
      await client.connect(transport);
    }
  } else {
    const [url, token] = argv;
    operationsJson = argv[2];
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
    await client.connect(transport);
  }
} catch (e) {
  console.log(JSON.stringify({ connected: false, ...failure(e), oauth: oauthReport() }));
  process.exit(0);
}
const operations = JSON.parse(operationsJson ?? "[]");

function oauthReport() {
  if (!provider) {
    return undefined;
  }
  return {
    clientId: provider.client?.client_id ?? null,
    tokenSets: provider.tokenSets,
    tokenType: provider.saved?.token_type ?? null,
    expiresIn: provider.saved?.expires_in ?? null,
    accessToken: provider.saved?.access_token ?? null,
    refreshToken: provider.saved?.refresh_token ?? null,
  };
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
      case "expireAccessToken":
        provider.saved = { ...provider.saved, access_token: "expired" };
        value = {};
        break;
      case "reconnect":
        await client.close();
        client = newClient();
        transport = new StreamableHTTPClientTransport(new URL(argv[2]), { authProvider: provider });
        await client.connect(transport);
        value = { sessionId: transport.sessionId ?? null };
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
    oauth: oauthReport(),
  }),
);
await transport.terminateSession().catch(() => {});
await client.close();
