import { test, expect, Page } from "./fixtures";
import AxeBuilder from "@axe-core/playwright";
import * as fs from "fs";

const PASSWORD = process.env.RAPPORT_DEMO_PASSWORD ?? "demo-password-e2e";

async function signIn(page: Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
}

async function noAxeViolations(page: Page, where: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]).analyze();
  expect(results.violations.map((v) => `${where}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`)).toEqual([]);
}

test("a manager filters, drills down, exports and nudges", async ({ page, javaScriptEnabled }) => {
  await signIn(page, "manager@demo.test");
  await page.getByRole("link", { name: "Dashboard" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  // Only the demo manager's two teams, never another manager's.
  const heat = page.locator("table.heatmap tbody tr");
  await expect(heat).toHaveCount(2);
  await expect(page.locator("table.heatmap")).toContainText("Contact Centre");
  await expect(page.locator("table.heatmap")).not.toContainText("Retail Floor");
  await expect(page.locator("svg.chart").first()).toBeVisible();

  // Filter: the URL holds the filters, so the view can be bookmarked.
  await page.getByLabel("Course", { exact: true }).selectOption({ label: "Empathetic listening" });
  await page.getByLabel("Status", { exact: true }).selectOption("overdue");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/course=empathetic-listening/);
  await expect(page).toHaveURL(/status=overdue/);
  await expect(page.getByRole("heading", { name: "Overdue per course" })).toBeVisible();
  // A bad date typed into the URL gets a clear message, not an error page.
  await page.goto("/dashboard?from=2026-02-30");
  await expect(page.locator(".notice")).toContainText("YYYY-MM-DD");
  await page.goto("/dashboard?course=empathetic-listening");

  // Export the view.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download this view as CSV" }).click(),
  ]);
  const file = await download.path();
  const csv = fs.readFileSync(file!, "utf8").replace(/^\uFEFF/, "");
  const lines = csv.split("\r\n").filter((l) => l.length > 0);
  expect(lines[0]).toBe("team,name,email,course_id,course,status,overdue,due_date,started_at,completed_at");
  expect(lines.length).toBeGreaterThan(5);
  expect(lines.slice(1).every((l) => l.includes(",empathetic-listening,"))).toBe(true);
  expect(csv).not.toContain("Retail Floor");

  // Nudge everyone overdue in the view.
  const remind = page.getByRole("button", { name: /Remind the \d+ overdue|Nobody is overdue/ });
  if (await remind.isEnabled()) {
    await remind.click();
    await expect(page.getByRole("status").filter({ hasText: "Reminders sent" })).toBeVisible();
    await expect(page).toHaveURL(/course=empathetic-listening/);
  }

  // Drill down: a team, then a person and the path they took.
  await page.locator("table.heatmap tbody tr").first().getByRole("link").click();
  await expect(page).toHaveURL(/\/dashboard\/teams\/\d+/);
  await expect(page.getByRole("heading", { level: 2, name: "People", exact: true })).toBeVisible();
  if (javaScriptEnabled) await noAxeViolations(page, "team");
  await page.locator("table tbody th a").first().click();
  await expect(page).toHaveURL(/\/dashboard\/people\/\d+/);
  await expect(page.getByRole("heading", { level: 2, name: "Attempts" })).toBeVisible();
  if (javaScriptEnabled) await noAxeViolations(page, "person");
});

test("dashboard and assignment pages have no axe-core violations", async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "axe-core needs JavaScript in the page");
  await signIn(page, "manager@demo.test");
  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  await noAxeViolations(page, "dashboard");
  await page.goto("/dashboard?status=overdue");
  await noAxeViolations(page, "dashboard filtered");
  await page.goto("/dashboard/assignments");
  await expect(page.getByRole("heading", { level: 1, name: "Assignments" })).toBeVisible();
  await noAxeViolations(page, "assignments");
});

test("a manager assigns a course with a due date, and a past date is refused", async ({ page }) => {
  await signIn(page, "manager@demo.test");
  await page.goto("/dashboard/assignments");
  await page.getByLabel("Course", { exact: true }).selectOption({ label: "Handling complaints" });
  await page.getByLabel("Or one person's email", { exact: true }).fill("employee@demo.test");
  // The browser itself refuses a date before today (min); the server must
  // too, for browsers that do not check.
  await expect(page.locator("#a-due")).toHaveAttribute("min", /^\d{4}-\d{2}-\d{2}$/);
  await page.locator("#a-due").evaluate((e) => e.removeAttribute("min"));
  await page.getByLabel("Due date", { exact: true }).fill("2020-01-01");
  await page.getByRole("button", { name: "Assign" }).click();
  await expect(page.getByRole("alert")).toContainText("in the past");
  // What was typed is kept.
  await expect(page.getByLabel("Or one person's email", { exact: true })).toHaveValue("employee@demo.test");
  const next = new Date(Date.now() + 20 * 86400_000).toISOString().slice(0, 10);
  await page.getByLabel("Course", { exact: true }).selectOption({ label: "Handling complaints" });
  await page.getByLabel("Due date", { exact: true }).fill(next);
  await page.getByRole("button", { name: "Assign" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Assignment saved" })).toBeVisible();
  await expect(page.locator("table")).toContainText(next);
  // The employee sees it on My learning with its due date.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, "employee@demo.test");
  await page.goto("/learn");
  await expect(page.locator("main")).toContainText("Handling complaints");
});
