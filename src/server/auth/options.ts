import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { authSecret } from "~/env";
import { actorFromUser } from "~/server/auth/actor";
import { AppError } from "~/server/errors";
import { signInWithPassword } from "~/server/services/sign-in";

/** NextAuth v4: credentials provider, JWT sessions (the JWT holds only the user id and team id). */
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
      async authorize(credentials) {
        try {
          const { userId } = await signInWithPassword(credentials?.email ?? "", credentials?.password ?? "");
          const actor = await actorFromUser(userId, undefined);
          if (!actor) throw new AppError("FORBIDDEN", "This account belongs to no team. Ask an admin to add you to one.");
          return { id: actor.userId, email: actor.email, name: actor.name, teamId: actor.teamId };
        } catch (e) {
          // NextAuth passes the message to the client as `error`.
          if (e instanceof AppError) throw new Error(e.message);
          throw e;
        }
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user && "teamId" in user && typeof user.teamId === "string") token.teamId = user.teamId;
      return token;
    },
    session({ session, token }) {
      return { ...session, userId: token.sub, teamId: token.teamId };
    },
  },
};
