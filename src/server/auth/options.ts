import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { authSecret } from "~/env";
import { actorFromUser } from "~/server/auth/actor";
import { endSession, isSessionCurrent } from "~/server/auth/session-version";
import { clientAddress } from "~/server/http/client-address";
import { AppError, appErrorOf } from "~/server/errors";
import { logger } from "~/server/logger";
import { signInWithPassword } from "~/server/services/sign-in";

/** Thrown from the jwt callback for a revoked session: NextAuth then clears the session cookie. */
const SESSION_REVOKED = "SessionRevoked";

/**
 * NextAuth v4: credentials provider, JWT sessions. The JWT holds only the user id, the team id and
 * the session version (`sv`, see src/server/auth/session-version.ts); everything else is read from
 * the database on each request.
 */
export const authOptions: NextAuthOptions = {
  // Read on each request, not at import: `next build` must not create (and bake in) a secret.
  get secret() {
    return authSecret();
  },
  session: { strategy: "jwt", maxAge: 7 * 24 * 3600 },
  pages: { signIn: "/signin" },
  providers: [
    CredentialsProvider({
      name: "Password",
      credentials: { email: { label: "E-mail", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        try {
          const address = clientAddress(new Headers(req.headers as Record<string, string> | undefined));
          const { userId, sessionVersion } = await signInWithPassword(credentials?.email ?? "", credentials?.password ?? "", address);
          const actor = await actorFromUser(userId, undefined);
          if (!actor) throw new AppError("FORBIDDEN", "This account belongs to no team. Ask an admin to add you to one.");
          return { id: actor.userId, email: actor.email, name: actor.name, teamId: actor.teamId, sessionVersion };
        } catch (e) {
          // NextAuth passes the message to the client as `error`.
          const refused = appErrorOf(e);
          if (refused) throw new Error(refused.message);
          throw e;
        }
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) {
        if ("teamId" in user && typeof user.teamId === "string") token.teamId = user.teamId;
        if ("sessionVersion" in user && typeof user.sessionVersion === "number") token.sv = user.sessionVersion;
        return token;
      }
      // Every other call refreshes an existing session (/api/auth/session): a revoked one is not
      // renewed but cleared, so the browser's client state ends with it.
      if (typeof token.sub !== "string" || !(await isSessionCurrent(token.sub, token.sv))) {
        const e = new Error("This session was ended (signed out, password reset, disabled or roles changed).");
        e.name = SESSION_REVOKED;
        throw e;
      }
      return token;
    },
    session({ session, token }) {
      return { ...session, userId: token.sub, teamId: token.teamId };
    },
  },
  events: {
    // Sign-out ends the user's sessions (all of them: a JWT cannot be revoked alone).
    async signOut({ token }) {
      if (typeof token?.sub === "string" && typeof token.sv === "number") await endSession(token.sub, token.sv);
    },
  },
  logger: {
    error(code, metadata) {
      const m = metadata as { name?: string; message?: string } | undefined;
      if (code === "JWT_SESSION_ERROR" && m?.name === SESSION_REVOKED) return logger.debug({ code }, "revoked session refused");
      logger.error({ code, message: m?.message }, "next-auth error");
    },
    warn(code) {
      logger.warn({ code }, "next-auth warning");
    },
    debug(code) {
      logger.debug({ code }, "next-auth debug");
    },
  },
};
