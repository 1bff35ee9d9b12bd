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

export async function load() {
  return JSON.parse(await readFile(file, "utf8"));
}

export async function save(state) {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2));
  await rename(tmp, file);
}

/** A tool result whose text is the JSON of value. */
export function ok(value) {
  return { content: [{ type: "text", text: JSON.stringify(value, null, 2) }] };
}

/** A tool error the model can read. */
export function fail(message) {
  return { isError: true, content: [{ type: "text", text: message }] };
}

/** Creates a server, lets define() register its tools, and serves it over stdio. */
export async function serve(name, define) {
  const server = new McpServer({ name, version: "1.0.0" });
  define(server);
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
