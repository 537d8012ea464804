// Builds the dashboard into ../dist, deterministically: the same sources
// give byte-identical files, so CI can rebuild and compare with what is
// committed.
//
//   dist/index.html               the page of every client route (not cached)
//   dist/assets/app-<hash>.js     the app (hashed, cached forever)
//   dist/assets/app-<hash>.css
//   dist/manifest.json            logical name -> file under dist
//   dist/routes.json              the app's paths (src/routes.json), which
//                                 the server answers with index.html
//
// Hashed files of earlier builds are removed.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));
const dist = join(here, "..", "dist");
const assets = join(dist, "assets");

async function bundle(entry, extra = {}) {
  const r = await build({
    entryPoints: [join(here, entry)],
    bundle: true,
    minify: true,
    target: "es2020",
    charset: "utf8",
    legalComments: "none",
    jsx: "automatic",
    jsxImportSource: "preact",
    define: { "process.env.NODE_ENV": '"production"' },
    write: false,
    outdir: "out",
    logLevel: "warning",
    ...extra,
  });
  if (r.outputFiles.length !== 1) throw new Error(`${entry}: expected one output, got ${r.outputFiles.length}`);
  return Buffer.from(r.outputFiles[0].contents);
}

const hashed = (name, ext, data) =>
  `assets/${name}-${createHash("sha256").update(data).digest("hex").slice(0, 12)}.${ext}`;

const appJS = await bundle("src/main.tsx", { format: "iife" });
const appCSS = await bundle("src/app.css");
const manifest = {
  "app.js": hashed("app", "js", appJS),
  "app.css": hashed("app", "css", appCSS),
};
// No inline script or style: the page's CSP allows only 'self'.
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>Parley</title>
<link rel="stylesheet" href="/${manifest["app.css"]}">
<script defer src="/${manifest["app.js"]}"></script>
</head>
<body>
<div id="app"></div>
<noscript>Parley's dashboard needs JavaScript.</noscript>
</body>
</html>
`;
const files = {
  "index.html": Buffer.from(html),
  [manifest["app.js"]]: appJS,
  [manifest["app.css"]]: appCSS,
  "manifest.json": Buffer.from(JSON.stringify(manifest, null, 2) + "\n"),
  "routes.json": Buffer.from(JSON.stringify(JSON.parse(await readFile(join(here, "src/routes.json"), "utf8")), null, 2) + "\n"),
};

await mkdir(assets, { recursive: true });
const keep = new Set(Object.keys(files));
for (const f of await readdir(assets)) {
  if (!keep.has(`assets/${f}`)) await rm(join(assets, f));
}
for (const [name, data] of Object.entries(files)) {
  await writeFile(join(dist, name), data);
  console.log(`${name.padEnd(32)} ${String(data.length).padStart(7)} bytes`);
}
