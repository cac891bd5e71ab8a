import { generateOpenApiDocument } from "trpc-to-openapi";
import { env } from "~/env";
import { appRouter } from "./root";

type Doc = ReturnType<typeof generateOpenApiDocument>;
let cached: Doc | undefined;

/**
 * The one response no procedure describes: `GET /audit?format=jsonl` (src/server/api/audit-export.ts)
 * answers with JSON lines, each line an entry of the JSON answer's array.
 */
function withAuditJsonLines(doc: Doc): Doc {
  const ok = doc.paths?.["/audit"]?.get?.responses?.["200"];
  if (ok && "content" in ok && ok.content) {
    ok.content["application/x-ndjson"] = {
      schema: { type: "string", description: "format=jsonl: one audit entry (as in the JSON array) per line; sent as an attachment" },
    };
  }
  return doc;
}

export function openApiDocument() {
  cached ??= withAuditJsonLines(
    generateOpenApiDocument(appRouter, {
      title: "Workflow orchestrator API",
      description: "REST mirror of the tRPC API. Authenticate with `Authorization: Bearer <token>` (create tokens in Admin -> API tokens).",
      version: "1.0.0",
      baseUrl: `${env.nextAuthUrl}/api/v1`,
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    }),
  );
  return cached;
}
