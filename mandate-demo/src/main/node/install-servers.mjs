// Runs `npm ci` in this directory unless node_modules was already installed from this exact
// package-lock.json. The Maven build calls it in generate-resources (see mandate-demo/pom.xml),
// so every build of mandate-demo, including the one bin/mandate runs, installs what the demo starts.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const lock = readFileSync(path.join(here, "package-lock.json"));
const digest = createHash("sha256").update(lock).digest("hex");
const stamp = path.join(here, "node_modules", ".mandate-installed-lock.sha256");

if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() === digest) {
  console.log("MCP servers for the demo are up to date with package-lock.json");
  process.exit(0);
}
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const result = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: here, stdio: "inherit" });
if (result.status !== 0) {
  console.error("npm ci failed; mandate demo needs the packages in package-lock.json");
  process.exit(result.status ?? 1);
}
writeFileSync(stamp, digest + "\n");
