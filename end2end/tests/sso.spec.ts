import { spawn, ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { homedir } from "node:os";
import { join } from "node:path";
import { test, expect, Page } from "./fixtures";

// Single sign-on in the browser through a real OpenID provider on loopback
// (npm oauth2-mock-server, installed by scripts/setup --test, driven by
// tests/support/oidc_provider.mjs): an admin adds the provider on its page,
// then a person who has no account yet presses "Sign in with …" and lands on
// My learning in the team the provider's groups map to. The provider is
// removed again at the end, so the other tests see the plain sign-in page.

const PASSWORD = process.env.RAPPORT_DEMO_PASSWORD ?? "demo-password-e2e";
const TOOLS = process.env.RAPPORT_TOOLS_DIR ?? join(homedir(), ".cache/rapport-tools");

let provider: ChildProcess;
let issuer = "";
let control = "";

test.beforeAll(async () => {
  provider = spawn("node", [join(__dirname, "../../tests/support/oidc_provider.mjs"), "0"], {
    env: { ...process.env, OIDC_MOCK_DIR: join(TOOLS, "oidc") },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line: string = await new Promise((resolve) => {
    createInterface({ input: provider.stdout! }).once("line", resolve);
  });
  ({ issuer, control } = JSON.parse(line));
});

test.afterAll(() => {
  provider?.kill();
});

async function signInWithPassword(page: Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

async function removeProvider(page: Page) {
  await signInWithPassword(page, "admin@demo.test");
  await page.goto("/admin/sso");
  const remove = page.getByRole("button", { name: "Remove Test IdP" });
  if (await remove.count()) {
    await remove.click();
    await expect(page.getByText("The provider was removed.")).toBeVisible();
  }
  await page.getByRole("button", { name: "Sign out" }).click();
}

test("a new person signs in through the company's provider and lands on My learning in the mapped team", async ({ page, request }, testInfo) => {
  const who = `kim.${testInfo.project.name}@sso.test`;
  await removeProvider(page);
  try {
    // The admin adds the provider; saving checks its discovery document.
    await signInWithPassword(page, "admin@demo.test");
    await page.goto("/admin/sso");
    await expect(page.getByRole("heading", { name: "Single sign-on" })).toBeVisible();
    const form = page.locator("section", { has: page.getByRole("heading", { name: "Add a provider" }) });
    if (!(await form.getByLabel("Button label").isVisible())) {
      await form.getByText("New provider").click();
    }
    await form.getByLabel("Button label").fill("Test IdP");
    await form.getByLabel("Issuer URL").fill(issuer);
    await form.getByLabel("Client ID").fill("rapport-e2e");
    await form.getByLabel("Client secret").fill("e2e-secret");
    await form.getByLabel("Email domains").fill("sso.test");
    await form.getByLabel("Create people on their first sign-in").check();
    await form.getByLabel("Claim that chooses team and role (optional)").fill("groups");
    const team = await form.getByLabel("Team of new people").locator("option").nth(1).textContent();
    await form.getByLabel("Mapping, one rule a line (optional)").fill(`floor-staff = team: ${team!.trim()}`);
    await form.getByRole("button", { name: "Save and check" }).click();
    await expect(page.getByText("The provider answered with its discovery document.")).toBeVisible();
    await page.getByRole("button", { name: "Sign out" }).click();

    // What the provider will say about the person signing in.
    await request.post(`${control}/next`, {
      data: { claims: { sub: who, email: who, email_verified: true, name: "Kim Sso", groups: ["floor-staff"] } },
    });
    await page.goto("/login");
    await page.getByRole("button", { name: "Sign in with Test IdP" }).click();
    await expect(page).toHaveURL(/\/learn$/);
    await expect(page.getByRole("heading", { name: "My learning", level: 1 })).toBeVisible();
    await page.goto("/account");
    await expect(page.getByText(who)).toBeVisible();
    await page.getByRole("button", { name: "Sign out" }).click();
    // The admin finds the new person in the mapped team.
    await signInWithPassword(page, "admin@demo.test");
    await page.goto(`/admin/users?q=${encodeURIComponent(who)}`);
    await expect(page.getByRole("row", { name: new RegExp(who.replace(/\./g, "\\.")) })).toContainText(team!.trim());
    await page.getByRole("button", { name: "Sign out" }).click();

    // Cancelled at the provider (a stale state here): a clear message, a way back.
    await page.goto("/sso/callback?error=access_denied&state=x");
    await expect(page.getByRole("alert")).toContainText("Start again");
    await expect(page.getByRole("button", { name: "Sign in with Test IdP" })).toBeVisible();
  } finally {
    await removeProvider(page);
  }
});
