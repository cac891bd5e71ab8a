import { generateOpenApiDocument } from "trpc-to-openapi";
import { env } from "~/env";
import { appRouter } from "./root";

let cached: ReturnType<typeof generateOpenApiDocument> | undefined;

export function openApiDocument() {
  cached ??= generateOpenApiDocument(appRouter, {
    title: "Workflow orchestrator API",
    description: "REST mirror of the tRPC API. Authenticate with `Authorization: Bearer <token>` (create tokens in Admin -> API tokens).",
    version: "1.0.0",
    baseUrl: `${env.nextAuthUrl}/api/v1`,
    securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
  });
  return cached;
}
