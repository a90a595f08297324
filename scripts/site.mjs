// Assembles the site folder the server serves (target/site by default) from
// the browser bundle wasm-bindgen wrote, the stylesheet and public/:
//
//   node scripts/site.mjs STAGE_DIR SITE_DIR
//
// - The bundle and the stylesheet get content-hashed names
//   (pkg/rapport.<hash>.js, .wasm, .css), so the server can tell browsers to
//   keep them for a year; the names are written to SITE_DIR/hash.txt, which the
//   server reads at start.
// - Every text or wasm file is stored precompressed beside itself (.br at
//   brotli's highest quality, .gz at gzip's), so no request pays for compression.
// - The folder is built beside the old one and swapped in at the end: a server
//   that is running keeps serving whole files.
import { createHash } from "node:crypto";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import fs from "node:fs";
import path from "node:path";

const [stage, site] = process.argv.slice(2);
if (!stage || !site) {
  console.error("usage: node scripts/site.mjs STAGE_DIR SITE_DIR");
  process.exit(2);
}
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const next = `${site}.next`;
fs.rmSync(next, { recursive: true, force: true });
fs.mkdirSync(path.join(next, "pkg"), { recursive: true });

const hashOf = (bytes) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);
const hashes = [];
const written = [];

function put(rel, bytes) {
  const dest = path.join(next, rel);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, bytes);
  written.push(rel);
}

// The bundle: wasm-bindgen's rapport.js and rapport_bg.wasm, named by one
// hash of both (the glue can stay the same when the wasm changes). The
// server gives Leptos `rapport.<hash>` as the output name, which links
// `<name>.js` and `<name>_bg.wasm`, so no file is read per page.
// The learner's bundle (only the player's islands), when it was built, is
// `learner.<hash>` the same way.
function bundle(name, key) {
  const js = fs.readFileSync(path.join(stage, `${name}.js`));
  const wasm = fs.readFileSync(path.join(stage, `${name}_bg.wasm`));
  const hash = hashOf(Buffer.concat([js, wasm]));
  hashes.push(`${key}: ${hash}`);
  put(`pkg/${name}.${hash}.js`, js);
  put(`pkg/${name}.${hash}_bg.wasm`, wasm);
}
bundle("rapport", "bundle");
if (fs.existsSync(path.join(stage, "learner_bg.wasm"))) bundle("learner", "learner");
const css = fs.readFileSync(path.join(root, "style", "main.css"));
const cssHash = hashOf(css);
hashes.push(`css: ${cssHash}`);
put(`pkg/rapport.${cssHash}.css`, css);

// public/ is copied as it is (its names are linked from pages and stay stable).
function copyTree(dir, rel) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const from = path.join(dir, entry.name);
    const to = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) copyTree(from, to);
    else put(to, fs.readFileSync(from));
  }
}
copyTree(path.join(root, "public"), "");

const compressible = /\.(js|wasm|css|svg|html|json|txt)$/;
let raw = 0;
let br = 0;
let gz = 0;
for (const rel of written) {
  if (!compressible.test(rel)) continue;
  const bytes = fs.readFileSync(path.join(next, rel));
  const b = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  const g = gzipSync(bytes, { level: 9 });
  fs.writeFileSync(path.join(next, `${rel}.br`), b);
  fs.writeFileSync(path.join(next, `${rel}.gz`), g);
  raw += bytes.length;
  br += b.length;
  gz += g.length;
}
fs.writeFileSync(path.join(next, "hash.txt"), hashes.join("\n") + "\n");

// Swap the new folder in.
const old = `${site}.old`;
fs.rmSync(old, { recursive: true, force: true });
if (fs.existsSync(site)) fs.renameSync(site, old);
fs.renameSync(next, site);
fs.rmSync(old, { recursive: true, force: true });

const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
console.log(
  `site: ${written.length} files in ${site} (${kb(raw)} raw, ${kb(gz)} gzip, ${kb(br)} brotli)`,
);
