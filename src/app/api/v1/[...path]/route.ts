import { restHandler } from "~/server/api/rest-handler";

export const dynamic = "force-dynamic";

export { restHandler as GET, restHandler as POST, restHandler as PUT, restHandler as PATCH, restHandler as DELETE };
