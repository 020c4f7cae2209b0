// Copies the Swagger UI assets that the server's /api/docs page loads into
// public/swagger-ui/, so that Vite puts them at dist/swagger-ui/ and the Go
// binary serves them from the embedded UI (no CDN at run time).
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const from = dirname(require.resolve("swagger-ui-dist/package.json"));
const to = join(dirname(fileURLToPath(import.meta.url)), "..", "public", "swagger-ui");

mkdirSync(to, { recursive: true });
for (const name of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  copyFileSync(join(from, name), join(to, name));
}
console.log(`copied Swagger UI assets to ${to}`);
