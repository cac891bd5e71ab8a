import { defineConfig, devices } from "@playwright/test";
import { E2E, E2E_PORT } from "./e2e/env";

/**
 * Browser tests run in Debian's Chromium (no browser download: see ../shared/STACK.md) against the
 * production build (`test:e2e` builds first when needed), served on a fresh database per run.
 */
const PORT = E2E_PORT;
const BASE = E2E.base;

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL: BASE,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: {
    command: "node scripts/e2e-server.mjs",
    url: `${BASE}/api/ready`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(PORT),
      HOST: "127.0.0.1",
      NEXTAUTH_URL: BASE,
      DATA_DIR: `test-results/e2e-data-${PORT}`,
      DATABASE_URL: `file:./test-results/e2e-data-${PORT}/app.db`,
      ADMIN_EMAIL: E2E.adminEmail,
      ADMIN_PASSWORD: E2E.adminPassword,
      ADMIN_API_TOKEN: E2E.adminToken,
      LOGIN_THROTTLE_BASE_MS: "1000",
      LOG_LEVEL: "warn",
    },
  },
});
