/** Shared by playwright.config.ts (server env) and the specs (credentials). */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3210);
export const E2E = {
  base: `http://127.0.0.1:${E2E_PORT}`,
  adminEmail: "admin@e2e.test",
  adminPassword: "admin-password-e2e",
  adminToken: "wf_e2e_admin_token_0123456789abcdef",
};
