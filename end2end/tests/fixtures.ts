import { test as base, expect } from "@playwright/test";

export { expect };
export type { Page } from "@playwright/test";

// Every page a browser test visits must run with 0 Content-Security-Policy
// violations. Chromium reports each refused inline style, script or
// resource on the console; with JavaScript on, the page's own
// `securitypolicyviolation` events are reported there too. The fixture is
// automatic: a test fails when any page it visited broke the policy.
export const test = base.extend<{ cspViolations: string[] }>({
  cspViolations: [
    async ({ page }, use) => {
      const seen: string[] = [];
      await page.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (e) => {
          console.error(
            `Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sample})`,
          );
        });
      });
      page.on("console", (msg) => {
        const text = msg.text();
        if (/Content Security Policy/i.test(text)) seen.push(`${page.url()}: ${text}`);
      });
      await use(seen);
      expect(seen, "Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
});

// Waits until the bundle has attached to the server-rendered page (the app
// marks <html data-hydrated>). Before that, a click is an ordinary form post
// that reloads the page: a test that checks "no reload" must wait for this.
export async function hydrated(page: import("@playwright/test").Page) {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}
