import { defineConfig } from "@playwright/test";

// scripts/test starts the release server with the demo organisation and
// passes its address in RAPPORT_E2E_URL.
export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  retries: 0,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: process.env.RAPPORT_E2E_URL ?? "http://127.0.0.1:3300",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "with-javascript", use: { javaScriptEnabled: true } },
    { name: "without-javascript", use: { javaScriptEnabled: false } },
  ],
});
