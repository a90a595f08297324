import { test, expect, Page, hydrated } from "./fixtures";
import AxeBuilder from "@axe-core/playwright";
import * as fs from "fs";
import * as path from "path";

const PASSWORD = process.env.RAPPORT_DEMO_PASSWORD ?? "demo-password-e2e";
const CONTENT = path.resolve(__dirname, "../../content");

async function signIn(page: Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
}

// The right option indices of every question of a quiz, read from its
// markdown file: `- [x]` marks a right option.
function answerKey(course: string): Map<string, number[]> {
  const dir = path.join(CONTENT, course);
  const file = fs.readdirSync(dir).map((f) => path.join(dir, f)).find((f) => /kind: quiz/.test(fs.readFileSync(f, "utf8")));
  if (!file) throw new Error(`no quiz in ${course}`);
  const key = new Map<string, number[]>();
  let current: string | null = null;
  let n = 0;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const heading = line.match(/^## .*\{#([A-Za-z][\w-]*)/);
    if (heading) {
      current = heading[1];
      key.set(current, []);
      n = 0;
      continue;
    }
    const option = line.match(/^- \[( |x|X)\]/);
    if (option && current) {
      if (option[1] !== " ") key.get(current)!.push(n);
      n++;
    }
  }
  return key;
}

// The step the page shows: every step form carries it.
async function stepOf(page: Page): Promise<number> {
  const input = page.locator('input[name="step"]').first();
  return Number(await input.getAttribute("value"));
}

// Waits until the page shows step `n` of the attempt (the URL carries it).
async function waitForStep(page: Page, n: number) {
  await expect(page).toHaveURL(new RegExp(`[?&]s=${n}(&|#|$)`));
  // With JavaScript the page updates in place: wait until it shows that
  // step (its forms carry it) or the attempt's end.
  await expect(async () => {
    const step = page.locator('input[name="step"]');
    const ended = page.getByRole("heading", { name: /^Outcome:|^Passed$|^Not passed yet$/ });
    if ((await ended.count()) > 0) return;
    // A short wait per try: between two steps the page may briefly show
    // neither a step form nor the ending, and toPass must be able to retry.
    expect(await step.first().getAttribute("value", { timeout: 500 })).toBe(String(n));
  }).toPass({ timeout: 5000 });
}

async function doLesson(page: Page) {
  const before = page.url();
  await page.getByRole("button", { name: /Mark as done|Done · go on/ }).click();
  await expect(page).not.toHaveURL(before);
}

async function doScenario(page: Page, javaScriptEnabled: boolean) {
  // Start (or start again), unless an attempt is already under way.
  if ((await page.locator("button.choice").count()) === 0) {
    await page.getByRole("button", { name: /Start the conversation|Try again/ }).click();
    await waitForStep(page, 0);
  }
  // Once hydrated, steps happen without reloading the page: a value set on
  // the window survives them. (A click before hydration is a plain form
  // post, which reloads the page, so wait for it.)
  if (javaScriptEnabled) {
    await hydrated(page);
    await page.evaluate(() => ((window as any).__rapportSamePage = true));
  }
  for (let i = 0; i < 40; i++) {
    if (await page.getByRole("heading", { name: /^Outcome:/ }).count()) break;
    const step = await stepOf(page);
    await openReplyList(page);
    await page.locator("button.choice").first().click();
    await waitForStep(page, step + 1);
  }
  await expect(page.getByRole("heading", { name: /^Outcome:/ })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Your route beside the best one" })).toBeVisible();
  await expect(page.getByRole("list", { name: "The conversation so far" })).toContainText("You");
  if (javaScriptEnabled) expect(await page.evaluate(() => (window as any).__rapportSamePage)).toBe(true);
}

// In a scene that takes typed replies, the list of replies is one click
// away (a closed <details>): open it.
async function openReplyList(page: Page) {
  const list = page.locator("details.reply-list");
  if ((await list.count()) > 0 && (await list.getAttribute("open")) === null) {
    await list.locator("summary").click();
  }
}

async function doQuiz(page: Page, key: Map<string, number[]>) {
  if ((await page.locator('input[name="question"]').count()) === 0) {
    await page.getByRole("button", { name: /Start the quiz|Try again/ }).click();
    await waitForStep(page, 0);
  }
  for (let i = 0; i < 30; i++) {
    const q = page.locator('input[name="question"]');
    if ((await q.count()) === 0) break;
    const id = await q.getAttribute("value");
    const right = key.get(id!);
    if (!right) throw new Error(`question ${id} not in the answer key`);
    for (const idx of right) await page.locator(`input[value="${idx}"][name^="picked"]`).check();
    const step = await stepOf(page);
    await page.getByRole("button", { name: "Answer" }).click();
    await waitForStep(page, step + 1);
    await expect(page.getByRole("heading", { name: /^Question \d+: right$/ })).toBeVisible();
  }
  await expect(page.getByRole("heading", { name: "Passed", exact: true })).toBeVisible();
}

test("an employee completes a whole course and gets a certificate anyone can check", async ({ page, javaScriptEnabled, browser }) => {
  test.setTimeout(300_000);
  // Each project takes its own course on the same demo server.
  const course = javaScriptEnabled ? "handling-complaints" : "empathetic-listening";
  await signIn(page, "employee@demo.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My learning" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "My learning" })).toBeVisible();
  await page.goto(`/learn/${course}`);
  const items = await page.locator("ol.outline li > a").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute("href")!));
  expect(items.length).toBeGreaterThanOrEqual(5);
  const key = answerKey(course);
  for (const href of items) {
    await page.goto(href);
    const eyebrow = (await page.locator(".page-heading .eyebrow").textContent()) ?? "";
    if (eyebrow.startsWith("Lesson")) await doLesson(page);
    else if (eyebrow.startsWith("Role-play")) await doScenario(page, javaScriptEnabled);
    else if (eyebrow.startsWith("Quiz")) await doQuiz(page, key);
    else throw new Error(`unknown item page at ${href}: ${eyebrow}`);
  }
  await page.goto(`/learn/${course}`);
  await expect(page.locator(".meta .status").first()).toHaveText("Completed");
  await page.getByRole("link", { name: "View your certificate" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  const url = page.url();
  const code = url.split("/").pop()!;
  if (javaScriptEnabled) {
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]).analyze();
    expect(results.violations.map((v) => `certificate: ${v.id}: ${v.help}`)).toEqual([]);
  }
  // Checked by someone who is not signed in.
  const stranger = await browser.newContext({ javaScriptEnabled });
  const other = await stranger.newPage();
  await other.goto(url);
  await expect(other.locator(".certificate")).toContainText(code);
  await expect(other.locator(".certificate")).toContainText("has completed the course");
  await stranger.close();
});

test("keyboard only: a scenario step and a quiz answer without a mouse", async ({ page }) => {
  await signIn(page, "trainer@demo.test");
  // A scenario answered from the list (typed replies have their own test).
  await page.goto("/learn/brand-values/past-the-deadline");
  // Presses Tab until the focused element's text matches, then returns it.
  const focusOn = async (name: RegExp) => {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press("Tab");
      const text = await page.evaluate(() => {
        const el = document.activeElement;
        return el && ["BUTTON", "A", "INPUT"].includes(el.tagName) ? el.textContent ?? "" : "";
      });
      if (name.test(text)) return;
    }
    throw new Error(`could not reach ${name} with Tab`);
  };
  const start = page.getByRole("button", { name: /Start the conversation|Try again/ });
  if (await start.count()) {
    await focusOn(/Start the conversation|Try again/);
    // The focused control shows a visible outline.
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe("none");
    await page.keyboard.press("Enter");
    await waitForStep(page, 0);
  }
  const step = await stepOf(page);
  const first = (await page.locator("button.choice").first().textContent())!;
  await page.locator("body").focus();
  await focusOn(new RegExp(first.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  expect(await page.evaluate(() => document.activeElement?.className)).toContain("choice");
  await page.keyboard.press("Enter");
  await waitForStep(page, step + 1);
  await expect(page.getByRole("heading", { name: "How your reply landed" })).toBeVisible();
  // The page continues from the feedback: the next Tab reaches the next
  // reply (or "Try again" at an ending), not the top of the page.
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("BUTTON");
  expect(await page.evaluate(() => document.activeElement?.closest("main") !== null)).toBe(true);
});

test("learner pages have no axe-core violations", async ({ page, javaScriptEnabled }) => {
  // axe-core runs inside the page; the HTML is the same without JavaScript.
  test.skip(!javaScriptEnabled, "axe-core needs JavaScript in the page");
  test.setTimeout(60_000);
  await signIn(page, "manager@demo.test");
  const pages = [
    "/learn",
    "/learn/brand-values",
    "/learn/brand-values/why-our-values-matter",
    "/learn/brand-values/the-upgrade-question",
    "/learn/brand-values/brand-values-quiz",
  ];
  for (const p of pages) {
    await page.goto(p);
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]).analyze();
    expect(results.violations.map((v) => `${p}: ${v.id}: ${v.help}`)).toEqual([]);
  }
  // A scenario mid-conversation and a quiz question.
  await page.goto("/learn/brand-values/the-upgrade-question");
  if ((await page.locator("button.choice").count()) === 0) {
    await page.getByRole("button", { name: /Start the conversation|Try again/ }).click();
    await waitForStep(page, 0);
  }
  const step = await stepOf(page);
  await openReplyList(page);
  await page.locator("button.choice").first().click();
  await waitForStep(page, step + 1);
  let results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]).analyze();
  expect(results.violations.map((v) => `scenario: ${v.id}: ${v.help}`)).toEqual([]);
  await page.goto("/learn/brand-values/brand-values-quiz");
  const start = page.getByRole("button", { name: /Start the quiz|Try again/ });
  if (await start.count()) {
    await start.click();
    await waitForStep(page, 0);
  }
  results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]).analyze();
  expect(results.violations.map((v) => `quiz: ${v.id}: ${v.help}`)).toEqual([]);
});

// Replies typed in the learner's own words, understood by the model in the
// server. Each reply below is worded unlike the authored one.
const TYPED_ROUTE = [
  "hey dana, really sorry it's still cutting out. I can see you called us monday and tuesday already, what has it been doing since?",
  "so it's every evening right when you work, and you've lost two client calls, that's serious. what do the lights on the router do when it drops?",
  "thanks, a red light that comes back on its own means a fault on the line, not you. I can't tell yet if it's your line or the cabinet, so an engineer will test both",
  "I'm emailing you a reference and a direct number now. quote it and the team will have all your notes, you won't have to explain again",
];

test("an employee answers in their own words, is asked to say more once, and reaches an ending", async ({ page, javaScriptEnabled }) => {
  test.setTimeout(90_000);
  await signIn(page, "admin@demo.test");
  await page.goto("/learn/empathetic-listening/the-third-call");
  await page.getByRole("button", { name: /Start the conversation|Try again/ }).click();
  await waitForStep(page, 0);
  const box = page.getByLabel("Your reply, in your own words");
  await expect(box).toBeVisible();
  if (javaScriptEnabled) {
    await hydrated(page);
    await page.evaluate(() => ((window as any).__rapportSamePage = true));
    await box.fill("ok");
    await expect(page.locator("#said-count")).toHaveText("2 of 1000 characters");
  }
  // Not understood: nothing saved, the words stay to be reworded.
  const nonsense = "the weather on mars is <b>purple</b> today";
  await box.fill(nonsense);
  await page.getByRole("button", { name: "Say it" }).click();
  await expect(page.getByText("I'm not sure what you mean. Try saying it another way, or choose from the replies.")).toBeVisible();
  await expect(box).toHaveValue(nonsense);
  expect(await stepOf(page)).toBe(0);
  if (javaScriptEnabled) {
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]).analyze();
    expect(results.violations.map((v) => `typed scene: ${v.id}: ${v.help}`)).toEqual([]);
  }
  for (const [i, said] of TYPED_ROUTE.entries()) {
    await box.fill(said);
    // Enter sends once the page is interactive; without JavaScript, the button.
    if (javaScriptEnabled) await box.press("Enter");
    else await page.getByRole("button", { name: "Say it" }).click();
    await waitForStep(page, i + 1);
    await expect(page.getByText(/^We understood this as: /)).toBeVisible();
    await expect(page.getByRole("list", { name: "The conversation so far" })).toContainText(said.slice(0, 40));
  }
  await expect(page.getByRole("heading", { name: "Outcome: resolved" })).toBeVisible();
  const route = page.locator("section.ending table");
  await expect(route).toContainText(TYPED_ROUTE[0].slice(0, 40));
  await expect(route).toContainText("understood as:");
  if (javaScriptEnabled) expect(await page.evaluate(() => (window as any).__rapportSamePage)).toBe(true);
});

// The page script sends a step with fetch: when the answer is not a page,
// what the server said (or that it could not be reached) appears beside the
// form, and the words typed stay in the box.
test("a step the server refuses or cannot receive keeps the learner's words", async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "the page script runs only with JavaScript");
  await signIn(page, "employee@demo.test");
  await page.goto("/learn/empathetic-listening/the-third-call");
  const start = page.getByRole("button", { name: /Start the conversation|Try again/ });
  if (await start.count()) await start.click();
  const box = page.getByLabel("Your reply, in your own words");
  await expect(box).toBeVisible();
  await hydrated(page);
  await page.route("**/api/say", (route) =>
    route.fulfill({ status: 413, contentType: "text/plain; charset=utf-8", body: "This reply is too large.\n" }),
  );
  await box.fill("I hear you, that sounds really frustrating");
  await page.getByRole("button", { name: "Say it" }).click();
  await expect(page.locator(".swap-error[role=alert]")).toHaveText("This reply is too large.");
  await expect(box).toHaveValue("I hear you, that sounds really frustrating");
  await expect(page.getByRole("button", { name: "Say it" })).toBeEnabled();
  await page.unroute("**/api/say");
  await page.route("**/api/say", (route) => route.abort());
  await page.getByRole("button", { name: "Say it" }).click();
  await expect(page.locator(".swap-error[role=alert]")).toContainText("could not be reached");
  await expect(box).toHaveValue("I hear you, that sounds really frustrating");
});
