import AxeBuilder from "@axe-core/playwright";
import { test, expect, Page } from "./fixtures";

const PASSWORD = process.env.RAPPORT_DEMO_PASSWORD ?? "demo-password-e2e";

// Errors the page reports: script failures and Content-Security-Policy refusals.
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  return errors;
}

async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

const roles = [
  { email: "employee@demo.test", sees: ["Home", "My account"], hidden: ["People", "Teams", "My teams"], card: "My learning" },
  { email: "trainer@demo.test", sees: ["Home", "My account"], hidden: ["People", "Teams", "My teams"], card: "Training content" },
  { email: "manager@demo.test", sees: ["Home", "My teams", "My account"], hidden: ["People", "Teams"], card: "My teams" },
  { email: "admin@demo.test", sees: ["Home", "People", "Teams", "My account"], hidden: ["My teams"], card: "Administration" },
];

for (const role of roles) {
  test(`${role.email} signs in, sees the navigation of the role, signs out`, async ({ page, javaScriptEnabled }) => {
    const errors = collectErrors(page);
    await signIn(page, role.email);
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Hello");
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const link of role.sees) {
      await expect(nav.getByRole("link", { name: link, exact: true })).toBeVisible();
    }
    for (const link of role.hidden) {
      await expect(nav.getByRole("link", { name: link, exact: true })).toHaveCount(0);
    }
    await expect(page.getByRole("heading", { name: role.card })).toBeVisible();
    if (javaScriptEnabled) {
      // Nothing on the home page needs the browser: no script, no
      // WebAssembly fetched, no error.
      const fetched: string[] = [];
      page.on("request", (r) => fetched.push(r.url()));
      await page.reload();
      await page.waitForLoadState("networkidle");
      expect(await page.locator('script[type="module"]').count()).toBe(0);
      expect(fetched.filter((u) => /\.(wasm|js)(\?|$)/.test(u))).toEqual([]);
      await nav.getByRole("link", { name: "My account", exact: true }).click();
      await expect(page.getByRole("heading", { name: "My account", level: 1 })).toBeVisible();
      expect(errors).toEqual([]);
    }
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login\?signed_out=1$/);
    await expect(page.getByText("You have signed out.")).toBeVisible();
    await page.goto("/account");
    await expect(page).toHaveURL(/\/login\?next=\/account$/);
  });
}

test("a wrong password gets a clear message and keeps the email", async ({ page }) => {
  await signIn(page, "employee@demo.test", "not the password");
  await expect(page.getByRole("alert")).toContainText("The email or password is not right");
  await expect(page.getByLabel("Email")).toHaveValue("employee@demo.test");
});

test("signing in returns to the page asked for", async ({ page }) => {
  await page.goto("/admin/teams");
  await expect(page).toHaveURL(/\/login\?next=\/admin\/teams$/);
  await page.getByLabel("Email").fill("admin@demo.test");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/teams$/);
  await expect(page.getByRole("heading", { name: "Teams", level: 1 })).toBeVisible();
});

test("an admin creates a team and invites a person, using only the keyboard", async ({ page, javaScriptEnabled }) => {
  await signIn(page, "admin@demo.test");
  await page.goto("/admin/teams");
  const name = `Night Shift ${javaScriptEnabled ? "JS" : "HTML"} ${Date.now()}`;
  await page.getByLabel("Team name").focus();
  await page.keyboard.type(name);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();

  await page.goto("/admin/users");
  const email = `new.${javaScriptEnabled ? "js" : "html"}.${Date.now()}@example.com`;
  await page.locator("#new-email").fill(email);
  await page.locator("#new-name").fill("Robin Newcomer");
  await page.locator("#new-team").selectOption({ label: name });
  await page.getByRole("button", { name: "Create account" }).press("Enter");
  await expect(page.getByRole("heading", { name: "Robin Newcomer", level: 1 })).toBeVisible();
  const link = await page.locator(".invite-link code").innerText();
  expect(link).toMatch(/^\/invite\/[A-Za-z0-9_-]{43}$/);

  // The invited person sets a password and lands signed in.
  await page.context().clearCookies();
  await page.goto(link);
  await page.getByLabel("New password", { exact: true }).fill("robin's new password");
  await page.getByLabel("New password again").fill("robin's new password");
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(page.getByText("Your password is set.")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Hello, Robin");
});

test("the skip link and focus are visible to keyboard users", async ({ page }) => {
  await page.goto("/no/such/page");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to main content" });
  await expect(skip).toBeFocused();
  const outline = await skip.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).not.toBe("none");
});

test("a person chooses which emails they get on My account, and it stays chosen", async ({ page }) => {
  await signIn(page, "employee@demo.test");
  await page.goto("/account");
  const email = page.getByRole("region", { name: "Email" });
  await expect(email.getByText("does not send email at the moment")).toBeVisible();
  const digest = email.getByLabel("The weekly digest of my teams (managers)");
  const nudge = email.getByLabel("Reminders from my manager about overdue courses");
  await digest.uncheck();
  await nudge.check();
  await email.getByRole("button", { name: "Save email choices" }).click();
  await expect(page.getByText("Your email choices are saved.")).toBeVisible();
  await page.goto("/account");
  await expect(digest).not.toBeChecked();
  await expect(nudge).toBeChecked();
  await digest.check();
  await email.getByRole("button", { name: "Save email choices" }).click();
  await expect(page.getByText("Your email choices are saved.")).toBeVisible();
  await page.goto("/account");
  await expect(digest).toBeChecked();
});

test("an unsubscribe link that is not genuine says so, without signing in", async ({ page }) => {
  const res = await page.goto("/unsubscribe/1.nudge.AAAAAAAAAAAAAAAAAAAAAA");
  expect(res?.status()).toBe(404);
  await expect(page.getByText("This unsubscribe link is not valid")).toBeVisible();
});

test("the admin's email page says whether email is on and shows the outbox", async ({ page }) => {
  await signIn(page, "admin@demo.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Email", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Email" })).toBeVisible();
  await expect(page.getByText("Email is off")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Learning record store (xAPI)" })).toBeVisible();
});

test("the email pages have no axe-core violations", async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "axe-core needs JavaScript in the page");
  const check = async (where: string) => {
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]).analyze();
    expect(results.violations.map((v) => `${where}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`)).toEqual([]);
  };
  await page.goto("/unsubscribe/1.nudge.AAAAAAAAAAAAAAAAAAAAAA");
  await check("unsubscribe");
  await signIn(page, "admin@demo.test");
  await page.goto("/account");
  await check("account");
  await page.goto("/admin/email");
  await check("admin email");
});
