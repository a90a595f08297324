import { spawn, ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { homedir } from "node:os";
import { join } from "node:path";
import { test, expect, Page } from "./fixtures";

// Single sign-on in the browser through real OpenID providers on loopback,
// installed by scripts/setup --test: npm oauth2-mock-server (answers at once;
// tests/support/oidc_provider.mjs says what the token holds) and npm
// oidc-provider with its own sign-in and consent pages
// (tests/support/oidc_login_provider.mjs). An admin adds the provider on its
// page; a person who has no account yet presses "Sign in with …", or types
// their work address into the password form, and lands on My learning (in
// the team the provider's groups map to). Each provider is removed again at
// the end, so the other tests see the plain sign-in page.

const PASSWORD = process.env.RAPPORT_DEMO_PASSWORD ?? "demo-password-e2e";
const TOOLS = process.env.RAPPORT_TOOLS_DIR ?? join(homedir(), ".cache/rapport-tools");

const BASE = process.env.RAPPORT_E2E_URL ?? "http://127.0.0.1:3300";

let provider: ChildProcess;
let loginProvider: ChildProcess;
let issuer = "";
let control = "";
let loginIssuer = "";

// Starts a provider script; resolves with its first line (JSON).
async function startProvider(script: string, arg: string): Promise<[ChildProcess, any]> {
  const child = spawn("node", [join(__dirname, "../../tests/support", script), arg], {
    env: { ...process.env, OIDC_MOCK_DIR: join(TOOLS, "oidc") },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const line: string = await new Promise((resolve) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
  });
  return [child, JSON.parse(line)];
}

test.beforeAll(async () => {
  let info;
  [provider, info] = await startProvider("oidc_provider.mjs", "0");
  ({ issuer, control } = info);
  [loginProvider, info] = await startProvider("oidc_login_provider.mjs", `${BASE}/sso/callback`);
  loginIssuer = info.issuer;
});

test.afterAll(() => {
  provider?.kill();
  loginProvider?.kill();
});

async function signInWithPassword(page: Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

// The admin adds a provider on its page; `more` ticks and fills the rest of
// the form. Saving checks the provider's discovery document.
async function addProvider(
  page: Page,
  fields: { label: string; issuer: string; clientId: string; secret: string; domains: string },
  more: (form: ReturnType<Page["locator"]>) => Promise<void> = async () => {},
) {
  await page.goto("/admin/sso");
  await expect(page.getByRole("heading", { name: "Single sign-on" })).toBeVisible();
  const form = page.locator("section", { has: page.getByRole("heading", { name: "Add a provider" }) });
  if (!(await form.getByLabel("Button label").isVisible())) {
    await form.getByText("New provider").click();
  }
  await form.getByLabel("Button label").fill(fields.label);
  await form.getByLabel("Issuer URL").fill(fields.issuer);
  await form.getByLabel("Client ID").fill(fields.clientId);
  await form.getByLabel("Client secret").fill(fields.secret);
  await form.getByLabel("Email domains").fill(fields.domains);
  await more(form);
  await form.getByRole("button", { name: "Save and check" }).click();
  await expect(page.getByText("The provider answered with its discovery document.")).toBeVisible();
}

async function removeProvider(page: Page, label = "Test IdP") {
  // Whoever was signed in when a step failed: start afresh.
  await page.context().clearCookies();
  await signInWithPassword(page, "admin@demo.test");
  await page.goto("/admin/sso");
  const remove = page.getByRole("button", { name: `Remove ${label}` });
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
    let team = "";
    await addProvider(
      page,
      { label: "Test IdP", issuer, clientId: "rapport-e2e", secret: "e2e-secret", domains: "sso.test" },
      async (form) => {
        await form.getByLabel("Create people on their first sign-in").check();
        await form.getByLabel("Claim that chooses team and role (optional)").fill("groups");
        team = ((await form.getByLabel("Team of new people").locator("option").nth(1).textContent()) ?? "").trim();
        await form.getByLabel("Mapping, one rule a line (optional)").fill(`floor-staff = team: ${team}`);
      },
    );
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
    await expect(page.getByRole("row", { name: new RegExp(who.replace(/\./g, "\\.")) })).toContainText(team);
    await page.getByRole("button", { name: "Sign out" }).click();

    // Cancelled at the provider (a stale state here): a clear message, a way back.
    await page.goto("/sso/callback?error=access_denied&state=x");
    await expect(page.getByRole("alert")).toContainText("Start again");
    await expect(page.getByRole("button", { name: "Sign in with Test IdP" })).toBeVisible();
  } finally {
    await removeProvider(page);
  }
});

test("a person signs in on the provider's own sign-in page after typing their work address, and can cancel there", async ({ page }, testInfo) => {
  const who = `lee.${testInfo.project.name}@login.test`;
  await removeProvider(page, "Company Login");
  try {
    await signInWithPassword(page, "admin@demo.test");
    await addProvider(
      page,
      { label: "Company Login", issuer: loginIssuer, clientId: "rapport-e2e-login", secret: "e2e-login-secret", domains: "login.test" },
      async (form) => form.getByLabel("Create people on their first sign-in").check(),
    );
    await page.getByRole("button", { name: "Sign out" }).click();

    // The work address on the password form, no password: off to the
    // provider's page, which the person leaves with Cancel.
    await page.goto("/login");
    await page.getByLabel("Email").fill(who);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`^${loginIssuer}/interaction/`));
    await page.getByRole("link", { name: /Cancel/ }).click();
    await expect(page).toHaveURL(/\/login\?error=/);
    await expect(page.getByRole("alert")).toContainText("You cancelled signing in with Company Login");

    // Again, signing in there this time.
    await page.getByLabel("Email").fill(who);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`^${loginIssuer}/interaction/`));
    await page.locator('input[name="login"]').fill(who);
    await page.locator('input[name="password"]').fill("any password");
    await page.locator('button[type="submit"]').click();
    // The provider asks to share the address with Rapport.
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page).toHaveURL(/\/learn$/);
    await expect(page.getByRole("heading", { name: "My learning", level: 1 })).toBeVisible();
    await page.goto("/account");
    await expect(page.getByText(who)).toBeVisible();
    await expect(page.getByText("Lee Login").first()).toBeVisible();
    await page.getByRole("button", { name: "Sign out" }).click();
  } finally {
    await removeProvider(page, "Company Login");
  }
});

test("an invited person whose company turned passwords off signs in with the button on the invitation page", async ({ page, request }, testInfo) => {
  const who = `ola.${testInfo.project.name}.${Date.now()}@nopw.test`;
  await removeProvider(page, "Passwordless IdP");
  try {
    await signInWithPassword(page, "admin@demo.test");
    await addProvider(
      page,
      { label: "Passwordless IdP", issuer, clientId: "rapport-e2e", secret: "e2e-secret", domains: "nopw.test" },
      async (form) => form.getByLabel("Passwords off for these domains").check(),
    );

    // The admin invites a person of that company.
    await page.goto("/admin/users");
    await page.locator("#new-email").fill(who);
    await page.locator("#new-name").fill("Ola Nopass");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("heading", { name: "Ola Nopass", level: 1 })).toBeVisible();
    const link = await page.locator(".invite-link code").innerText();

    // The invitation offers only the company's button.
    await page.context().clearCookies();
    await page.goto(link);
    await expect(page.getByText("there is no password to choose")).toBeVisible();
    await expect(page.getByLabel("New password", { exact: true })).toHaveCount(0);
    await request.post(`${control}/next`, {
      data: { claims: { sub: who, email: who, email_verified: true } },
    });
    await page.getByRole("button", { name: "Sign in with Passwordless IdP" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Hello, Ola");
    await expect(page.getByText("You are signed in with your company's account.")).toBeVisible();
    await page.goto("/account");
    await expect(page.getByText(who)).toBeVisible();
    await page.getByRole("button", { name: "Sign out" }).click();
  } finally {
    await removeProvider(page, "Passwordless IdP");
  }
});
