// Prints what each kind of page makes a browser download besides its HTML:
// the scripts, wasm and stylesheets it links, raw, as gzip and as brotli
// (the sizes the server sends for each Accept-Encoding). Run it against a
// release build serving the demo (scripts/run, or scripts/test's server):
//
//   node scripts/bundle-sizes.mjs [BASE_URL] [DEMO_PASSWORD]
//
// BASE_URL defaults to http://127.0.0.1:3000, the password to
// $RAPPORT_DEMO_PASSWORD. Issue 18's goals are printed beside the totals: a
// learner's page <= 150 KB brotli, the editor <= 400 KB, and pages with
// nothing interactive no wasm at all.
const base = (process.argv[2] || "http://127.0.0.1:3000").replace(/\/$/, "");
const password = process.argv[3] || process.env.RAPPORT_DEMO_PASSWORD;
if (!password) {
  console.error("usage: node scripts/bundle-sizes.mjs [BASE_URL] DEMO_PASSWORD");
  process.exit(2);
}

async function signIn(email) {
  const res = await fetch(`${base}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, password }),
    redirect: "manual",
  });
  const cookie = (res.headers.getSetCookie?.() || [])
    .map((c) => c.split(";")[0])
    .join("; ");
  if (!cookie) throw new Error(`cannot sign in as ${email}: ${res.status}`);
  return cookie;
}

async function page(path, cookie) {
  const res = await fetch(`${base}${path}`, { headers: cookie ? { cookie } : {} });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.text();
}

// The first link on `html` that matches `re`, for finding a course or item.
const first = (html, re) => (html.match(re) || [])[1];

// What the page makes the browser fetch: what it links, and the bundle the
// page script (src/enhance.js, inlined) loads when the page has an island.
function assets(html) {
  const out = new Set();
  for (const m of html.matchAll(/<(?:link|script)\b[^>]*\b(?:href|src)="(\/pkg\/[^"]+)"/g)) {
    out.add(m[1]);
  }
  if (html.includes("<leptos-island")) {
    for (const m of html.matchAll(/const (?:JS|WASM) = "(\/pkg\/[^"]+)"/g)) out.add(m[1]);
  }
  return [...out];
}

// The inline page script's size, as part of the HTML.
const inlineScript = (html) =>
  [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].reduce((n, m) => n + m[1].length, 0);

const sizeCache = new Map();
async function size(path, encoding) {
  const key = `${path} ${encoding}`;
  if (!sizeCache.has(key)) {
    // Node's fetch decodes bodies; the raw bytes sent are Content-Length.
    const res = await fetch(`${base}${path}`, { headers: { "accept-encoding": encoding } });
    const len = Number(res.headers.get("content-length"));
    sizeCache.set(key, Number.isFinite(len) && len > 0 ? len : (await res.arrayBuffer()).byteLength);
  }
  return sizeCache.get(key);
}

const employee = await signIn("employee@demo.test");
const trainer = await signIn("trainer@demo.test");
const manager = await signIn("manager@demo.test");
const learn = await page("/learn", employee);
const course = first(learn, /href="(\/learn\/[^"/]+)"/);
const courseHtml = course ? await page(course, employee) : "";
const item = first(courseHtml, /href="(\/learn\/[^"/]+\/[^"/?#]+)"/);
// A typed-reply scene mid-conversation (its text box is an island).
await fetch(`${base}/api/start_scenario`, {
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", cookie: employee, origin: base },
  body: new URLSearchParams({ course: "empathetic-listening", item: "the-third-call" }),
  redirect: "manual",
});

const routes = [
  ["sign-in", "/login", null, "static"],
  ["My learning", "/learn", employee, "learner"],
  ["a course", course, employee, "learner"],
  ["a lesson", item, employee, "learner"],
  ["typed-reply scenario", "/learn/empathetic-listening/the-third-call", employee, "learner"],
  ["a quiz", "/learn/empathetic-listening/listening-quiz", employee, "learner"],
  ["dashboard", "/dashboard", manager, "other"],
  ["authoring library", "/author", trainer, "other"],
  ["editor", "/author/edit?path=empathetic-listening%2F03-the-third-call.md", trainer, "editor"],
].filter(([, path]) => path);

const kb = (n) => `${(n / 1024).toFixed(1).padStart(8)} KB`;
console.log(`${"page".padEnd(24)}${"raw".padStart(11)}${"gzip".padStart(11)}${"brotli".padStart(11)}  inline script  goal`);
for (const [name, path, cookie, kind] of routes) {
  let html;
  try {
    html = await page(path, cookie);
  } catch (e) {
    console.log(`${name.padEnd(24)} (not measured: ${e.message})`);
    continue;
  }
  const files = assets(html);
  let raw = 0;
  let gz = 0;
  let br = 0;
  let wasm = false;
  for (const f of files) {
    raw += await size(f, "identity");
    gz += await size(f, "gzip");
    br += await size(f, "br");
    wasm ||= f.endsWith(".wasm");
  }
  const goal =
    kind === "learner"
      ? `<= 150 KB brotli: ${br <= 150 * 1024 ? "met" : "not met"}`
      : kind === "editor"
        ? `<= 400 KB brotli: ${br <= 400 * 1024 ? "met" : "not met"}`
        : kind === "static"
          ? `no wasm: ${wasm ? "not met" : "met"}`
          : "";
  const inline = `${inlineScript(html)} B`.padStart(13);
  console.log(`${name.padEnd(24)}${kb(raw)}${kb(gz)}${kb(br)}  ${inline}  ${goal}`);
}
