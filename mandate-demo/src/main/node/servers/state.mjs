// Shared by the scenario MCP servers (mail, bank, calendar, chat): each keeps its whole state in
// one JSON file, read on every call and written back atomically, so a test can reset a server
// between runs by rewriting the file while the server keeps running.
//
// The file is given by --state <file> or the STATE_FILE environment variable.
import { readFile, rename, writeFile } from "node:fs/promises";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";

function stateFile() {
  const i = process.argv.indexOf("--state");
  const file = i >= 0 ? process.argv[i + 1] : process.env.STATE_FILE;
  if (!file) {
    console.error("give the state file with --state <file> or STATE_FILE");
    process.exit(2);
  }
  return file;
}

const file = stateFile();

async function load() {
  return JSON.parse(await readFile(file, "utf8"));
}

async function save(state) {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2));
  await rename(tmp, file);
}

/** A tool result whose text is the JSON of value. */
function ok(value) {
  return { content: [{ type: "text", text: JSON.stringify(value, null, 2) }] };
}

/** A tool error the model can read: what a tool's run returns to refuse. */
export function fail(message) {
  return { isError: true, content: [{ type: "text", text: message }] };
}

/**
 * Creates a server with these tools and serves it over stdio. A tool is {description, input (its
 * zod argument shape; none if left out), changes, run(state, args)}: run gets the state as read
 * for the call and returns the result (sent as JSON) or fail(message); the state of a tool that
 * changes it is written back when run did not fail.
 */
export async function serve(name, tools) {
  const server = new McpServer({ name, version: "1.0.0" });
  for (const [tool, { description, input = {}, changes = false, run }] of Object.entries(tools)) {
    server.registerTool(tool, { description, inputSchema: input }, async (args) => {
      const state = await load();
      const result = run(state, args);
      if (result?.isError) return result;
      if (changes) await save(state);
      return ok(result);
    });
  }
  await server.connect(new StdioServerTransport());
}

/** The next id for a list of records with string ids such as "msg-7". */
export function nextId(prefix, records) {
  let max = 0;
  for (const r of records) {
    const n = Number(String(r.id).slice(prefix.length + 1));
    if (Number.isInteger(n) && n > max) max = n;
  }
  return `${prefix}-${max + 1}`;
}
