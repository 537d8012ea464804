// Builds the widget into ../dist, deterministically: the same sources give
// byte-identical files, so CI can rebuild and compare with what is
// committed.
//
//   dist/widget.js                 the loader (stable name, short cache)
//   dist/assets/frame-<hash>.js    the chat frame (hashed, cached forever)
//   dist/assets/frame-<hash>.css
//   dist/manifest.json             logical name -> file under dist
//
// Hashed files of earlier builds are removed.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
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
    target: "es2019",
    charset: "utf8",
    legalComments: "none",
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

const files = {
  "widget.js": await bundle("src/loader.ts", { format: "iife" }),
};
const frameJS = await bundle("src/frame/main.ts", { format: "iife" });
const frameCSS = await bundle("src/frame/frame.css");
const manifest = {
  "widget.js": "widget.js",
  "frame.js": hashed("frame", "js", frameJS),
  "frame.css": hashed("frame", "css", frameCSS),
};
files[manifest["frame.js"]] = frameJS;
files[manifest["frame.css"]] = frameCSS;
files["manifest.json"] = Buffer.from(JSON.stringify(manifest, null, 2) + "\n");

await mkdir(assets, { recursive: true });
const keep = new Set(Object.keys(files));
for (const f of await readdir(assets)) {
  if (!keep.has(`assets/${f}`)) await rm(join(assets, f));
}
for (const [name, data] of Object.entries(files)) {
  await writeFile(join(dist, name), data);
  console.log(`${name.padEnd(32)} ${String(data.length).padStart(6)} bytes`);
}
