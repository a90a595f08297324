import { test, expect, Page, hydrated } from "./fixtures";
import AxeBuilder from "@axe-core/playwright";

const PASSWORD = process.env.RAPPORT_DEMO_PASSWORD ?? "demo-password-e2e";

async function signIn(page: Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
}

async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login|\/$/);
}

// axe-core runs inside the page, so only with JavaScript.
async function noAxeViolations(page: Page, where: string, javaScriptEnabled = true) {
  if (!javaScriptEnabled) return;
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]).analyze();
  expect(results.violations.map((v) => `${where}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`)).toEqual([]);
}

// Each run (and each project) authors its own course, so reruns against
// the same database and the other browser tests are unaffected.
function stamp(javaScriptEnabled: boolean) {
  return `${javaScriptEnabled ? "js" : "nojs"}${Date.now().toString(36)}`;
}

// The editor of every kind of shipped file, with its long preview (a
// scrolled pane must take focus: axe's scrollable-region-focusable), and
// the history of one.
test("the editors of a lesson, a quiz, a scenario and a course have no axe-core violations", async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "axe-core needs JavaScript in the page");
  test.setTimeout(90_000);
  await signIn(page, "trainer@demo.test");
  for (const file of [
    "empathetic-listening/01-listening-is-the-job.md",
    "empathetic-listening/05-quiz.md",
    "handling-complaints/09-quiz.md",
    "empathetic-listening/03-the-third-call.md",
    "empathetic-listening/course.md",
  ]) {
    await page.goto(`/author/edit?path=${encodeURIComponent(file)}`);
    await hydrated(page);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(file);
    await expect(page.getByRole("region", { name: "Preview: what learners will see" })).toHaveAttribute("tabindex", "0");
    await noAxeViolations(page, `editor of ${file}`);
  }
});

test("a trainer writes a scenario, fixes a mistake, play-tests and publishes; an employee takes it", async ({ page, javaScriptEnabled }) => {
  test.setTimeout(90_000);
  const id = stamp(javaScriptEnabled);
  const folder = `e2e-${id}`;
  await signIn(page, "trainer@demo.test");
  await page.getByRole("link", { name: "Authoring" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Authoring" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Empathetic listening" }).locator("table.library")).toContainText("published");
  await noAxeViolations(page, "library", javaScriptEnabled);

  // A new course folder with its course.md…
  await page.getByLabel("…or a new course folder").fill(folder);
  await page.getByLabel("What to create").selectOption("course");
  await page.getByLabel("Title", { exact: true }).fill(`Parcels ${id}`);
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(new RegExp(`/author/edit\\?path=${folder}%2Fcourse\\.md|path=${folder}/course\\.md`));
  await expect(page.getByRole("heading", { level: 1, name: /^(Edit|Play-test|History)/ })).toContainText(`${folder}/course.md`);

  // …and a scenario in it.
  await page.goto("/author");
  await page.getByLabel("Course folder").first().selectOption(folder);
  await page.getByLabel("What to create").selectOption("scenario");
  await page.getByLabel("Title", { exact: true }).fill("The late parcel");
  await page.getByRole("button", { name: "Create draft" }).click();
  const path = `${folder}/01-the-late-parcel.md`;
  await expect(page.getByRole("heading", { level: 1, name: /^(Edit|Play-test|History)/ })).toContainText(path);
  await expect(page.locator("svg.scenario-map")).toBeVisible();

  // A mistake: a choice that leads nowhere.
  const source = page.getByLabel(`Markdown of ${path}`);
  const good = await source.inputValue();
  const bad = good.replace("](#lost)", "](#lostt)");
  const badLine = bad.split("\n").findIndex((l) => l.includes("#lostt")) + 1;
  // The editor is an island: the live check starts once it is attached.
  if (javaScriptEnabled) await hydrated(page);
  await source.fill(bad);
  if (!javaScriptEnabled) await page.getByRole("button", { name: "Save draft" }).click();
  const problem = page.locator(".problems li").filter({ hasText: "`lostt`" });
  await expect(problem).toContainText(`Line ${badLine}`);
  if (javaScriptEnabled) {
    // The live preview found it without saving; clicking it puts the cursor on that line.
    await problem.getByRole("link").click();
    await expect(source).toBeFocused();
    const caretLine = await source.evaluate((el: HTMLTextAreaElement) => el.value.slice(0, el.selectionStart).split("\n").length);
    expect(caretLine).toBe(badLine);
    await page.getByRole("button", { name: "Save draft" }).click();
  }
  await expect(page.getByRole("status").filter({ hasText: "Draft saved" })).toBeVisible();
  // Publishing with the error is refused, and the text is kept.
  await page.getByRole("button", { name: "Save and publish" }).click();
  await expect(page.getByRole("alert")).toContainText(`line ${badLine}`);
  await expect(page.getByLabel(`Markdown of ${path}`)).toHaveValue(bad);

  // Fixed: no problems, and the map shows the start and both endings.
  await page.getByLabel(`Markdown of ${path}`).fill(good);
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Draft saved" })).toBeVisible();
  await expect(page.getByText("No errors or warnings.")).toBeVisible();
  const map = page.locator("svg.scenario-map");
  await expect(map.locator("rect.map-start")).toHaveCount(1);
  await expect(map.locator("rect.map-resolved")).toHaveCount(1);
  await expect(map.locator("rect.map-lost-node")).toHaveCount(1);
  await noAxeViolations(page, "editor", javaScriptEnabled);

  // Play-test the draft: nothing is recorded.
  await page.getByRole("link", { name: "Play-test" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^(Edit|Play-test|History)/ })).toContainText("Play-test: The late parcel");
  await page.getByRole("link", { name: /Let me look it up now/ }).click();
  await expect(page.getByRole("heading", { name: "Ending: resolved" })).toBeVisible();
  await noAxeViolations(page, "play-test", javaScriptEnabled);

  // Publish the scenario, then the course.
  await page.goto(`/author/edit?path=${encodeURIComponent(path)}`);
  await page.getByRole("button", { name: "Save and publish" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Published as revision 1" })).toBeVisible();
  await page.goto(`/author/edit?path=${encodeURIComponent(folder + "/course.md")}`);
  await page.getByRole("button", { name: "Save and publish" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Published as revision 1" })).toBeVisible();
  await page.getByRole("link", { name: "History" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^(Edit|Play-test|History)/ })).toContainText(`History of ${folder}/course.md`);
  await expect(page.locator(".diff-add").first()).toBeVisible();
  await noAxeViolations(page, "history", javaScriptEnabled);
  await signOut(page);

  // An employee takes the new scenario.
  await signIn(page, "employee@demo.test");
  await page.goto(`/learn/${folder}/the-late-parcel`);
  await page.getByRole("button", { name: /Start the conversation/ }).click();
  await expect(page.getByText("My order was meant to arrive on Friday")).toBeVisible();
  await page.locator("button.choice").first().click();
  await expect(page.getByRole("heading", { name: /^Outcome:/ })).toBeVisible();
});

test("trainers only: an employee cannot open the authoring pages", async ({ page }) => {
  await signIn(page, "employee@demo.test");
  await expect(page.getByRole("link", { name: "Authoring" })).toHaveCount(0);
  await page.goto("/author");
  await expect(page.getByRole("heading", { name: "Not available to you" })).toBeVisible();
  const res = await page.request.get("/author/download?path=empathetic-listening%2Fcourse.md");
  expect(res.status()).toBe(403);
});

test("text typed while the server is unreachable is not lost", async ({ page, context, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "the browser keeps its copy with JavaScript; without it, the browser's Back keeps the form");
  await signIn(page, "trainer@demo.test");
  const path = "empathetic-listening/03-the-third-call.md";
  const url = `/author/edit?path=${encodeURIComponent(path)}`;
  await page.goto(url);
  const source = page.getByLabel(`Markdown of ${path}`);
  const typed = (await source.inputValue()) + "\nA line typed while offline.\n";
  // Once the page is interactive, typing starts a check.
  await expect(async () => {
    await source.fill(typed);
    await expect(page.locator("#check-status")).toHaveText(/Checking|Preview up to date/, { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await context.setOffline(true);
  await source.fill(typed + "More.\n");
  await expect(page.locator("#check-status")).toContainText("could not be reached");
  await expect(source).toHaveValue(typed + "More.\n");
  // The page is lost while offline (as when a save cannot reach the server)…
  await page.reload().catch(() => {});
  await context.setOffline(false);
  // …and the editor offers the text back.
  await page.goto(url);
  await page.getByRole("button", { name: "Put my unsaved text back" }).click();
  await expect(page.getByLabel(`Markdown of ${path}`)).toHaveValue(typed + "More.\n");
});

test("a trainer uploads a lesson, arranges the course and withdraws an item; an employee sees the new order", async ({ page, javaScriptEnabled }) => {
  test.setTimeout(90_000);
  const id = stamp(javaScriptEnabled);
  const folder = `arr-${id}`;
  await signIn(page, "trainer@demo.test");
  await page.goto("/author");
  await page.getByLabel("…or a new course folder").fill(folder);
  await page.getByLabel("What to create").selectOption("course");
  await page.getByLabel("Title", { exact: true }).fill(`Arranged ${id}`);
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Edit/ })).toContainText(`${folder}/course.md`);

  // A scenario from the template, published.
  await page.goto("/author");
  await page.locator("#new-folder").selectOption(folder);
  await page.getByLabel("What to create").selectOption("scenario");
  await page.getByLabel("Title", { exact: true }).fill("The late parcel");
  await page.getByRole("button", { name: "Create draft" }).click();
  await page.getByRole("button", { name: "Save and publish" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Published as revision 1" })).toBeVisible();

  // A lesson uploaded as a file (without JavaScript the file itself is sent).
  await page.goto("/author");
  if (javaScriptEnabled) await hydrated(page);
  await page.locator("#import-folder").selectOption(folder);
  const lesson = "---\nid: welcome\nkind: lesson\ntitle: Welcome\nminutes: 3\n---\n\n# Welcome\n\nWhy parcels matter to customers.\n";
  await page.getByLabel("Choose a file (.md, .twee or a Twine .html)").setInputFiles({ name: "welcome.md", mimeType: "text/markdown", buffer: Buffer.from(lesson) });
  if (javaScriptEnabled) await expect(page.getByLabel("…or paste the file's text here")).toHaveValue(lesson);
  await page.getByRole("button", { name: "Import as draft" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Imported as a draft" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: /^Edit/ })).toContainText(`${folder}/welcome.md`);
  await page.getByRole("button", { name: "Save and publish" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Published as revision 1" })).toBeVisible();

  // Arrange: file names put the scenario first; move the lesson up, make
  // the scenario optional, publish.
  await page.goto("/author");
  await page.getByRole("region", { name: `Arranged ${id}` }).getByRole("link", { name: "Arrange the course" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Arrange/ })).toHaveText(`Arrange “Arranged ${id}”`);
  const rows = page.locator(".compose-table tbody tr");
  await expect(rows.nth(0)).toContainText("The late parcel");
  await expect(rows.nth(1)).toContainText("Welcome");
  await noAxeViolations(page, "arrange", javaScriptEnabled);
  await page.getByRole("button", { name: "Move Welcome up" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Moved" })).toBeVisible();
  await expect(rows.nth(0)).toContainText("Welcome");
  await page.getByLabel("The late parcel is required").uncheck();
  await page.getByRole("button", { name: "Save and publish" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Published. Learners now get" })).toBeVisible();
  await expect(page.getByLabel("The late parcel is required")).not.toBeChecked();

  // The optional scenario can be withdrawn.
  await rows.nth(1).getByRole("link", { name: "The late parcel" }).click();
  await page.getByText("Withdraw this file from learners").click();
  await page.getByLabel("Learners should no longer get this file").check();
  await page.getByRole("button", { name: "Withdraw", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Withdrawn" })).toBeVisible();
  await signOut(page);

  // The employee gets the lesson, and only the lesson.
  await signIn(page, "employee@demo.test");
  await page.goto(`/learn/${folder}`);
  const outline = page.locator("ol.outline > li");
  await expect(outline).toHaveCount(1);
  await expect(outline.first()).toContainText("Welcome");
});

test("markup that tries to leave a textarea stays text, in the editor and the organisation form", async ({ page, javaScriptEnabled }) => {
  const hostile = `</textarea><img src=x id=escaped-${javaScriptEnabled ? "js" : "nojs"}><meta http-equiv="refresh" content="0;url=/learn">`;
  await signIn(page, "trainer@demo.test");
  const path = "empathetic-listening/02-reflect-ask-confirm.md";
  await page.goto(`/author/edit?path=${encodeURIComponent(path)}`);
  const source = page.getByLabel(`Markdown of ${path}`);
  const text = (await source.inputValue()) + `\n${hostile}\n`;
  await source.fill(text);
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Edit ${path}` })).toBeVisible();
  // Opened afresh: the text is exactly what was typed, and none of it is markup.
  await page.goto(`/author/edit?path=${encodeURIComponent(path)}`);
  await expect(page.getByLabel(`Markdown of ${path}`)).toHaveValue(text);
  // (The preview shows the lesson as learners see it: a sanitised <img>
  // there is content; an element beside the textarea would be an escape.)
  await expect(page.locator("form.editor-form img, form.editor-form meta")).toHaveCount(0);
  await expect(page.locator("meta[http-equiv='refresh']")).toHaveCount(0);
  await page.waitForTimeout(300);
  await expect(page).toHaveURL(/\/author\/edit/);
  await page.getByRole("button", { name: "Discard the draft" }).click();

  // What learners chose: share bars and the map draw without inline styles
  // (the fixture fails the test on any CSP violation).
  await page.goto(`/author/analytics?path=${encodeURIComponent("empathetic-listening/03-the-third-call.md")}`);
  await expect(page.getByRole("heading", { level: 1, name: /^What learners chose/ })).toBeVisible();
  await expect(page.locator("svg.bar-cell rect.bar-fill").first()).toBeAttached();
  await expect(page.locator("svg.scenario-map")).toBeVisible();
  await signOut(page);

  await signIn(page, "admin@demo.test");
  await page.goto("/admin/organisation");
  const mission = page.getByLabel("Mission");
  const before = await mission.inputValue();
  await mission.fill(hostile);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await page.goto("/admin/organisation");
  await expect(page.getByLabel("Mission")).toHaveValue(hostile);
  await expect(page.locator("img[src='x']")).toHaveCount(0);
  await expect(page.locator("meta[http-equiv='refresh']")).toHaveCount(0);
  await page.getByLabel("Mission").fill(before);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
});
