import NextAuth from "next-auth";
import { NextRequest } from "next/server";
import { authOptions } from "~/server/auth/options";
import { limitBody } from "~/server/http/body-limit";

const nextAuth = NextAuth(authOptions) as (req: NextRequest, context: { params: Promise<{ nextauth: string[] }> }) => Promise<Response>;

/** NextAuth, with the sign-in POST's body limited to MAX_REQUEST_BYTES (413 beyond) like every route. */
async function handler(req: NextRequest, context: { params: Promise<{ nextauth: string[] }> }): Promise<Response> {
  const limited = await limitBody(req);
  if (limited instanceof Response) return limited;
  // NextAuth reads req.nextUrl: the re-read request is a NextRequest again.
  return nextAuth(limited === req ? req : new NextRequest(limited), context);
}

export { handler as GET, handler as POST };
