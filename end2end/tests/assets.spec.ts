import { test, expect } from "./fixtures";

// The release site: the bundle and stylesheet under content-hashed names,
// served precompressed and cacheable for a year; pages are never stored.
const PASSWORD = process.env.RAPPORT_DEMO_PASSWORD ?? "demo-password-e2e";

test("the page links hashed assets, served precompressed and immutable", async ({ page, request }) => {
  // The editor is an island: its page preloads the bundle.
  await page.goto("/login");
  await page.getByLabel("Email").fill("trainer@demo.test");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  const res = await page.goto(`/author/edit?path=${encodeURIComponent("empathetic-listening/course.md")}`);
  expect(res?.headers()["cache-control"]).toBe("no-store");
  const css = await page.locator('link[rel="stylesheet"]').getAttribute("href");
  expect(css).toMatch(/^\/pkg\/rapport\.[0-9a-f]{16}\.css$/);
  const wasm = await page.locator('link[rel="preload"][as="fetch"]').getAttribute("href");
  expect(wasm).toMatch(/^\/pkg\/rapport\.[0-9a-f]{16}_bg\.wasm$/);
  const js = await page.locator('link[rel="modulepreload"]').getAttribute("href");
  expect(js).toMatch(/^\/pkg\/rapport\.[0-9a-f]{16}\.js$/);

  for (const [path, encoding] of [
    [wasm!, "br"],
    [js!, "br"],
    [css!, "br"],
  ]) {
    const br = await request.get(path, { headers: { "accept-encoding": "br, gzip" } });
    expect(br.status(), path).toBe(200);
    expect(br.headers()["content-encoding"], path).toBe(encoding);
    expect(br.headers()["cache-control"], path).toBe("public, max-age=31536000, immutable");
    expect(br.headers()["vary"], path).toBe("accept-encoding");
    const gz = await request.get(path, { headers: { "accept-encoding": "gzip" } });
    expect(gz.headers()["content-encoding"], path).toBe("gzip");
    const plain = await request.get(path, { headers: { "accept-encoding": "identity" } });
    expect(plain.headers()["content-encoding"], path).toBeUndefined();
    // The same bytes whichever way they travel.
    expect((await br.body()).equals(await plain.body()), path).toBe(true);
  }
  const wasmType = (await request.get(wasm!)).headers()["content-type"];
  expect(wasmType).toBe("application/wasm");

  // A file without a hash in its name is checked on each use.
  const icon = await request.get("/favicon.svg");
  expect(icon.headers()["cache-control"]).toBe("no-cache");
});

// The player's pages load the learner's bundle (only its islands), and only
// when the page has one: the typed-reply box.
test("a typed-reply scene loads the learner's bundle, a lesson loads none", async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "scripts run only with JavaScript");
  await page.goto("/login");
  await page.getByLabel("Email").fill("employee@demo.test");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  const fetched: string[] = [];
  page.on("request", (r) => fetched.push(new URL(r.url()).pathname));
  await page.goto("/learn/empathetic-listening/listening-is-the-job");
  await page.waitForLoadState("networkidle");
  expect(fetched.filter((p) => p.startsWith("/pkg/") && !p.endsWith(".css"))).toEqual([]);
  await page.goto("/learn/empathetic-listening/the-third-call");
  const start = page.getByRole("button", { name: /Start the conversation|Try again/ });
  if (await start.count()) await start.click();
  await expect(page.getByLabel("Your reply, in your own words")).toBeVisible();
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const bundle = fetched.filter((p) => /\.(js|wasm)$/.test(p));
  expect(bundle.some((p) => /^\/pkg\/learner\.[0-9a-f]{16}_bg\.wasm$/.test(p)), bundle.join(" ")).toBe(true);
  expect(bundle.some((p) => /^\/pkg\/learner\.[0-9a-f]{16}\.js$/.test(p)), bundle.join(" ")).toBe(true);
  expect(bundle.filter((p) => p.includes("/pkg/rapport."))).toEqual([]);
});
