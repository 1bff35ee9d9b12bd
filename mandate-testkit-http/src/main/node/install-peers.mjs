// Runs `npm ci` in a directory (the one given, else this script's own) unless its node_modules was
// already installed from that directory's exact package-lock.json. The Maven builds of
// mandate-testkit-http (the MCP test peers) and mandate-demo (the demo's servers) call it in
// generate-resources. npm's own output goes to node_modules/.mandate-npm.log; it is printed only
// when npm fails.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const dir = path.resolve(process.argv[2] ?? path.dirname(fileURLToPath(import.meta.url)));
const lock = readFileSync(path.join(dir, "package-lock.json"));
const digest = createHash("sha256").update(lock).digest("hex");
const stamp = path.join(dir, "node_modules", ".mandate-installed-lock.sha256");

if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() === digest) {
  process.exit(0);
}
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const result = spawnSync(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
  cwd: dir,
  encoding: "utf8",
});
const output = (result.stdout ?? "") + (result.stderr ?? "");
if (result.status !== 0) {
  process.stderr.write(output);
  console.error(`npm ci failed in ${dir}; the build needs the packages in its package-lock.json`);
  process.exit(result.status ?? 1);
}
mkdirSync(path.dirname(stamp), { recursive: true });
writeFileSync(path.join(dir, "node_modules", ".mandate-npm.log"), output);
writeFileSync(stamp, digest + "\n");
